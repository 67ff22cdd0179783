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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;
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
  private final TopicTail tail;
  private final Deserializer<ModelVersion> versionReader;
  private final Deserializer<Deployment> deploymentReader;
  private final Map<String, TreeMap<Integer, ModelVersion>> versions = new HashMap<>();
  private final Map<String, List<Deployment>> deployments = new HashMap<>();

  private ModelRegistryView(LooplineConfig config, Topics topics) {
    this.topics = topics;
    this.tail = new TopicTail(config, "loopline-console-models", "earliest");
    Map<String, Object> serde = config.clientAndSerdeProps();
    this.versionReader = AvroSerdes.specific(ModelVersion.class, serde, false).deserializer();
    this.deploymentReader = AvroSerdes.specific(Deployment.class, serde, false).deserializer();
  }

  /** Starts following both topics (which must exist). */
  public static ModelRegistryView start(LooplineConfig config, Topics topics) {
    ModelRegistryView view = new ModelRegistryView(config, topics);
    view.tail.assign(List.of(topics.modelVersions(), topics.modelDeployments()), false);
    view.tail.start(
        "console-model-registry",
        Duration.ofMillis(500),
        view::apply,
        "model registry view stopped; model pages show what was read so far");
    return view;
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
    tail.close();
  }
}
