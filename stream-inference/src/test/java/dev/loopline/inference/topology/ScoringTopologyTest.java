package dev.loopline.inference.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopline.avro.Event;
import dev.loopline.avro.LabelProbability;
import dev.loopline.avro.Prediction;
import dev.loopline.config.LooplineConfig;
import dev.loopline.inference.FakeRegistry;
import dev.loopline.inference.ScoringSettings;
import dev.loopline.inference.TableScorer;
import dev.loopline.inference.model.Models;
import dev.loopline.inference.model.ServingModel;
import dev.loopline.inference.ops.ScoringMetrics;
import dev.loopline.model.policy.DecisionPolicy;
import dev.loopline.serde.AvroSerdes;
import dev.loopline.topics.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The scoring topology on TopologyTestDriver, with a deterministic table scorer. */
class ScoringTopologyTest {

  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  private static final Clock CLOCK = Clock.fixed(T0.plusSeconds(5), ZoneOffset.UTC);
  private static FakeRegistry registry;

  private final Topics topics = Topics.defaults();
  private final Models models = new Models();
  private final ScoringMetrics metrics = new ScoringMetrics(new SimpleMeterRegistry());
  private TopologyTestDriver driver;
  private Serde<Event> eventSerde;
  private Serde<Prediction> predictionSerde;
  private TestInputTopic<String, Event> events;
  private TestInputTopic<String, byte[]> rawEvents;

  @BeforeAll
  static void startRegistry() throws Exception {
    registry = new FakeRegistry();
  }

  @AfterAll
  static void stopRegistry() {
    registry.close();
  }

  /** The app's default: batches are scored on a model thread. */
  private final java.util.concurrent.ExecutorService modelThread =
      java.util.concurrent.Executors.newSingleThreadExecutor(r -> new Thread(r, "model-test"));

  @AfterEach
  void close() {
    if (driver != null) {
      driver.close();
    }
    modelThread.shutdownNow();
    models.close();
  }

  private void start(TableScorer scorer, Map<String, String> settings) {
    start(scorer, settings, modelThread);
  }

