package dev.loopline.inference.topology;

import dev.loopline.avro.Event;
import dev.loopline.avro.Prediction;
import dev.loopline.inference.model.ServingModel;
import dev.loopline.model.policy.Decision;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Encodes predictions in the wire format of the configured serializer (Confluent framing + Avro),
 * writing the Avro binary by hand instead of building a {@link Prediction} and running the generic
 * {@code SpecificDatumWriter} per record: on the scoring app's one stream thread that was ~2 us per
 * event.
 *
 * <p>The serializer stays the authority. The first prediction for each topic is encoded by the
 * serializer (which resolves the topic's schema id with the registry, as always) and by hand with
 * the id the serializer wrote; only when the two are byte-identical (the serializer writes with
 * {@code Prediction}'s own schema) does the topic go on with the hand-written encoding, otherwise
 * (e.g. {@code use.latest.version} with another writer schema, a serializer that is not the
 * registry one) every prediction for that topic goes through the serializer. Topics whose encoding
 * has the same schema id share one byte array ({@link #reuse}).
 *
 * <p>One instance per processor (stream task): not thread-safe.
 */
final class PredictionEncoder {

  /** A topic that the hand-written encoding does not serve. */
  private static final int SERIALIZER = -1;

  /** The most distinct strings (labels, actions, routes) whose encoding is kept. */
  private static final int MAX_CACHED_STRINGS = 4_096;

  /** The inputs of one prediction; {@link #toPrediction()} builds the record itself. */
  record Scored(
      ServingModel model,
      Event event,
      float[] probs,
      Decision decision,
      String route,
      boolean shadow,
      long latencyMicros,
      int batchSize,
      Instant scoredAt) {

    Prediction toPrediction() {
      return ScoringProcessor.prediction(
          model, event, probs, decision, route, shadow, latencyMicros, batchSize, scoredAt);
    }
  }

  private final Serializer<Prediction> serializer;

  /** Per topic: the schema id of the hand-written encoding, or {@link #SERIALIZER}. */
  private final Map<String, Integer> ids = new HashMap<>();

  /** Avro encodings (length + UTF-8) of the few strings that repeat: labels, actions, routes. */
  private final Map<String, byte[]> strings = new HashMap<>();

  private ServingModel model;
  private byte[] modelHead;
  private byte[][] labels;
  private byte[] fingerprint;

  private byte[] buf = new byte[512];
  private int pos;

  PredictionEncoder(Serializer<Prediction> serializer) {
    this.serializer = serializer;
  }

  /** {@code s} encoded for {@code topic}. */
  Encoded encode(String topic, Scored s) {
    Integer id = ids.get(topic);
    if (id == null) {
      return learn(topic, s);
    }
    if (id == SERIALIZER) {
      return new Encoded(topic, serializer.serialize(topic, s.toPrediction()));
    }
    return new Encoded(topic, write(id, s));
  }

  /** {@code s} for {@code topic}, sharing {@code encoded}'s bytes when the wire format matches. */
  Encoded reuse(String topic, Scored s, Encoded encoded) {
    if (topic.equals(encoded.topic())) {
      return encoded;
    }
    Integer id = ids.get(topic);
    Integer other = ids.get(encoded.topic());
    if (id != null && id != SERIALIZER && id.equals(other)) {
      return new Encoded(topic, encoded.bytes());
    }
    return encode(topic, s);
  }

  /** Whether {@code topic} is served by the hand-written encoding (null: not seen yet). */
  Boolean handWritten(String topic) {
    Integer id = ids.get(topic);
    return id == null ? null : id != SERIALIZER;
  }

  private Encoded learn(String topic, Scored s) {
    byte[] reference = serializer.serialize(topic, s.toPrediction());
    int id = SERIALIZER;
    if (reference != null && reference.length > 5 && reference[0] == 0) {
      int candidate =
          ((reference[1] & 0xff) << 24)
              | ((reference[2] & 0xff) << 16)
              | ((reference[3] & 0xff) << 8)
              | (reference[4] & 0xff);
      if (candidate >= 0 && Arrays.equals(write(candidate, s), reference)) {
        id = candidate;
      }
    }
    ids.put(topic, id);
    return new Encoded(topic, reference);
  }

  /** Confluent framing (magic 0, 4-byte id) and the Avro binary of {@code Prediction}. */
  private byte[] write(int id, Scored s) {
    model(s.model());
    pos = 0;
    ensure(5);
    buf[0] = 0;
    buf[1] = (byte) (id >>> 24);
    buf[2] = (byte) (id >>> 16);
    buf[3] = (byte) (id >>> 8);
    buf[4] = (byte) id;
    pos = 5;
    writeString(s.event().getId()); // eventId
    writeBytes(modelHead); // modelName, modelVersion
    float[] probs = s.probs();
    int n = labels.length;
    if (probs.length < n) {
      throw new IllegalArgumentException(
          probs.length
              + " probabilities for "
              + n
              + " labels (model v"
              + s.model().version()
              + ")");
    }
    if (n > 0) {
      writeLong(n);
      for (int j = 0; j < n; j++) {
        writeBytes(labels[j]);
        writeDouble(probs[j]);
      }
    }
    writeLong(0); // end of the probabilities array
    Decision d = s.decision();
    writeCached(d.topLabel());
    writeDouble(d.topProbability());
    writeCached(d.action());
    writeCached(s.route());
    writeBoolean(d.audit());
    writeBoolean(s.shadow());
    writeLong(s.event().getOccurredAt().toEpochMilli());
    writeLong(s.scoredAt().toEpochMilli());
    writeLong(s.latencyMicros());
    writeLong(s.batchSize());
    writeBytes(fingerprint);
    return Arrays.copyOf(buf, pos);
  }

  /** The per-version parts, encoded once per model version. */
  private void model(ServingModel m) {
    if (m == model) {
      return;
    }
    int saved = pos;
    byte[] savedBuf = buf;
    buf = new byte[64];
    pos = 0;
    writeString(m.metadata().name());
    writeLong(m.version());
    modelHead = Arrays.copyOf(buf, pos);
    List<String> names = m.labels();
    byte[][] encoded = new byte[names.size()][];
    for (int j = 0; j < encoded.length; j++) {
      encoded[j] = encodeString(names.get(j));
    }
    labels = encoded;
    String fp = m.metadata().featurizerFingerprint();
    if (fp == null) {
      fingerprint = new byte[] {0}; // union branch 0: null
    } else {
      byte[] str = encodeString(fp);
      fingerprint = new byte[str.length + 1];
      fingerprint[0] = 2; // union branch 1 (zig-zag)
      System.arraycopy(str, 0, fingerprint, 1, str.length);
    }
    buf = savedBuf;
    pos = saved;
    model = m;
  }

  private void writeCached(String s) {
    byte[] b = strings.get(s);
    if (b == null) {
      b = encodeString(s);
      if (strings.size() < MAX_CACHED_STRINGS) {
        strings.put(s, b);
      }
    }
    writeBytes(b);
  }

  private static byte[] encodeString(String s) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[utf8.length + 10];
    int p = varLong(utf8.length, out, 0);
    System.arraycopy(utf8, 0, out, p, utf8.length);
    return Arrays.copyOf(out, p + utf8.length);
  }

  private void writeString(String s) {
    int len = s.length();
    ensure(len + 10);
    // ASCII (ids, names) is copied in place; anything else goes through the JDK's UTF-8 encoder.
    int start = pos;
    int p = varLong(len, buf, pos);
    for (int i = 0; i < len; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        pos = start;
        ensure(utf8.length + 10);
        pos = varLong(utf8.length, buf, pos);
        System.arraycopy(utf8, 0, buf, pos, utf8.length);
        pos += utf8.length;
        return;
      }
      buf[p + i] = (byte) c;
    }
    pos = p + len;
  }

  private void writeBytes(byte[] b) {
    ensure(b.length);
    System.arraycopy(b, 0, buf, pos, b.length);
    pos += b.length;
  }

  private void writeBoolean(boolean b) {
    ensure(1);
    buf[pos++] = (byte) (b ? 1 : 0);
  }

  private void writeLong(long v) {
    ensure(10);
    pos = varLong(v, buf, pos);
  }

  /** Avro's double: the IEEE 754 bits, little-endian (as {@code BinaryEncoder.writeDouble}). */
  private void writeDouble(double d) {
    ensure(8);
    long bits = Double.doubleToRawLongBits(d);
    for (int i = 0; i < 8; i++) {
      buf[pos++] = (byte) (bits >>> (8 * i));
    }
  }

  /** Zig-zag variable-length long; returns the position after it. */
  private static int varLong(long v, byte[] out, int p) {
    long n = (v << 1) ^ (v >> 63);
    while ((n & ~0x7FL) != 0) {
      out[p++] = (byte) ((n & 0x7F) | 0x80);
      n >>>= 7;
    }
    out[p++] = (byte) n;
    return p;
  }

  private void ensure(int more) {
    if (pos + more > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + more));
    }
  }
}
