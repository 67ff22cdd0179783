package dev.loopline.serde;

import dev.loopline.registry.client.RegistryClient;
import dev.loopline.registry.client.RegistryException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes a generated Avro record in the Confluent wire format: magic byte 0, the writer schema's
 * 4-byte big-endian registry id, then Avro binary. Any Confluent-compatible consumer (Confluent's
 * deserializer, Flink's {@code ConfluentRegistryAvroDeserializationSchema}, ksqlDB) can read it.
 *
 * <p>Schema id resolution follows Confluent's serializer: {@code auto.register.schemas=true}
 * (default) registers the record's schema under the subject ({@code <topic>-value} or {@code
 * <topic>-key}); {@code use.latest.version=true} writes with the subject's latest schema instead;
 * otherwise the schema must already be registered. Ids are cached per topic, so the registry is
 * called once per topic and schema, not per record.
 *
 * <p>Usable by class name in client configs ({@code value.serializer}); configure() then reads the
 * registry settings from the client config.
 */
public class SpecificAvroSerializer<T extends SpecificRecord> implements Serializer<T> {

  private static final byte MAGIC = 0;

  private RegistryClient client;
  private SerdeConfig config;

  /** Per (topic, record schema): the id and writer to use. */
  private final Map<String, Target> targets = new ConcurrentHashMap<>();

  private final ThreadLocal<BinaryEncoder> encoders = new ThreadLocal<>();

  private record Target(
      Schema recordSchema, int id, Schema writerSchema, DatumWriter<Object> writer) {}

  /** For use by class name: configure() creates the registry client. */
  public SpecificAvroSerializer() {}

  /** With a shared client; still call {@link #configure} for the serde settings. */
  public SpecificAvroSerializer(RegistryClient client) {
    this.client = client;
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    this.config = SerdeConfig.from(configs, isKey);
    if (client == null) {
      client = RegistryClient.fromConfig(configs);
    }
  }

  @Override
  public byte[] serialize(String topic, T data) {
    if (data == null) {
      return null;
    }
    if (config == null) {
      throw new IllegalStateException("SpecificAvroSerializer used before configure()");
    }
    Schema schema = data.getSchema();
    Target target = targets.get(topic);
    if (target == null || target.recordSchema() != schema) {
      target = resolve(topic, schema, data.getClass());
      targets.put(topic, target);
    }
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream(256);
      out.write(MAGIC);
      int id = target.id();
      out.write(id >>> 24);
      out.write(id >>> 16);
      out.write(id >>> 8);
      out.write(id);
      BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, encoders.get());
      encoders.set(encoder);
      Object datum = target.writerSchema() == schema ? data : convert(data, target.writerSchema());
      target.writer().write(datum, encoder);
      encoder.flush();
      return out.toByteArray();
    } catch (IOException | RuntimeException e) {
      throw new SerializationException(
          "topic " + topic + ": cannot serialize " + schema.getFullName() + ": " + e.getMessage(),
          e);
    }
  }

  private Target resolve(String topic, Schema schema, Class<?> type) {
    String subject = config.subject(topic, schema);
    try {
      if (config.useLatest) {
        RegistryClient.SubjectVersion latest = client.latest(subject);
        Schema writerSchema = latest.schema().equals(schema) ? schema : latest.schema();
        DatumWriter<Object> writer =
            writerSchema == schema
                ? new SpecificDatumWriter<>(schema, SpecificData.getForClass(type))
                : new GenericDatumWriter<>(writerSchema, GenericData.get());
        return new Target(schema, latest.id(), writerSchema, writer);
      }
      int id =
          config.autoRegister
              ? client.register(subject, schema)
              : client.lookup(subject, schema).id();
      return new Target(
          schema, id, schema, new SpecificDatumWriter<>(schema, SpecificData.getForClass(type)));
    } catch (RegistryException e) {
      throw new SerializationException(
          "topic "
              + topic
              + ": no schema id for "
              + schema.getFullName()
              + " under subject "
              + subject
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /** use.latest.version with a different latest schema: re-read the record with it (resolution). */
  private static Object convert(SpecificRecord data, Schema writerSchema) throws IOException {
    Schema own = data.getSchema();
    ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
    BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(buf, null);
    new SpecificDatumWriter<>(own, SpecificData.getForClass(data.getClass())).write(data, enc);
    enc.flush();
    GenericDatumReader<GenericRecord> reader = new GenericDatumReader<>(own, writerSchema);
    return reader.read(null, DecoderFactory.get().binaryDecoder(buf.toByteArray(), null));
  }
}
