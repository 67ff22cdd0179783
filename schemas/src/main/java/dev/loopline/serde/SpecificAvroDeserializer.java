package dev.loopline.serde;

import dev.loopline.registry.client.RegistryClient;
import dev.loopline.registry.client.RegistryException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Confluent wire-format bytes into a generated Avro class. The writer schema is fetched by
 * the id in the bytes (and cached); the reader schema is the class's own, and Avro schema
 * resolution bridges the two, so records written by an older or newer compatible schema decode.
 *
 * <p>Bad bytes (too short, wrong magic byte, an id the registry does not know, Avro that does not
 * parse) throw a {@link SerializationException} naming the topic and the cause, which Kafka clients
 * and Kafka Streams' exception handlers treat as a poison record.
 *
 * <p>Usable by class name in client configs: configure() reads the target class from {@code
 * specific.avro.value.type} (or {@code specific.avro.key.type}), a class or a class name.
 */
public class SpecificAvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

  private static final byte MAGIC = 0;

  private RegistryClient client;
  private Class<T> type;
  private Schema readerSchema;
  private SpecificData model;
  private final Map<Integer, SpecificDatumReader<T>> readers = new ConcurrentHashMap<>();
  private final ThreadLocal<BinaryDecoder> decoders = new ThreadLocal<>();

  /** For use by class name: configure() reads the type and creates the registry client. */
  public SpecificAvroDeserializer() {}

  /** With a type and a shared client; call {@link #configure} or use as is. */
  public SpecificAvroDeserializer(Class<T> type, RegistryClient client) {
    this.client = client;
    setType(type);
  }

  @Override
  @SuppressWarnings("unchecked")
  public void configure(Map<String, ?> configs, boolean isKey) {
    if (type == null) {
      String key = isKey ? SerdeConfig.KEY_TYPE : SerdeConfig.VALUE_TYPE;
      Object t = configs.get(key);
      if (t == null) {
        throw new org.apache.kafka.common.config.ConfigException(
            key + " is required (the generated Avro class to decode into)");
      }
      try {
        Class<?> c =
            t instanceof Class<?> k
                ? k
                : Class.forName(
                    t.toString().trim(), true, Thread.currentThread().getContextClassLoader());
        if (!SpecificRecord.class.isAssignableFrom(c)) {
          throw new org.apache.kafka.common.config.ConfigException(
              key, t, "not a generated Avro SpecificRecord class");
        }
        setType((Class<T>) c);
      } catch (ClassNotFoundException e) {
        throw new org.apache.kafka.common.config.ConfigException(key, t, "class not found");
      }
    }
    if (client == null) {
      client = RegistryClient.fromConfig(configs);
    }
  }

  private void setType(Class<T> type) {
    AvroClassTrust.trust(type);
    this.type = type;
    this.model = SpecificData.getForClass(type);
    this.readerSchema = model.getSchema(type);
  }

  @Override
  public T deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    if (type == null || client == null) {
      throw new IllegalStateException("SpecificAvroDeserializer used before configure()");
    }
    if (data.length < 5) {
      throw new SerializationException(
          "topic "
              + topic
              + ": "
              + data.length
              + " bytes is too short for the Confluent wire format");
    }
    if (data[0] != MAGIC) {
      throw new SerializationException(
          "topic "
              + topic
              + ": unknown magic byte "
              + data[0]
              + " (expected 0, Confluent wire format)");
    }
    int id =
        ((data[1] & 0xff) << 24)
            | ((data[2] & 0xff) << 16)
            | ((data[3] & 0xff) << 8)
            | (data[4] & 0xff);
    SpecificDatumReader<T> reader = readers.get(id);
    if (reader == null) {
      reader = reader(topic, id);
    }
    try {
      BinaryDecoder decoder =
          DecoderFactory.get().binaryDecoder(data, 5, data.length - 5, decoders.get());
      decoders.set(decoder);
      return reader.read(null, decoder);
    } catch (Exception e) {
      throw new SerializationException(
          "topic "
              + topic
              + ": cannot decode "
              + type.getSimpleName()
              + " written with schema id "
              + id
              + ": "
              + e,
          e);
    }
  }

  private SpecificDatumReader<T> reader(String topic, int id) {
    Schema writer;
    try {
      writer = client.schemaById(id);
    } catch (RegistryException e) {
      String cause =
          e.errorCode() == RegistryException.SCHEMA_NOT_FOUND
              ? "unknown schema id " + id
              : "cannot fetch schema id " + id;
      throw new SerializationException(
          "topic " + topic + ": " + cause + " (" + e.getMessage() + ")", e);
    }
    SpecificDatumReader<T> reader = new SpecificDatumReader<>(writer, readerSchema, model);
    readers.put(id, reader);
    return reader;
  }

  /** The class this deserializer decodes into. */
  public Class<T> type() {
    return type;
  }
}
