package dev.loopline.model.features;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * MurmurHash3 x86_32 (Austin Appleby's reference algorithm) over bytes: the hash behind feature
 * buckets and the policy's audit draw. Pure integer arithmetic on explicit UTF-8 bytes, so it gives
 * the same answer on every JVM, locale and platform encoding.
 */
public final class MurmurHash3 {

  private static final int C1 = 0xcc9e2d51;
  private static final int C2 = 0x1b873593;

  /** Little-endian int reads from a byte array (one bounds check, no per-byte assembly). */
  private static final VarHandle LE_INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private MurmurHash3() {}

  /** Hash of {@code data[offset, offset + length)}. */
  public static int hash32(byte[] data, int offset, int length, int seed) {
    int h1 = seed;
    int end = offset + (length & ~3);
    for (int i = offset; i < end; i += 4) {
      h1 = mixBlock(h1, data, i);
    }
    return finish(h1, data, end, length & 3, length);
  }

  /**
   * One body step: {@code h1} after the 4-byte little-endian block at {@code data[i]}. With {@link
   * #finish} it lets callers hash several prefixes of the same bytes incrementally (the blocks of a
   * prefix are those of every longer one).
   */
  static int mixBlock(int h1, byte[] data, int i) {
    int k1 = (int) LE_INT.get(data, i);
    k1 *= C1;
    k1 = Integer.rotateLeft(k1, 15);
    k1 *= C2;
    h1 ^= k1;
    h1 = Integer.rotateLeft(h1, 13);
    return h1 * 5 + 0xe6546b64;
  }

  /**
   * The hash of {@code length} bytes whose whole blocks gave {@code h1}, with the {@code tail} (0
   * to 3) remaining bytes at {@code data[i]}.
   */
  static int finish(int h1, byte[] data, int i, int tail, int length) {
    if (tail > 0) {
      int k1 = data[i] & 0xff;
      if (tail > 1) {
        k1 |= (data[i + 1] & 0xff) << 8;
        if (tail > 2) {
          k1 |= (data[i + 2] & 0xff) << 16;
        }
      }
      k1 *= C1;
      k1 = Integer.rotateLeft(k1, 15);
      k1 *= C2;
      h1 ^= k1;
    }
    return fmix32(h1 ^ length);
  }

  /** Hash of a string's UTF-8 bytes. */
  public static int hash32(String text, int seed) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    return hash32(b, 0, b.length, seed);
  }

  static int fmix32(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }
}
