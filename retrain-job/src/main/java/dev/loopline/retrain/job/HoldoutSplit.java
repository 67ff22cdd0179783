package dev.loopline.retrain.job;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The leakage-free split: an event id is in the holdout iff {@code u(seed, eventId) < fraction},
 * where {@code u} is the first 8 bytes of SHA-256(seed as 8 big-endian bytes || UTF-8 event id)
 * read as an unsigned fraction of 2^64. It depends on nothing but the id, the seed and the
 * fraction, so an id that is held out once is held out in every later run that keeps the seed and
 * fraction (the job reuses both from the latest version's lineage), and anyone holding the lineage
 * (tests, the backtest's leakage guard) can recompute exactly which ids were trained on.
 *
 * @param seed the split seed, fixed per model name and recorded in lineage
 * @param holdoutFraction share of ids held out, in [0, 1)
 */
public record HoldoutSplit(long seed, double holdoutFraction) implements Serializable {

  public HoldoutSplit {
    if (!(holdoutFraction > 0 && holdoutFraction < 1)) {
      throw new IllegalArgumentException(
          "holdout fraction must be in (0, 1), got " + holdoutFraction);
    }
  }

  /** The default seed of a model name: stable, so two fresh installs split the same way. */
  public static long seedFor(String modelName) {
    byte[] d = sha256(("loopline.split:" + modelName).getBytes(StandardCharsets.UTF_8));
    return ByteBuffer.wrap(d).getLong();
  }

  /** The id's position in [0, 1). */
  public double position(String eventId) {
    byte[] id = eventId.getBytes(StandardCharsets.UTF_8);
    byte[] d = sha256(ByteBuffer.allocate(8 + id.length).putLong(seed).put(id).array());
    long bits = ByteBuffer.wrap(d).getLong() >>> 11; // 53 bits: exact in a double
    return bits / (double) (1L << 53);
  }

  public boolean isHoldout(String eventId) {
    return position(eventId) < holdoutFraction;
  }

  private static byte[] sha256(byte[] in) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(in);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by the JDK", e);
    }
  }
}
