package dev.loopline.retrain.registry;

import dev.loopline.config.LooplineConfig;
import dev.loopline.serde.AvroSerdes;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Kafka clients for the model topics, built from the one config layer (security settings pass
 * through) with the project's Confluent-wire-format Avro serde.
 */
public final class AvroClients {

  private AvroClients() {}

  /** A consumer for a bounded read: no group, no commits, the caller assigns and seeks. */
  public static <T extends SpecificRecord> KafkaConsumer<String, T> consumer(
      LooplineConfig config, Class<T> type) {
    Map<String, Object> props = new java.util.HashMap<>(config.clientAndSerdeProps());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    return new KafkaConsumer<>(
        props,
        new StringDeserializer(),
        AvroSerdes.specific(type, config.clientAndSerdeProps(), false).deserializer());
  }

  /** An idempotent producer that waits for all in-sync replicas. */
  public static <T extends SpecificRecord> KafkaProducer<String, T> producer(
      LooplineConfig config, Class<T> type) {
    Map<String, Object> props = new java.util.HashMap<>(config.clientAndSerdeProps());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    return new KafkaProducer<>(
        props,
        new StringSerializer(),
        AvroSerdes.specific(type, config.clientAndSerdeProps(), false).serializer());
  }
}
