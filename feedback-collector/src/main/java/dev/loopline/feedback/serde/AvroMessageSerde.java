package dev.loopline.feedback.serde;

import dev.loopline.serde.AvroClassTrust;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Avro single-object encoding (2-byte marker, 8-byte schema fingerprint, Avro binary) for the
 * collector's own state stores and changelogs. Internal state never leaves the application, so it
 * needs no registry round trip; the fingerprint still makes a schema change detectable instead of
 * silently misread.
 */
public final class AvroMessageSerde<T extends SpecificRecord> implements Serde<T> {

  private final BinaryMessageEncoder<T> encoder;
  private final BinaryMessageDecoder<T> decoder;

  private AvroMessageSerde(Class<T> type) {
    AvroClassTrust.trust(type);
    SpecificData model = SpecificData.getForClass(type);
    Schema schema = SpecificData.get().getSchema(type);
    this.encoder = new BinaryMessageEncoder<>(model, schema);
    this.decoder = new BinaryMessageDecoder<>(model, schema);
  }

  public static <T extends SpecificRecord> AvroMessageSerde<T> of(Class<T> type) {
    return new AvroMessageSerde<>(type);
  }

  public byte[] encode(T value) {
    try {
      ByteBuffer buf = encoder.encode(value);
      byte[] out = new byte[buf.remaining()];
      buf.get(out);
      return out;
    } catch (IOException e) {
      throw new SerializationException("cannot encode " + value.getSchema().getFullName(), e);
    }
  }

  public T decode(byte[] bytes) {
    try {
      return decoder.decode(bytes);
    } catch (IOException | RuntimeException e) {
      throw new SerializationException("cannot decode Avro single-object message", e);
    }
  }

  @Override
  public Serializer<T> serializer() {
    return (topic, value) -> value == null ? null : encode(value);
  }

  @Override
  public Deserializer<T> deserializer() {
    return (topic, bytes) -> bytes == null ? null : decode(bytes);
  }
}