  private void start(
      TableScorer scorer, Map<String, String> settings, java.util.concurrent.Executor threads) {
    Map<String, String> all = new HashMap<>(settings);
    all.put("schema.registry.url", registry.url());
    LooplineConfig config = LooplineConfig.of(all);
    models.serving().swap(new ServingModel(scorer, T0));
    Map<String, Object> serdeProps = config.clientAndSerdeProps();
    eventSerde = EventDecoder.serde(serdeProps);
    predictionSerde = AvroSerdes.specific(Prediction.class, serdeProps, false);
    var topology =
        ScoringTopology.build(
            ScoringSettings.from(config),
            topics,
            models,
            DecisionPolicy.fromConfig(config.asMap()),
            eventSerde,
            predictionSerde,
            metrics,
            CLOCK,
            threads);
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "scoring-test");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, Topics.dlq(topics.events()));
    p.put(
        StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        DeadLetterHandlers.Deserialization.class);
    p.put(
        StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
        DeadLetterHandlers.Processing.class);
    p.put(DeadLetterHandlers.METRICS_CONFIG, metrics);
    driver = new TopologyTestDriver(topology, p, T0);
    events =
        driver.createInputTopic(
            topics.events(),
            new StringSerializer(),
            eventSerde.serializer(),
            T0,
            java.time.Duration.ZERO);
    rawEvents =
        driver.createInputTopic(
            topics.events(),
            new StringSerializer(),
            new ByteArraySerializer(),
            T0,
            java.time.Duration.ZERO);
  }

  private static Event event(String id, String text) {
    return Event.newBuilder()
        .setId(id)
        .setOccurredAt(T0)
        .setText(text)
        .setAttributes(Map.of())
        .build();
  }

  private void send(String id, String text) {
    events.pipeInput(id, event(id, text), T0);
  }

  private List<TestRecord<String, Prediction>> read(String topic) {
    TestOutputTopic<String, Prediction> out =
        driver.createOutputTopic(topic, new StringDeserializer(), predictionSerde.deserializer());
    return out.readRecordsToList();
  }

  private static final Map<String, String> NO_AUDIT = Map.of("policy.audit.rate", "0");

  @Test
  void autoRoutesAboveTheDefaultThresholdAndStampsTheVersion() {
    TableScorer scorer =
        new TableScorer(3, "billing", "Tech Support", "account")
            .row("refund my invoice please", 0.9f, 0.06f, 0.04f);
    start(scorer, NO_AUDIT);

    send("e1", "refund my invoice please");

    List<TestRecord<String, Prediction>> predictions = read(topics.predictions());
    assertThat(predictions).hasSize(1);
    Prediction p = predictions.get(0).value();
    assertThat(predictions.get(0).key()).isEqualTo("e1");
    assertThat(predictions.get(0).getRecordTime()).isEqualTo(T0);
    assertThat(p.getModelName()).isEqualTo("tickets");
    assertThat(p.getModelVersion()).isEqualTo(3);
    assertThat(p.getProbabilities())
        .extracting(LabelProbability::getLabel)
        .containsExactly("billing", "Tech Support", "account");
    assertThat(p.getProbabilities().get(0).getProbability()).isEqualTo((double) 0.9f);
    assertThat(p.getTopLabel()).isEqualTo("billing");
    assertThat(p.getDecision()).isEqualTo(DecisionPolicy.AUTO_ROUTE);
    assertThat(p.getRoute()).isEqualTo("routed.billing");
    assertThat(p.getAudit()).isFalse();
    assertThat(p.getShadow()).isFalse();
    assertThat(p.getOccurredAt()).isEqualTo(T0);
    assertThat(p.getScoredAt()).isEqualTo(CLOCK.instant());
    assertThat(p.getBatchSize()).isEqualTo(1);
    assertThat(p.getFeaturizerFingerprint()).isEqualTo(scorer.metadata().featurizerFingerprint());
    assertThat(read("routed.billing")).extracting(TestRecord::value).containsExactly(p);
    assertThat(read(topics.triage())).isEmpty();
  }

  @Test
  void predictionsAndRoutesCarryTheEventsTimestamp() {
    // the backtest finds an event's served prediction by this stamp (the event's occurredAt)
    start(
        new TableScorer(1, "billing", "Tech Support", "account")
            .row("refund my invoice please", 0.9f, 0.06f, 0.04f)
            .row("something vague", 0.5f, 0.3f, 0.2f),
        NO_AUDIT);
    Instant old = T0.minus(java.time.Duration.ofDays(30));
    events.pipeInput("e1", event("e1", "refund my invoice please"), old);
    events.pipeInput("e2", event("e2", "something vague"), old.plusMillis(1));

    assertThat(read(topics.predictions()))
        .extracting(TestRecord::getRecordTime)
        .containsExactly(old, old.plusMillis(1));
    assertThat(read("routed.billing")).extracting(TestRecord::getRecordTime).containsExactly(old);
    assertThat(read(topics.triage()))
        .extracting(TestRecord::getRecordTime)
        .containsExactly(old.plusMillis(1));
  }

  @Test
  void belowTheThresholdGoesToTriage() {
    start(
        new TableScorer(1, "billing", "Tech Support", "account")
            .row("something vague", 0.69f, 0.21f, 0.1f),
        NO_AUDIT);

    send("e1", "something vague");

    List<TestRecord<String, Prediction>> triage = read(topics.triage());
    assertThat(triage).hasSize(1);
    assertThat(triage.get(0).value().getDecision()).isEqualTo(DecisionPolicy.TRIAGE);
    assertThat(triage.get(0).value().getRoute()).isEqualTo("triage");
    assertThat(triage.get(0).value().getTopLabel()).isEqualTo("billing");
    assertThat(read(topics.predictions())).hasSize(1);
    assertThat(read("routed.billing")).isEmpty();
  }

  @Test
  void perLabelThresholdsAndTheNeverAutoRouteList() {
    Map<String, String> policy = new HashMap<>(NO_AUDIT);
    policy.put("policy.threshold.billing", "0.95");
    policy.put("policy.threshold.account", "0.5");
    policy.put("policy.never.auto", "Tech Support");
    start(
        new TableScorer(1, "billing", "Tech Support", "account")
            .row("invoice ninety", 0.9f, 0.05f, 0.05f)
            .row("invoice certain", 0.96f, 0.02f, 0.02f)
            .row("password reset", 0.02f, 0.97f, 0.01f)
            .row("close my account", 0.3f, 0.15f, 0.55f),
        policy);

    send("b90", "invoice ninety");
    send("b96", "invoice certain");
    send("t97", "password reset");
    send("a55", "close my account");

    assertThat(read(topics.triage())).extracting(TestRecord::key).containsExactly("b90", "t97");
    assertThat(read("routed.billing")).extracting(TestRecord::key).containsExactly("b96");
    assertThat(read("routed.account")).extracting(TestRecord::key).containsExactly("a55");
    assertThat(read("routed.tech-support")).isEmpty();
    assertThat(read(topics.predictions())).hasSize(4);
  }

  @Test
  void probabilityBandsOfOneLabelMapToActions() {
    Map<String, String> policy = new HashMap<>(NO_AUDIT);
    policy.put("policy.bands.fraud", "0.8:BLOCK,0.6:VERIFY,0:ALLOW");
    start(
        new TableScorer(1, "fraud", "legit")
            .row("wire all funds now", 0.85f, 0.15f)
            .row("new device login abroad", 0.7f, 0.3f)
            .row("monthly coffee", 0.1f, 0.9f)
            .row("exactly at the edge", 0.8f, 0.2f),
        policy);

    send("f85", "wire all funds now");
    send("f70", "new device login abroad");
    send("f10", "monthly coffee");
    send("f80", "exactly at the edge");

    Map<String, String> decisions = new HashMap<>();
    read(topics.predictions()).forEach(r -> decisions.put(r.key(), r.value().getDecision()));
    assertThat(decisions)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("f85", "BLOCK", "f70", "VERIFY", "f10", "ALLOW", "f80", "BLOCK"));
    // Band actions are not auto-routes: the records carry the action and go to triage.
    assertThat(read(topics.triage())).hasSize(4);
    assertThat(
            metrics
                .registry()
                .find("loopline.scoring.decisions")
                .tag("decision", "VERIFY")
                .counter()
                .count())
        .isEqualTo(1.0);
  }

  @Test
  void aRandomShareOfWouldBeAutoRoutesIsAuditedInTriage() {
    int n = 2_000;
    double rate = 0.1;
    start(new TableScorer(1, "billing"), Map.of("policy.audit.rate", Double.toString(rate)));
    DecisionPolicy policy = DecisionPolicy.fromConfig(Map.of("policy.audit.rate", "0.1"));

    List<String> expectedAudits = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String id = "evt-" + i;
      send(id, "text number " + i);
      if (policy.auditUnit(id) < rate) {
        expectedAudits.add(id);
      }
    }

    List<TestRecord<String, Prediction>> triage = read(topics.triage());
    assertThat(triage).allSatisfy(r -> assertThat(r.value().getAudit()).isTrue());
    assertThat(triage).allSatisfy(r -> assertThat(r.value().getDecision()).isEqualTo("TRIAGE"));
    assertThat(triage).extracting(TestRecord::key).containsExactlyElementsOf(expectedAudits);
    // Binomial(2000, 0.1): mean 200, sd 13.4; the hash draw must look like that.
    assertThat(triage.size()).isBetween(150, 250);
    assertThat(read("routed.billing")).hasSize(n - triage.size());
    assertThat(read(topics.predictions())).hasSize(n);
  }

  @Test
  void badInputGoesToTheDeadLetterTopicWithTheReasonAndProcessingContinues() {
    start(
        new TableScorer(1, "billing", "other").row("fine ticket", 0.9f, 0.1f),
        Map.of(
            "policy.audit.rate",
            "0",
            ScoringSettings.MAX_TEXT_CHARS,
            "1000",
            ScoringSettings.MAX_ATTRIBUTES,
            "3"));
    byte[] good = eventSerde.serializer().serialize(topics.events(), event("x", "fine ticket"));

    rawEvents.pipeInput("wrong-magic", withFirstByte(good, (byte) 1), T0);
    byte[] unknownId = good.clone();
    unknownId[4] = 99;
    rawEvents.pipeInput("unknown-id", unknownId, T0);
    rawEvents.pipeInput("truncated", Arrays.copyOf(good, good.length - 6), T0);
    rawEvents.pipeInput("too-short", new byte[] {0, 0}, T0);
    rawEvents.pipeInput("null-value", (byte[]) null, T0);
    send("empty-text", "   ");
    send("oversize", "x".repeat(1001));
    Map<String, String> attrs = Map.of("a", "1", "b", "2", "c", "3", "d", "4");
    events.pipeInput(
        "many-attrs",
        Event.newBuilder(event("many-attrs", "ok text")).setAttributes(attrs).build(),
        T0);
    send("good", "fine ticket");

    TestOutputTopic<String, byte[]> dlq =
        driver.createOutputTopic(
            Topics.dlq(topics.events()), new StringDeserializer(), new ByteArrayDeserializer());
    List<TestRecord<String, byte[]>> dead = dlq.readRecordsToList();
    assertThat(dead)
        .extracting(TestRecord::key)
        .containsExactly(
            "wrong-magic",
            "unknown-id",
            "truncated",
            "too-short",
            "null-value",
            "empty-text",
            "oversize",
            "many-attrs");
    Map<String, String> reasons = new HashMap<>();
    for (int i = 0; i < dead.size(); i++) {
      TestRecord<String, byte[]> r = dead.get(i);
      assertThat(header(r, "__streams.errors.topic")).isEqualTo(topics.events());
      assertThat(header(r, "__streams.errors.partition")).isEqualTo("0");
      assertThat(header(r, "__streams.errors.offset")).isEqualTo(Integer.toString(i));
      assertThat(header(r, "__streams.errors.exception")).isNotBlank();
      reasons.put(r.key(), header(r, "__streams.errors.message"));
    }
    assertThat(reasons.get("wrong-magic")).contains("magic byte");
    assertThat(reasons.get("unknown-id")).contains("unknown schema id");
    assertThat(reasons.get("null-value")).contains("null value");
    assertThat(reasons.get("empty-text")).contains("empty text");
    assertThat(reasons.get("oversize")).contains("1001 chars");
    assertThat(reasons.get("many-attrs")).contains("4 attributes");
    assertThat(dead.get(0).value()).isEqualTo(withFirstByte(good, (byte) 1));
    // Validation failures carry the raw source bytes too, not a re-serialization.
    assertThat(dead.get(5).value())
        .isEqualTo(eventSerde.serializer().serialize(topics.events(), event("empty-text", "   ")));
    assertThat(metrics.dlqCount()).isEqualTo(8.0);

    assertThat(read(topics.predictions())).extracting(TestRecord::key).containsExactly("good");
  }

  @Test
  void theShadowVersionScoresItsSampleToTheShadowTopicAndNeverRoutes() {
    start(new TableScorer(3, "billing", "other").row("refund please", 0.9f, 0.1f), NO_AUDIT);
    TableScorer shadow = new TableScorer(4, "billing", "other").row("refund please", 0.2f, 0.8f);
    models.shadow().swap(new ServingModel(shadow, T0));
    models.shadowSampleRate(0.5);

    int n = 400;
    int expected = 0;
    for (int i = 0; i < n; i++) {
      send("s" + i, "refund please");
      expected += ShadowSampler.sampled("s" + i, 0.5) ? 1 : 0;
    }

    List<TestRecord<String, Prediction>> shadowOut = read(topics.shadow());
    assertThat(shadowOut).hasSize(expected);
    assertThat(expected).isBetween(160, 240);
    assertThat(shadowOut)
        .allSatisfy(
            r -> {
              assertThat(r.value().getShadow()).isTrue();
              assertThat(r.value().getModelVersion()).isEqualTo(4);
              assertThat(r.value().getRoute()).isEmpty();
              assertThat(r.value().getTopLabel()).isEqualTo("other");
            });
    // Routing follows the serving version only.
    assertThat(read("routed.billing")).hasSize(n);
    assertThat(read("routed.other")).isEmpty();
    assertThat(read(topics.predictions()))
        .allSatisfy(r -> assertThat(r.value().getModelVersion()).isEqualTo(3));
  }

  @Test
  void theBufferIsFlushedOnTheCommitPathEvenWhenNeitherSizeNorWaitIsReached() {
    flushedOnTheCommitPath(modelThread, "model-test");
  }

  @Test
  void withoutModelThreadsTheCommitPathScoresOnTheStreamThread() {
    flushedOnTheCommitPath(null, Thread.currentThread().getName());
  }

  private void flushedOnTheCommitPath(java.util.concurrent.Executor threads, String scoredOn) {
    TableScorer scorer = new TableScorer(1, "billing", "other").row("a ticket", 0.9f, 0.1f);
    start(
        scorer,
        Map.of(
            "policy.audit.rate",
            "0",
            ScoringSettings.BATCH_MAX_SIZE,
            "1000",
            ScoringSettings.BATCH_MAX_WAIT_MS,
            "3600000"),
        threads);

    send("c1", "a ticket");
    send("c2", "a ticket");

    // TopologyTestDriver commits after every record: the commit path scored each one.
    assertThat(read(topics.predictions())).extracting(TestRecord::key).containsExactly("c1", "c2");
    assertThat(
            metrics
                .registry()
                .find("loopline.scoring.flushes")
                .tag("reason", "commit")
                .counter()
                .count())
        .isEqualTo(2.0);
    assertThat(metrics.pending()).isZero();
    // TopologyTestDriver runs the stream thread's work on the test's thread.
    assertThat(scorer.threads).containsExactly(scoredOn);
  }

  @Test
  void fullBatchesAreScoredOnAModelThreadAndWrittenInOrder() {
    TableScorer scorer = new TableScorer(1, "billing", "other").row("a ticket", 0.9f, 0.1f);
    // Batches of one: every record fills a batch, which goes to the model thread; the commit
    // after each record (TopologyTestDriver) then waits for it and writes it.
    start(scorer, Map.of("policy.audit.rate", "0", ScoringSettings.BATCH_MAX_SIZE, "1"));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ids.add("m" + i);
      send("m" + i, "a ticket");
    }

    assertThat(read(topics.predictions()))
        .extracting(TestRecord::key)
        .containsExactlyElementsOf(ids);
    assertThat(read("routed.billing")).extracting(TestRecord::key).containsExactlyElementsOf(ids);
    assertThat(scorer.threads).containsExactly("model-test");
    assertThat(
            metrics
                .registry()
                .find("loopline.scoring.flushes")
                .tag("reason", "size")
                .counter()
                .count())
        .isEqualTo(20.0);
    assertThat(metrics.pending()).isZero();
    // Only the holder's reference is left: every batch released the one it took.
    assertThat(models.serving().peek().references()).isEqualTo(1);
  }

  @Test
  void aModelFailureOnTheModelThreadFailsTheStreamThreadAndReleasesTheModel() {
    TableScorer scorer = new TableScorer(1, "billing", "other");
    start(scorer, Map.of("policy.audit.rate", "0", ScoringSettings.BATCH_MAX_SIZE, "1"));
    scorer.failWith = new IllegalStateException("the model broke");

    // Not a bad event: no dead letter, the stream thread fails (the app replaces it and the
    // uncommitted event is read again).
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> send("x1", "a ticket"))
        .hasStackTraceContaining("the model broke");
    assertThat(read(topics.predictions())).isEmpty();
    assertThat(metrics.dlqCount()).isZero();
    assertThat(models.serving().peek().references()).isEqualTo(1);
  }

  private static byte[] withFirstByte(byte[] b, byte first) {
    byte[] c = b.clone();
    c[0] = first;
    return c;
  }

  private static String header(TestRecord<String, byte[]> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
