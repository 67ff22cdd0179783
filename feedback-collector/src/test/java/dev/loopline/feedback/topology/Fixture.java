package dev.loopline.feedback.topology;

import dev.loopline.avro.Correction;
import dev.loopline.avro.Event;
import dev.loopline.avro.Forgotten;
import dev.loopline.avro.LabelProbability;
import dev.loopline.avro.LabelSource;
import dev.loopline.avro.LabeledExample;
import dev.loopline.avro.Prediction;
import dev.loopline.config.LooplineConfig;
import dev.loopline.feedback.CollectorConfig;
import dev.loopline.feedback.CollectorStreamsConfig;
import dev.loopline.feedback.serde.AvroMessageSerde;
import dev.loopline.topics.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * A TopologyTestDriver around the real topology and the real Streams settings (handlers, DLQ), with
 * Avro single-object serdes on the topics instead of the registry serde. Test-data builders for the
 * inputs; fixed instants only.
 */
final class Fixture implements AutoCloseable {

  static final Instant T0 = Instant.parse("2026-03-02T09:00:00Z");
  static final String MODEL = "tickets";

  final CollectorConfig config;
  final Topics topics = Topics.defaults();
  final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  final TopologyTestDriver driver;
  final TestInputTopic<String, Event> events;
  final TestInputTopic<String, Prediction> predictions;
  final TestInputTopic<String, Prediction> triage;
  final TestInputTopic<String, Correction> corrections;
  final TestInputTopic<String, Forgotten> forgotten;
  final TestInputTopic<String, byte[]> rawCorrections;
  final TestOutputTopic<String, LabeledExample> feedback;
  final TestOutputTopic<String, Correction> unmatched;
  final TestOutputTopic<byte[], byte[]> dlq;

  Fixture(CollectorConfig config, Path stateDir) {
    this.config = config;
    FeedbackSerdes serdes =
        new FeedbackSerdes(
            AvroMessageSerde.of(Event.class),
            AvroMessageSerde.of(Prediction.class),
            AvroMessageSerde.of(Correction.class),
            AvroMessageSerde.of(LabeledExample.class),
            AvroMessageSerde.of(Forgotten.class));
    Properties props =
        CollectorStreamsConfig.of(
            LooplineConfig.of(Map.of("bootstrap.servers", "unused:9092")), config);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    driver =
        new TopologyTestDriver(
            FeedbackTopology.build(config, topics, serdes, new CollectorMetrics(meters)),
            props,
            T0);
    StringSerializer keys = new StringSerializer();
    events = driver.createInputTopic(topics.events(), keys, serdes.event().serializer());
    predictions =
        driver.createInputTopic(topics.predictions(), keys, serdes.prediction().serializer());
    triage = driver.createInputTopic(topics.triage(), keys, serdes.prediction().serializer());
    corrections =
        driver.createInputTopic(topics.corrections(), keys, serdes.correction().serializer());
    forgotten = driver.createInputTopic(topics.forgotten(), keys, serdes.forgotten().serializer());
    rawCorrections = driver.createInputTopic(topics.corrections(), keys, new ByteArraySerializer());
    StringDeserializer keyOut = new StringDeserializer();
    feedback =
        driver.createOutputTopic(topics.feedback(), keyOut, serdes.labeledExample().deserializer());
    unmatched =
        driver.createOutputTopic(
            topics.correctionsUnmatched(), keyOut, serdes.correction().deserializer());
    dlq =
        driver.createOutputTopic(
            config.dlqTopic(),
            Serdes.ByteArray().deserializer(),
            Serdes.ByteArray().deserializer());
  }

  static CollectorConfig defaults() {
    return CollectorConfig.defaults();
  }

  // ------------------------------------------------------------ inputs

  void event(String id, Instant at) {
    events.pipeInput(id, event(id, at, "text of " + id), at);
  }

  static Event event(String id, Instant at, String text) {
    return Event.newBuilder()
        .setId(id)
        .setOccurredAt(at)
        .setText(text)
        .setAttributes(Map.of("channel", "email"))
        .build();
  }

  /** A served prediction auto-routed to {@code top}, or sent to triage when {@code triaged}. */
  static Prediction prediction(String id, Instant at, int version, String top, double p) {
    return Prediction.newBuilder()
        .setEventId(id)
        .setModelName(MODEL)
        .setModelVersion(version)
        .setProbabilities(
            List.of(new LabelProbability(top, p), new LabelProbability("other", 1.0 - p)))
        .setTopLabel(top)
        .setTopProbability(p)
        .setDecision("AUTO_ROUTE")
        .setRoute("routed." + Topics.slug(top))
        .setOccurredAt(at)
        .setScoredAt(at)
        .build();
  }

  static Prediction triaged(String id, Instant at, int version, String top, double p) {
    Prediction pr = prediction(id, at, version, top, p);
    pr.setDecision("TRIAGE");
    pr.setRoute("triage");
    return pr;
  }

  void predict(String id, Instant at, int version, String top) {
    predictions.pipeInput(id, prediction(id, at, version, top, 0.9), at);
  }

  static Correction correction(String id, String label, Instant at, LabelSource source) {
    return Correction.newBuilder()
        .setEventId(id)
        .setLabel(label)
        .setAgent("agent-7")
        .setCorrectedAt(at)
        .setSource(source)
        .build();
  }

  void correct(String id, String label, Instant at) {
    corrections.pipeInput(id, correction(id, label, at, LabelSource.REROUTE), at);
  }

  /** Advances stream time (and so runs due expiry) with an unrelated event. */
  void advanceStreamTime(Instant to) {
    events.pipeInput(
        "tick-" + to.toEpochMilli(), event("tick-" + to.toEpochMilli(), to, "tick"), to);
  }

  static Instant at(Duration afterT0) {
    return T0.plus(afterT0);
  }

  double counter(String name, String tag, String value) {
    var c = meters.find(name).tag(tag, value).counter();
    return c == null ? 0 : c.count();
  }

  @Override
  public void close() {
    driver.close();
  }
}
