package dev.loopline.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopline.topics.TopicAdmin;
import dev.loopline.topics.TopicSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("integration")
class EmbeddedKafkaIntegrationTest {

  @Test
  void persistentDataDirResumesTopicsAndRecords(@TempDir Path dir) {
    String topic = "persisted";
    try (EmbeddedKafka kafka =
        EmbeddedKafka.start(EmbeddedKafka.Options.defaults().withDataDir(dir))) {
      Map<String, Object> props = Map.of("bootstrap.servers", kafka.bootstrapServers());
      TopicAdmin.ensureTopics(
          props,
          List.of(new TopicSpec(topic, 1, TopicSpec.COMPACTED)),
          (short) 1,
          Duration.ofSeconds(30));
      try (KafkaProducer<String, String> producer =
          new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
        for (int i = 0; i < 3; i++) {
          producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
        }
        producer.flush();
      }
    }
    try (EmbeddedKafka again =
        EmbeddedKafka.start(EmbeddedKafka.Options.defaults().withDataDir(dir))) {
      Map<String, Object> props = Map.of("bootstrap.servers", again.bootstrapServers());
      assertThat(read(props, topic, 3)).containsExactly("v0", "v1", "v2");
    }
  }

  @Test
  void honoursAFixedPort() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    try (EmbeddedKafka kafka =
            EmbeddedKafka.start(EmbeddedKafka.Options.defaults().withPort(port));
        Admin admin = Admin.create(Map.of("bootstrap.servers", "localhost:" + port))) {
      assertThat(kafka.bootstrapServers()).isEqualTo("localhost:" + port);
      assertThat(admin.describeCluster().nodes().get())
          .singleElement()
          .satisfies(node -> assertThat(node.port()).isEqualTo(port));
    }
  }

  @Test
  void ensureTopicsIsIdempotentAndAppliesDeclaredConfigs() throws Exception {
    EmbeddedPlatform platform = EmbeddedPlatform.shared();
    Map<String, Object> props = platform.config().kafkaClientProps();
    TopicSpec first = new TopicSpec("admin-idem", 3, Map.of("cleanup.policy", "delete"));
    TopicAdmin.ensureTopics(props, List.of(first), (short) 1, Duration.ofSeconds(30));
    TopicSpec changed =
        new TopicSpec(
            "admin-idem", 3, Map.of("cleanup.policy", "delete", "retention.ms", "3600000"));
    TopicAdmin.ensureTopics(props, List.of(changed), (short) 1, Duration.ofSeconds(30));
    try (Admin admin = Admin.create(props)) {
      assertThat(
              admin
                  .describeTopics(List.of("admin-idem"))
                  .allTopicNames()
                  .get()
                  .get("admin-idem")
                  .partitions())
          .hasSize(3);
      ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, "admin-idem");
      Config c = admin.describeConfigs(List.of(r)).all().get().get(r);
      assertThat(c.get("retention.ms").value()).isEqualTo("3600000");
    }
  }

  private static List<String> read(Map<String, Object> props, String topic, int expected) {
    List<String> out = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (out.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          out.add(r.value());
        }
      }
    }
    return out;
  }
}
