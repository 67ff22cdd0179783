package dev.loopline.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loopline.avro.Correction;
import dev.loopline.avro.Event;
import dev.loopline.avro.Forgotten;
import dev.loopline.avro.LabelProbability;
import dev.loopline.avro.LabelSource;
import dev.loopline.avro.LabeledExample;
import dev.loopline.avro.Prediction;
import dev.loopline.config.LooplineConfig;
import dev.loopline.embedded.EmbeddedPlatform;
import dev.loopline.serde.AvroSerdes;
import dev.loopline.topics.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The collector on a real KRaft broker and registry (the shared embedded platform): registry
 * serdes, exactly-once, the dead-letter topic, the HTTP API and {@code loopline forget}.
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CollectorIntegrationTest {

  // Close to now, not a fixed date: the collector's "now" is the task's stream time, and the
  // forget step below writes a marker stamped with the wall clock; after it, an event more than
  // the retention (14 days) older than today is dropped as expired, also after a restart (stream
  // time is kept in the committed offsets). The broker's time retention would delete old records
  // too.
  private static final Instant T0 =
      Instant.now().truncatedTo(ChronoUnit.HOURS).minus(1, ChronoUnit.HOURS);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path stateDir;
  private static LooplineConfig config;
  private static Topics topics;
  private static CollectorApp app;
  private static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    EmbeddedPlatform platform = EmbeddedPlatform.shared();
    config =
        platform
            .config()
            .with(
                Map.of(
                    "collector.application.id",
                    "fc-it-" + UUID.randomUUID(),
                    "collector.state.dir",
                    stateDir.toString(),
                    "collector.http.port",
                    "0",
                    "collector.streams.commit.interval.ms",
                    "100"))
            .with(IsolatedTopics.overrides("fc-it"));
    topics = Topics.from(config);
    app = CollectorApp.start(config);
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  @Test
  @Order(1)
  void joinsOnARealBrokerDeadLettersGarbageServesTheApiAndForgets() throws Exception {
    Map<String, Object> serdeProps = config.clientAndSerdeProps();
    Serde<Event> events = AvroSerdes.specific(Event.class, serdeProps, false);
    Serde<Prediction> predictions = AvroSerdes.specific(Prediction.class, serdeProps, false);
    Serde<Correction> corrections = AvroSerdes.specific(Correction.class, serdeProps, false);
    String id = "it-" + UUID.randomUUID();
    Map<String, Object> producerProps = new HashMap<>(config.kafkaClientProps());
    producerProps.put("acks", "all");
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(producerProps, new StringSerializer(), new ByteArraySerializer())) {
      long t = T0.toEpochMilli();
      Event event =
          Event.newBuilder()
              .setId(id)
              .setOccurredAt(T0)
              .setText("my card was charged twice")
              .setAttributes(Map.of("channel", "chat"))
              .build();
      producer.send(
          rec(topics.events(), t, id, events.serializer().serialize(topics.events(), event)));
      Prediction p =
          Prediction.newBuilder()
              .setEventId(id)
              .setModelName("tickets")
              .setModelVersion(7)
              .setProbabilities(
                  List.of(
                      new LabelProbability("billing", 0.8), new LabelProbability("refunds", 0.2)))
              .setTopLabel("billing")
              .setTopProbability(0.8)
              .setDecision("AUTO_ROUTE")
              .setRoute("routed.billing")
              .setOccurredAt(T0)
              .setScoredAt(T0)
              .build();
      producer.send(
          rec(
              topics.predictions(),
              t,
              id,
              predictions.serializer().serialize(topics.predictions(), p)));
      producer.send(
          rec(topics.corrections(), t + 1000, id, "garbage".getBytes(StandardCharsets.UTF_8)));
      Correction c =
          Correction.newBuilder()
              .setEventId(id)
              .setLabel("refunds")
              .setAgent("ana")
              .setCorrectedAt(T0.plusSeconds(600))
              .setSource(LabelSource.REROUTE)
              .build();
      producer.send(
          rec(
              topics.corrections(),
              t + 600_000,
              id,
              corrections.serializer().serialize(topics.corrections(), c)));
      producer.flush();
    }

    Serde<LabeledExample> examples = AvroSerdes.specific(LabeledExample.class, serdeProps, false);
    List<ConsumerRecord<String, byte[]>> feedback = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = consumer(topics.feedback())) {
      await()
          .atMost(Duration.ofSeconds(90))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(feedback::add);
                return feedback.stream().anyMatch(r -> r.key().equals(id));
              });
    }
    ConsumerRecord<String, byte[]> joined =
        feedback.stream().filter(r -> r.key().equals(id)).findFirst().orElseThrow();
    LabeledExample ex = examples.deserializer().deserialize(topics.feedback(), joined.value());
    assertThat(ex.getText()).isEqualTo("my card was charged twice");
    assertThat(ex.getLabel()).isEqualTo("refunds");
    assertThat(ex.getPredictedByVersion()).isEqualTo(7);
    assertThat(ex.getCorrect()).isFalse();

    // The undecodable correction is on the dead-letter topic, with where it came from.
    List<ConsumerRecord<String, byte[]>> dead = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = consumer(Topics.dlq(topics.corrections()))) {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(dead::add);
                return dead.stream().anyMatch(r -> id.equals(r.key()));
              });
    }
    ConsumerRecord<String, byte[]> d =
        dead.stream().filter(r -> id.equals(r.key())).findFirst().orElseThrow();
    assertThat(new String(d.value(), StandardCharsets.UTF_8)).isEqualTo("garbage");
    assertThat(
            new String(
                d.headers().lastHeader("__streams.errors.topic").value(), StandardCharsets.UTF_8))
        .isEqualTo(topics.corrections());

    // Health, metrics and the read API.
    await().atMost(Duration.ofSeconds(60)).until(() -> get("/ready").statusCode() == 200);
    JsonNode versions = JSON.readTree(get("/api/stats/versions").body());
    JsonNode v7 = null;
    for (JsonNode v : versions) {
      if (v.get("version").asInt() == 7) {
        v7 = v;
      }
    }
    assertThat(v7).isNotNull();
    assertThat(v7.get("predictions").asLong()).isGreaterThanOrEqualTo(1);
    assertThat(v7.get("wrong").asLong()).isGreaterThanOrEqualTo(1);
    JsonNode confusion = JSON.readTree(get("/api/stats/confusion?version=7").body());
    assertThat(confusion.get("cells").toString())
        .contains("\"predicted\":\"billing\"", "\"actual\":\"refunds\"");
    JsonNode recent = JSON.readTree(get("/api/corrections/recent?limit=5").body());
    assertThat(recent.toString()).contains(id, "my card was charged twice");
    assertThat(get("/api/stats/confusion").statusCode()).isEqualTo(400);
    String metrics = get("/metrics").body();
    assertThat(metrics).contains("loopline_collector_feedback_written_total", "kafka_stream");

    // loopline forget: a tombstone on feedback and a marker on forgotten.
    StringWriter out = new StringWriter();
    CommandLine cli = new CommandLine(new ForgetCommand(() -> config));
    cli.setOut(new PrintWriter(out));
    int rc = cli.execute("--by", "dpo", "--reason", "GDPR-17", id);
    assertThat(rc).isZero();
    assertThat(out.toString()).contains("forgot 1 event(s)");
    try (KafkaConsumer<String, byte[]> consumer = consumer(topics.feedback())) {
      List<ConsumerRecord<String, byte[]>> after = new ArrayList<>();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(after::add);
                return after.stream().anyMatch(r -> r.key().equals(id) && r.value() == null);
              });
    }
    Serde<Forgotten> forgottenSerde = AvroSerdes.specific(Forgotten.class, serdeProps, false);
    try (KafkaConsumer<String, byte[]> consumer = consumer(topics.forgotten())) {
      List<ConsumerRecord<String, byte[]>> markers = new ArrayList<>();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(markers::add);
                return markers.stream().anyMatch(r -> r.key().equals(id));
              });
      Forgotten f =
          forgottenSerde
              .deserializer()
              .deserialize(
                  topics.forgotten(),
                  markers.stream()
                      .filter(r -> r.key().equals(id))
                      .findFirst()
                      .orElseThrow()
                      .value());
      assertThat(f.getRequestedBy()).isEqualTo("dpo");
      assertThat(f.getReason()).isEqualTo("GDPR-17");
    }
    // The collector drops the held text too: the recent feed no longer shows it.
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> !get("/api/corrections/recent?limit=50").body().contains("charged twice"));
  }

  /**
   * A correction held for its event survives a restart on a fresh state directory: the stores are
   * rebuilt from their changelogs (an instance moved to another machine).
   */
  @Test
  @Order(2)
  void aHeldCorrectionSurvivesARestartOnAnEmptyStateDirectory() throws Exception {
    Map<String, Object> serdeProps = config.clientAndSerdeProps();
    String id = "held-" + UUID.randomUUID();
    Map<String, Object> producerProps = new HashMap<>(config.kafkaClientProps());
    producerProps.put("acks", "all");
    double heldBefore = held();
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(producerProps, new StringSerializer(), new ByteArraySerializer())) {
      Correction c =
          Correction.newBuilder()
              .setEventId(id)
              .setLabel("outage")
              .setAgent("ben")
              .setCorrectedAt(T0.plusSeconds(5))
              .setSource(LabelSource.TRIAGE)
              .build();
      producer.send(
          rec(
              topics.corrections(),
              T0.toEpochMilli() + 5000,
              id,
              AvroSerdes.specific(Correction.class, serdeProps, false)
                  .serializer()
                  .serialize(topics.corrections(), c)));
      producer.flush();
      await().atMost(Duration.ofSeconds(60)).until(() -> held() > heldBefore);

      app.close();
      app =
          CollectorApp.start(
              config.with("collector.state.dir", stateDir.resolve("moved").toString()));

      Event event =
          Event.newBuilder()
              .setId(id)
              .setOccurredAt(T0.plusSeconds(6))
              .setText("site is down")
              .build();
      producer.send(
          rec(
              topics.events(),
              T0.toEpochMilli() + 6000,
              id,
              AvroSerdes.specific(Event.class, serdeProps, false)
                  .serializer()
                  .serialize(topics.events(), event)));
      Prediction p =
          Prediction.newBuilder()
              .setEventId(id)
              .setModelName("tickets")
              .setModelVersion(7)
              .setProbabilities(List.of(new LabelProbability("outage", 0.55)))
              .setTopLabel("outage")
              .setTopProbability(0.55)
              .setDecision("TRIAGE")
              .setRoute("triage")
              .build();
      producer.send(
          rec(
              topics.predictions(),
              T0.toEpochMilli() + 6000,
              id,
              AvroSerdes.specific(Prediction.class, serdeProps, false)
                  .serializer()
                  .serialize(topics.predictions(), p)));
      producer.flush();
    }
    Serde<LabeledExample> examples = AvroSerdes.specific(LabeledExample.class, serdeProps, false);
    List<ConsumerRecord<String, byte[]>> feedback = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = consumer(topics.feedback())) {
      await()
          .atMost(Duration.ofSeconds(180))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(feedback::add);
                return feedback.stream().anyMatch(r -> r.key().equals(id) && r.value() != null);
              });
    }
    LabeledExample ex =
        examples
            .deserializer()
            .deserialize(
                topics.feedback(),
                feedback.stream()
                    .filter(r -> r.key().equals(id))
                    .findFirst()
                    .orElseThrow()
                    .value());
    assertThat(ex.getLabel()).isEqualTo("outage");
    assertThat(ex.getSource()).isEqualTo(LabelSource.TRIAGE);
    assertThat(ex.getCorrect()).isTrue();
  }

  private static double held() {
    var c =
        app.meterRegistry()
            .find("loopline.collector.corrections.outcome")
            .tag("outcome", "held")
            .counter();
    return c == null ? 0 : c.count();
  }

  @Test
  @Order(3)
  void forgetRejectsABlankIdWithOneLine() {
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new ForgetCommand(() -> config));
    cli.setErr(new PrintWriter(err));
    int rc = cli.execute(" ");
    assertThat(rc).isEqualTo(2);
    assertThat(err.toString()).contains("event ids must not be blank");
  }

  private static ProducerRecord<String, byte[]> rec(String topic, long ts, String key, byte[] v) {
    return new ProducerRecord<>(topic, null, ts, key, v);
  }

  private static KafkaConsumer<String, byte[]> consumer(String topic) {
    Map<String, Object> props = new HashMap<>(config.kafkaClientProps());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    // Assigned, not subscribed: no group join to wait for on a loaded machine.
    List<TopicPartition> parts =
        c.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    c.assign(parts);
    c.seekToBeginning(parts);
    return c;
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + app.httpPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
