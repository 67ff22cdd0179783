package dev.loopline.retrain.registry;

import dev.loopline.avro.Deployment;
import dev.loopline.avro.ModelVersion;
import dev.loopline.config.LooplineConfig;
import dev.loopline.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code model-versions} and {@code model-deployments} from the beginning up to the end
 * offsets at the time of the call (a bounded read), for one model name.
 */
public final class ModelRegistryReader {

  private static final Logger LOG = LoggerFactory.getLogger(ModelRegistryReader.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private ModelRegistryReader() {}

  public static ModelHistory read(LooplineConfig config, Topics topics, String modelName) {
    TreeMap<Integer, ModelVersion> versions = new TreeMap<>();
    String prefix = modelName + ":";
    readAll(
        config,
        ModelVersion.class,
        topics.modelVersions(),
        (key, v) -> {
          if (key != null && key.startsWith(prefix)) {
            if (v == null) {
              versions.remove(parseVersion(key.substring(prefix.length())));
            } else {
              versions.put(v.getVersion(), v);
            }
          }
        });
    List<Deployment> deployments = new ArrayList<>();
    readAll(
        config,
        Deployment.class,
        topics.modelDeployments(),
        (key, d) -> {
          if (d != null && modelName.equals(d.getModelName())) {
            deployments.add(d);
          }
        });
    return new ModelHistory(modelName, versions, deployments);
  }

  private static int parseVersion(String s) {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * End offsets (exclusive) of every partition of {@code topic} now; empty if it does not exist.
   */
  public static Map<Integer, Long> endOffsets(LooplineConfig config, String topic) {
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(
            new HashMap<>(config.kafkaClientProps()),
            new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
            new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
      List<TopicPartition> tps = partitions(c, topic);
      Map<Integer, Long> out = new TreeMap<>();
      c.endOffsets(tps, TIMEOUT).forEach((tp, off) -> out.put(tp.partition(), off));
      return out;
    }
  }

  /**
   * Keys of the live (non-tombstoned) records of {@code topic} up to its end offsets now, e.g. the
   * event ids on {@code forgotten}; empty if the topic does not exist.
   */
  public static java.util.Set<String> liveKeys(LooplineConfig config, String topic) {
    java.util.Set<String> keys = new java.util.HashSet<>();
    try (KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(
            new HashMap<>(config.kafkaClientProps()),
            new org.apache.kafka.common.serialization.StringDeserializer(),
            new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
      List<TopicPartition> tps = partitions(c, topic);
      if (tps.isEmpty()) {
        return keys;
      }
      c.assign(tps);
      c.seekToBeginning(tps);
      Map<TopicPartition, Long> end = c.endOffsets(tps, TIMEOUT);
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (!reached(c, end)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("timed out reading " + topic + " up to " + end);
        }
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
          if (r.key() == null) {
            continue;
          }
          if (r.value() == null) {
            keys.remove(r.key());
          } else {
            keys.add(r.key());
          }
        }
      }
    }
    return keys;
  }

  /** The partitions of {@code topic}; none if it does not exist. */
  public static List<TopicPartition> partitions(KafkaConsumer<?, ?> c, String topic) {
    List<PartitionInfo> infos = c.partitionsFor(topic, TIMEOUT);
    List<TopicPartition> tps = new ArrayList<>();
    if (infos != null) {
      for (PartitionInfo p : infos) {
        tps.add(new TopicPartition(topic, p.partition()));
      }
    }
    return tps;
  }

  private static <T extends SpecificRecord> void readAll(
      LooplineConfig config, Class<T> type, String topic, BiConsumer<String, T> sink) {
    try (KafkaConsumer<String, T> c = AvroClients.consumer(config, type)) {
      List<TopicPartition> tps = partitions(c, topic);
      if (tps.isEmpty()) {
        LOG.info("topic {} does not exist yet: no records", topic);
        return;
      }
      c.assign(tps);
      c.seekToBeginning(tps);
      Map<TopicPartition, Long> end = c.endOffsets(tps, TIMEOUT);
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (!reached(c, end)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("timed out reading " + topic + " up to " + end);
        }
        for (ConsumerRecord<String, T> r : c.poll(Duration.ofMillis(200))) {
          sink.accept(r.key(), r.value());
        }
      }
    }
  }

  private static boolean reached(KafkaConsumer<?, ?> c, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (c.position(e.getKey(), TIMEOUT) < e.getValue()) {
        return false;
      }
    }
    return true;
  }
}
