package dev.loopline.feedback.serde;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** Fixed-width counters (big-endian longs) for the stats window stores: compact and schema-free. */
public final class LongArraySerde implements Serde<long[]> {

  @Override
  public Serializer<long[]> serializer() {
    return (topic, value) -> {
      if (value == null) {
        return null;
      }
      ByteBuffer buf = ByteBuffer.allocate(value.length * Long.BYTES);
      for (long v : value) {
        buf.putLong(v);
      }
      return buf.array();
    };
  }

  @Override
  public Deserializer<long[]> deserializer() {
    return (topic, bytes) -> {
      if (bytes == null) {
        return null;
      }
      if (bytes.length % Long.BYTES != 0) {
        throw new SerializationException("counter array of " + bytes.length + " bytes");
      }
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      long[] out = new long[bytes.length / Long.BYTES];
      for (int i = 0; i < out.length; i++) {
        out[i] = buf.getLong();
      }
      return out;
    };
  }
}
