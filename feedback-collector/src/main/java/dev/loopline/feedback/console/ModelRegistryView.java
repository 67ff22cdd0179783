package dev.loopline.feedback.console;

import dev.loopline.avro.Deployment;
import dev.loopline.avro.ModelVersion;
import dev.loopline.config.LooplineConfig;
import dev.loopline.serde.AvroSerdes;
import dev.loopline.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's view of {@code model-versions} and {@code model-deployments}: one consumer with no
 * group, assigned every partition of both topics from the beginning, keeps following them. Every
 * collector instance holds the whole (small) history, so model pages need no cross-instance query.
 * The collector does not depend on the retrain job; this reads the same records its {@code
 * ModelRegistryReader} does, with the same rule: the last record per version key wins, and the last
 * deployment says what serves.
 */
public final class ModelRegistryView implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ModelRegistryView.class);

  /** A consistent copy of one model's versions and deployments (topic order). */
  public record Snapshot(
      String modelName, TreeMap<Integer, ModelVersion> versions, List<Deployment> deployments) {

    public Optional<Deployment> current() {
      return deployments.isEmpty()
          ? Optional.empty()
          : Optional.of(deployments.get(deployments.size() - 1));
    }
  }

  private final Topics topics;
  private final KafkaConsumer<String, byte[]> consumer;
  private final Deserializer<ModelVersion> versionReader;
  private final Deserializer<Deployment> deploymentReader;
  private final Map<String, TreeMap<Integer, ModelVersion>> versions = new HashMap<>();
  private final Map<String, List<Deployment>> deployments = new HashMap<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;

  private ModelRegistryView(LooplineConfig config, Topics topics) {
    this.topics = topics;
    Map<String, Object> props = new HashMap<>(config.kafkaClientProps());
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "loopline-console-models");
    this.consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    Map<String, Object> serde = config.clientAndSerdeProps();
    this.versionReader = AvroSerdes.specific(ModelVersion.class, serde, false).deserializer();
    this.deploymentReader = AvroSerdes.specific(Deployment.class, serde, false).deserializer();
    this.thread = new Thread(this::run, "console-model-registry");
    this.thread.setDaemon(true);
  }

  /** Starts following both topics (which must exist). */
  public static ModelRegistryView start(LooplineConfig config, Topics topics) {
    ModelRegistryView view = new ModelRegistryView(config, topics);
    List<TopicPartition> tps = new ArrayList<>();
    for (String t : List.of(topics.modelVersions(), topics.modelDeployments())) {
      List<PartitionInfo> infos = view.consumer.partitionsFor(t, Duration.ofSeconds(30));
      if (infos != null) {
        infos.forEach(p -> tps.add(new TopicPartition(t, p.partition())));
      }
    }
    view.consumer.assign(tps);
    view.consumer.seekToBeginning(tps);
    view.thread.start();
    return view;
  }

  private void run() {
    try {
      while (running.get()) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          apply(r);
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      LOG.error("model registry view stopped; model pages show what was read so far", e);
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  private void apply(ConsumerRecord<String, byte[]> r) {
    try {
      if (r.topic().equals(topics.modelVersions())) {
        String key = r.key();
        if (key == null || key.lastIndexOf(':') < 0) {
          return;
        }
        String name = key.substring(0, key.lastIndexOf(':'));
        int version = Integer.parseInt(key.substring(key.lastIndexOf(':') + 1));
        synchronized (this) {
          TreeMap<Integer, ModelVersion> m = versions.computeIfAbsent(name, k -> new TreeMap<>());
          if (r.value() == null) {
            m.remove(version);
          } else {
            m.put(version, versionReader.deserialize(r.topic(), r.headers(), r.value()));
          }
        }
      } else if (r.value() != null) {
        Deployment d = deploymentReader.deserialize(r.topic(), r.headers(), r.value());
        synchronized (this) {
          deployments.computeIfAbsent(d.getModelName(), k -> new ArrayList<>()).add(d);
        }
      }
    } catch (RuntimeException e) {
      LOG.warn(
          "skipping unreadable record {}-{}@{}: {}",
          r.topic(),
          r.partition(),
          r.offset(),
          e.toString());
    }
  }

  /** What is known of {@code modelName} now. */
  public synchronized Snapshot snapshot(String modelName) {
    return new Snapshot(
        modelName,
        new TreeMap<>(versions.getOrDefault(modelName, new TreeMap<>())),
        List.copyOf(deployments.getOrDefault(modelName, List.of())));
  }

  @Override
  public void close() {
    running.set(false);
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
