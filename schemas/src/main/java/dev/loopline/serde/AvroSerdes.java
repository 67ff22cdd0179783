package dev.loopline.serde;

import dev.loopline.registry.client.RegistryClient;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Factory of Kafka serdes for generated Avro classes in the Confluent wire format, the one way
 * every Loopline app (Kafka Streams topologies, producers, consumers) turns records into bytes.
 */
public final class AvroSerdes {

  private AvroSerdes() {}

  /**
   * A configured serde for {@code type}. {@code config} holds the registry settings with
   * Confluent's names ({@code LooplineConfig.registryClientProps()} or {@code
   * clientAndSerdeProps()}): {@code schema.registry.url}, {@code auto.register.schemas} (default
   * true), {@code use.latest.version} (default false), basic auth and {@code
   * schema.registry.ssl.*}. The serializer and deserializer share one caching registry client.
   */
  public static <T extends SpecificRecord> Serde<T> specific(
      Class<T> type, Map<String, ?> config, boolean isKey) {
    return specific(type, config, isKey, RegistryClient.fromConfig(config));
  }

  /** As {@link #specific(Class, Map, boolean)}, with a registry client shared by more serdes. */
  public static <T extends SpecificRecord> Serde<T> specific(
      Class<T> type, Map<String, ?> config, boolean isKey, RegistryClient client) {
    SpecificAvroSerializer<T> serializer = new SpecificAvroSerializer<>(client);
    serializer.configure(config, isKey);
    SpecificAvroDeserializer<T> deserializer = new SpecificAvroDeserializer<>(type, client);
    deserializer.configure(config, isKey);
    return Serdes.serdeFrom(serializer, deserializer);
  }
}
