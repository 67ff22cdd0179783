package dev.loopline.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopline.avro.Event;
import dev.loopline.config.LooplineConfig;
import dev.loopline.serde.AvroSerdes;
import dev.loopline.topics.TopicSpec;
import dev.loopline.topics.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("integration")
class EmbeddedPlatformIntegrationTest {

  private static final Instant T0 = Instant.parse("2026-01-02T03:04:05Z");

  @Test
  void createsCoreTopicsFromTheirDeclarations() throws Exception {
    EmbeddedPlatform platform = EmbeddedPlatform.shared();
    List<TopicSpec> specs = Topics.from(platform.config()).core();
    try (Admin admin = Admin.create(platform.config().kafkaClientProps())) {
      List<String> names = specs.stream().map(TopicSpec::name).toList();
      Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames().get();
      List<ConfigResource> resources =
          names.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
      Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get();
      for (TopicSpec spec : specs) {
        assertThat(described.get(spec.name()).partitions()).hasSize(spec.partitions());
        String policy =
            configs
                .get(new ConfigResource(ConfigResource.Type.TOPIC, spec.name()))
                .get("cleanup.policy")
                .value();
        assertThat(policy).as(spec.name()).isEqualTo(spec.compacted() ? "compact" : "delete");
      }
      assertThat(
              configs
                  .get(new ConfigResource(ConfigResource.Type.TOPIC, "feedback"))
                  .get("cleanup.policy")
                  .value())
          .isEqualTo("compact");
    }
  }

  @Test
  void eventsRoundTripThroughBrokerAndRegistry() {
    EmbeddedPlatform platform = EmbeddedPlatform.shared();
    LooplineConfig config = platform.config();
    assertThat(config.bootstrapServers()).isEqualTo(platform.bootstrapServers());
    assertThat(config.registryUrl()).isEqualTo(platform.registryUrl());
    String topic = "embedded-roundtrip";
    dev.loopline.topics.TopicAdmin.ensureTopics(
        config.kafkaClientProps(),
        List.of(new TopicSpec(topic, 2, TopicSpec.DELETE)),
        (short) 1,
        Duration.ofSeconds(30));
    Serde<Event> serde = AvroSerdes.specific(Event.class, config.registryClientProps(), false);
    Map<String, Object> props = new java.util.HashMap<>(config.kafkaClientProps());
    List<Event> sent = new ArrayList<>();
    try (KafkaProducer<String, Event> producer =
        new KafkaProducer<>(props, new StringSerializer(), serde.serializer())) {
      for (int i = 0; i < 20; i++) {
        Event e =
            Event.newBuilder()
                .setId("e-" + i)
                .setOccurredAt(T0.plusSeconds(i))
                .setText("text " + i)
                .setAttributes(Map.of("channel", "mail"))
                .build();
        sent.add(e);
        producer.send(new ProducerRecord<>(topic, e.getId(), e));
      }
      producer.flush();
    }
    props.put("auto.offset.reset", "earliest");
    List<Event> received = new ArrayList<>();
    try (KafkaConsumer<String, Event> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), serde.deserializer())) {
      consumer.assign(List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1)));
      consumer.seekToBeginning(consumer.assignment());
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (received.size() < sent.size() && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, Event> r : consumer.poll(Duration.ofMillis(200))) {
          received.add(r.value());
        }
      }
    }
    assertThat(received.stream().collect(Collectors.toSet()))
        .containsExactlyInAnyOrderElementsOf(sent);
  }
}
