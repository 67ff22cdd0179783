package dev.loopline.retrain;

import dev.loopline.avro.Deployment;
import dev.loopline.avro.Forgotten;
import dev.loopline.avro.LabeledExample;
import dev.loopline.config.LooplineConfig;
import dev.loopline.embedded.EmbeddedPlatform;
import dev.loopline.retrain.job.RetrainResult;
import dev.loopline.retrain.registry.AvroClients;
import dev.loopline.retrain.registry.ModelHistory;
import dev.loopline.retrain.registry.ModelRegistryReader;
import dev.loopline.topics.TopicAdmin;
import dev.loopline.topics.TopicSpec;
import dev.loopline.topics.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Shared set-up of the retrain integration tests: the JVM's one embedded broker + registry, a small
 * Flink MiniCluster, and per-test topics and model names so tests never see each other's records.
 */
final class RetrainFixture {

  private RetrainFixture() {}

  static MiniClusterExtension miniCluster() {
    Configuration c = new Configuration();
    c.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse("16m"));
    c.set(TaskManagerOptions.NETWORK_MEMORY_MIN, MemorySize.parse("16m"));
    c.set(TaskManagerOptions.NETWORK_MEMORY_MAX, MemorySize.parse("16m"));
    return new MiniClusterExtension(
        new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(c)
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());
  }

  /** Config for model {@code name} with its own feedback/model topics, created here. */
  static LooplineConfig config(String name, Path dir) {
    LooplineConfig base = EmbeddedPlatform.shared().config();
    Map<String, String> s = new HashMap<>();
    s.put("model.name", name);
    s.put("topic.feedback", "feedback." + name);
    s.put("topic.model.versions", "model-versions." + name);
    s.put("topic.model.deployments", "model-deployments." + name);
    s.put("topic.forgotten", "forgotten." + name);
    s.put("model.store.uri", dir.resolve("store").toUri().toString());
    s.put("retrain.lock.dir", dir.resolve("locks").toString());
    s.put("retrain.work.dir", dir.resolve("work").toString());
    s.put("retrain.min.examples.per.class", "20");
    LooplineConfig c = base.with(s);
    Topics t = Topics.from(c);
    TopicAdmin.ensureTopics(
        c.kafkaClientProps(),
        List.of(
            new TopicSpec(t.feedback(), 2, TopicSpec.COMPACTED),
            new TopicSpec(t.modelVersions(), 1, TopicSpec.COMPACTED),
            new TopicSpec(t.modelDeployments(), 1, TopicSpec.DELETE),
            new TopicSpec(t.forgotten(), 1, TopicSpec.COMPACTED)),
        (short) 1,
        Duration.ofSeconds(60));
    return c;
  }

  static RetrainService service() {
    return new RetrainService(c -> StreamExecutionEnvironment.getExecutionEnvironment());
  }

  static void produce(LooplineConfig c, List<LabeledExample> examples) throws Exception {
    try (KafkaProducer<String, LabeledExample> p = AvroClients.producer(c, LabeledExample.class)) {
      for (LabeledExample e : examples) {
        p.send(new ProducerRecord<>(Topics.from(c).feedback(), e.getEventId(), e));
      }
      p.flush();
    }
  }

  static void produceRaw(LooplineConfig c, String key, byte[] value) throws Exception {
    Map<String, Object> props = new HashMap<>(c.kafkaClientProps());
    try (KafkaProducer<String, byte[]> p =
        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      p.send(new ProducerRecord<>(Topics.from(c).feedback(), key, value)).get();
    }
  }

  static void forget(LooplineConfig c, String eventId) throws Exception {
    try (KafkaProducer<String, Forgotten> p = AvroClients.producer(c, Forgotten.class)) {
      Forgotten f =
          Forgotten.newBuilder()
              .setEventId(eventId)
              .setRequestedAt(java.time.Instant.parse("2026-03-05T00:00:00Z"))
              .setRequestedBy("test")
              .setReason("erasure request")
              .build();
      p.send(new ProducerRecord<>(Topics.from(c).forgotten(), eventId, f)).get();
    }
  }

  static ModelHistory history(LooplineConfig c) {
    return ModelRegistryReader.read(c, Topics.from(c), c.get("model.name"));
  }

  static Deployment lastDeployment(LooplineConfig c) {
    return history(c).currentDeployment().orElseThrow();
  }

  static String describe(RetrainResult r) {
    return r.summary() + " excluded=" + r.excluded + " notes=" + r.notes;
  }
}
