package dev.loopline.backtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.loopline.avro.Event;
import dev.loopline.avro.Forgotten;
import dev.loopline.avro.LabelProbability;
import dev.loopline.avro.LabelSource;
import dev.loopline.avro.LabeledExample;
import dev.loopline.avro.Lineage;
import dev.loopline.avro.ModelVersion;
import dev.loopline.avro.PartitionOffset;
import dev.loopline.avro.Prediction;
import dev.loopline.avro.Verdict;
import dev.loopline.config.LooplineConfig;
import dev.loopline.embedded.EmbeddedPlatform;
import dev.loopline.model.artifact.ModelMetadata;
import dev.loopline.model.features.Featurizer;
import dev.loopline.model.features.FeaturizerSpec;
import dev.loopline.model.features.SparseVector;
import dev.loopline.model.scoring.ModelLoader;
import dev.loopline.model.scoring.Scorer;
import dev.loopline.model.store.ModelStores;
import dev.loopline.model.train.ArtifactPackager;
import dev.loopline.model.train.TrainedModel;
import dev.loopline.model.train.Trainer;
import dev.loopline.model.train.TrainerConfig;
import dev.loopline.retrain.job.HoldoutSplit;
import dev.loopline.retrain.registry.AvroClients;
import dev.loopline.topics.TopicAdmin;
import dev.loopline.topics.TopicSpec;
import dev.loopline.topics.Topics;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backtest end to end on the embedded broker + registry and a Flink MiniCluster, with two real
 * TensorFlow model versions (v2 warm-started from v1 per its lineage): a recorded history of
 * events, labels (one corrected, one forgotten), served predictions (and a shadow one to ignore),
 * and figures checked against an expectation computed here by scoring each event directly and
 * counting by hand.
 */
@Tag("integration")
class BacktestIntegrationTest {

  @RegisterExtension
  static final MiniClusterExtension FLINK =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setConfiguration(flinkConfig())
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  private static final List<String> LABELS = List.of("Billing", "Technical");
  private static final String[][] VOCAB = {
    {"invoice", "refund", "charged", "payment", "billing", "receipt"},
    {"crash", "error", "bug", "timeout", "install", "broken"}
  };
  private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");
  private static final long SPLIT_SEED = 1234L;
  private static final Map<String, String> KEEP =
      Map.of("cleanup.policy", "delete", "retention.ms", "-1");
  private static final double HOLDOUT = 0.5;

  @TempDir static Path dir;

  static LooplineConfig config;
  static Topics topics;
  static final String NAME = "bt";

  /** Replayed events in [T0, T0 + 40 min): id -> text, attributes, true label index of the text. */
  static final Map<String, Event> events = new LinkedHashMap<>();

  static final Map<String, String> finalLabel = new HashMap<>();
  static final Map<String, List<long[]>> feedbackPositions = new HashMap<>();
  static Map<Integer, Long> v1Offsets;
  static Map<Integer, Long> v2Offsets;
  static final String FORGOTTEN = "ev-3";
  static final String CORRECTED = "ev-5";

  private static Configuration flinkConfig() {
    Configuration c = new Configuration();
    c.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse("16m"));
    c.set(TaskManagerOptions.NETWORK_MEMORY_MIN, MemorySize.parse("16m"));
    c.set(TaskManagerOptions.NETWORK_MEMORY_MAX, MemorySize.parse("16m"));
    return c;
  }

  @BeforeAll
  static void recordHistory() throws Exception {
    Map<String, String> s = new HashMap<>();
    for (String t :
        List.of(
            "events",
            "predictions",
            "feedback",
            "model.versions",
            "model.deployments",
            "forgotten")) {
      s.put("topic." + t, t + ".backtest-it");
    }
    s.put("model.store.uri", dir.resolve("store").toUri().toString());
    s.put("backtest.work.dir", dir.resolve("work").toString());
    s.put("policy.audit.rate", "0");
    config = EmbeddedPlatform.shared().config().with(s);
    topics = Topics.from(config);
    TopicAdmin.ensureTopics(
        config.kafkaClientProps(),
        List.of(
            // the history is months old: keep it from time-based retention
            new TopicSpec(topics.events(), 2, KEEP),
            new TopicSpec(topics.predictions(), 1, KEEP),
            new TopicSpec(topics.feedback(), 2, TopicSpec.COMPACTED),
            new TopicSpec(topics.modelVersions(), 1, TopicSpec.COMPACTED),
            new TopicSpec(topics.modelDeployments(), 1, KEEP),
            new TopicSpec(topics.forgotten(), 1, TopicSpec.COMPACTED)),
        (short) 1,
        Duration.ofSeconds(60));

    Random random = new Random(42);
    // 5 events before the range, 40 in it, 5 after.
    List<Event> all = new ArrayList<>();
    for (int i = -5; i < 45; i++) {
      int label = random.nextInt(2);
      StringBuilder text = new StringBuilder();
      for (int w = 0; w < 6; w++) {
        // a few noisy words from the other class so the models are not always right
        int from = random.nextInt(4) == 0 ? 1 - label : label;
        text.append(VOCAB[from][random.nextInt(VOCAB[from].length)]).append(' ');
      }
      Event e =
          Event.newBuilder()
              .setId("ev-" + i)
              .setOccurredAt(T0.plus(Duration.ofMinutes(i)))
              .setText(text.toString().trim())
              .setAttributes(Map.of("channel", i % 3 == 0 ? "chat" : "email"))
              .build();
      all.add(e);
      if (i >= 0 && i < 40) {
        events.put(e.getId(), e);
      }
      finalLabel.put(e.getId(), LABELS.get(label));
    }
    try (KafkaProducer<String, Event> p = AvroClients.producer(config, Event.class)) {
      for (Event e : all) {
        p.send(
            new ProducerRecord<>(
                topics.events(), null, e.getOccurredAt().toEpochMilli(), e.getId(), e));
      }
      // written twice (say, a producer's retry), a labelled and an unlabelled event count once
      for (String id : List.of("ev-7", "ev-33")) {
        Event e = events.get(id);
        p.send(
            new ProducerRecord<>(
                topics.events(), null, e.getOccurredAt().toEpochMilli(), e.getId(), e));
      }
      p.flush();
    }

    // Labels: first batch ev-(-5)..ev-14 (v1 trained up to here), then ev-15..ev-29 (v2), then a
    // correction of ev-5 that flips its label (after both trained). ev-30..39 stay unlabelled.
    List<String> batch1 = new ArrayList<>();
    for (int i = -5; i < 15; i++) {
      batch1.add("ev-" + i);
    }
    List<String> batch2 = new ArrayList<>();
    for (int i = 15; i < 30; i++) {
      batch2.add("ev-" + i);
    }
    produceLabels(batch1, Instant.parse("2026-03-02T00:00:00Z"));
    v1Offsets = endOffsets(topics.feedback());
    produceLabels(batch2, Instant.parse("2026-03-02T00:00:00Z"));
    v2Offsets = endOffsets(topics.feedback());
    String flipped = finalLabel.get(CORRECTED).equals("Billing") ? "Technical" : "Billing";
    finalLabel.put(CORRECTED, flipped);
    produceLabels(List.of(CORRECTED), Instant.parse("2026-03-03T00:00:00Z"));

    try (KafkaProducer<String, Forgotten> p = AvroClients.producer(config, Forgotten.class)) {
      p.send(
              new ProducerRecord<>(
                  topics.forgotten(),
                  FORGOTTEN,
                  Forgotten.newBuilder()
                      .setEventId(FORGOTTEN)
                      .setRequestedAt(T0)
                      .setRequestedBy("test")
                      .build()))
          .get();
    }

    // Served, each stamped with its event's timestamp as the scoring app stamps them: v1 served
    // ev-(-5)..ev-9 (the five before the range come first on the topic, so the read starts after
    // them); ev-0..4 recorded AUTO_ROUTE to the top label, 5..9 TRIAGE. A shadow prediction of ev-0
    // by v2 claims the opposite and must be ignored, and so must a later prediction of ev-1 by v2
    // stamped outside the range (the scoring app would never write it: it proves the time bound).
    try (KafkaProducer<String, Prediction> p = AvroClients.producer(config, Prediction.class)) {
      for (int i = -5; i < 10; i++) {
        String id = "ev-" + i;
        p.send(served(servedPrediction(id, i, false), T0.plus(Duration.ofMinutes(i))));
      }
      p.send(served(servedPrediction("ev-0", 0, true), T0));
      Prediction outside = servedPrediction("ev-1", 1, false);
      outside.setModelVersion(2);
      outside.setScoredAt(T0.plus(Duration.ofDays(1)));
      p.send(served(outside, T0.plus(Duration.ofMinutes(40))));
      p.flush();
    }

    // Two versions: v1 trained on the text's own vocabulary, v2 warm-started from v1 (lineage).
    publish(1, null, List.of(), v1Offsets, 3L);
    publish(2, 1, List.of(1), v2Offsets, 4L);
  }

  private static ProducerRecord<String, Prediction> served(Prediction p, Instant stamp) {
    return new ProducerRecord<>(
        topics.predictions(), null, stamp.toEpochMilli(), p.getEventId(), p);
  }

  /** Served prediction: top label = the text's class for even ids, the other class for odd ids. */
  private static Prediction servedPrediction(String id, int i, boolean shadow) {
    String top = textLabel(id);
    if (i % 2 == 1 || shadow) {
      top = top.equals("Billing") ? "Technical" : "Billing";
    }
    String other = top.equals("Billing") ? "Technical" : "Billing";
    return Prediction.newBuilder()
        .setEventId(id)
        .setModelName(NAME)
        .setModelVersion(shadow ? 2 : 1)
        .setProbabilities(List.of(new LabelProbability(top, 0.9), new LabelProbability(other, 0.1)))
        .setTopLabel(top)
        .setTopProbability(0.9)
        .setDecision(i < 5 ? "AUTO_ROUTE" : "TRIAGE")
        .setRoute(i < 5 ? "routed." + top : "triage")
        .setShadow(shadow)
        .setScoredAt(T0.plus(Duration.ofMinutes(i)))
        .build();
  }

  private static String textLabel(String id) {
    // the label the test drew for the text (before any correction)
    return id.equals(CORRECTED) ? originalOfCorrected : finalLabel.get(id);
  }

  static String originalOfCorrected;

  private static void produceLabels(List<String> ids, Instant labeledAt) throws Exception {
    if (originalOfCorrected == null) {
      originalOfCorrected = finalLabel.get(CORRECTED);
    }
    try (KafkaProducer<String, LabeledExample> p =
        AvroClients.producer(config, LabeledExample.class)) {
      List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>();
      for (String id : ids) {
        LabeledExample l =
            LabeledExample.newBuilder()
                .setEventId(id)
                .setText("(text)")
                .setOccurredAt(T0)
                .setLabel(finalLabel.get(id))
                .setSource(LabelSource.TRIAGE)
                .setLabeledBy("agent")
                .setLabeledAt(labeledAt)
                .build();
        sent.add(p.send(new ProducerRecord<>(topics.feedback(), id, l)));
      }
      p.flush();
      for (int i = 0; i < ids.size(); i++) {
        RecordMetadata m = sent.get(i).get();
        feedbackPositions
            .computeIfAbsent(ids.get(i), k -> new ArrayList<>())
            .add(new long[] {m.partition(), m.offset()});
      }
    }
  }

  private static Map<Integer, Long> endOffsets(String topic) {
    return new HashMap<>(
        dev.loopline.retrain.registry.ModelRegistryReader.endOffsets(config, topic));
  }

  private static void publish(
      int version, Integer parent, List<Integer> chain, Map<Integer, Long> offsets, long seed)
      throws Exception {
    FeaturizerSpec spec = FeaturizerSpec.defaults();
    Featurizer f = new Featurizer(spec);
    Random r = new Random(seed);
    List<SparseVector> x = new ArrayList<>();
    int[] y = new int[200];
    for (int i = 0; i < y.length; i++) {
      y[i] = r.nextInt(2);
      StringBuilder t = new StringBuilder();
      for (int w = 0; w < 5; w++) {
        t.append(VOCAB[y[i]][r.nextInt(VOCAB[y[i]].length)]).append(' ');
      }
      x.add(f.featurize(t.toString(), Map.of()));
    }
    TrainerConfig tc = TrainerConfig.defaults().withEpochs(version + 1, 1).withSeed(seed);
    Path zip = dir.resolve("v" + version + ".zip");
    String sha;
    try (TrainedModel m =
        new Trainer().train(LABELS, spec, x, y, List.of(), new int[0], tc, null, null)) {
      ModelMetadata md =
          ArtifactPackager.metadata(m, spec, NAME, version, T0, parent, 200, T0, T0, Map.of());
      sha =
          ArtifactPackager.write(
              m, md, List.of(new ArtifactPackager.CanaryInput("refund invoice", Map.of())), zip);
    }
    URI uri = ModelStores.forUri(config.get("model.store.uri")).put(NAME, version, zip);
    List<PartitionOffset> po = new ArrayList<>();
    offsets.forEach((p, o) -> po.add(new PartitionOffset(p, o)));
    ModelVersion mv =
        ModelVersion.newBuilder()
            .setName(NAME)
            .setVersion(version)
            .setArtifactUri(uri.toString())
            .setSha256(sha)
            .setCreatedAt(T0)
            .setLabels(LABELS)
            .setFeaturizerFingerprint(f.fingerprint())
            .setVerdict(Verdict.CANDIDATE)
            .setLineage(
                Lineage.newBuilder()
                    .setFeedbackTopic(topics.feedback())
                    .setFeedbackOffsets(po)
                    .setSplitSeed(SPLIT_SEED)
                    .setHoldoutFraction(HOLDOUT)
                    .setParentVersion(parent)
                    .setParentChain(chain)
                    .build())
            .build();
    send(topics.modelVersions(), NAME + ":" + version, mv, ModelVersion.class);
  }

  private static <T extends SpecificRecord> void send(
      String topic, String key, T value, Class<T> type) throws Exception {
    try (KafkaProducer<String, T> p = AvroClients.producer(config, type)) {
      p.send(new ProducerRecord<>(topic, key, value)).get();
    }
  }

  private static BacktestService service() {
    return new BacktestService(c -> StreamExecutionEnvironment.getExecutionEnvironment());
  }

  private static BacktestService.Request request(Instant from, Instant to, String... models) {
    return new BacktestService.Request(
        from, to, List.of(models), Map.of("policy.threshold.default", "0.6"), "channel", false);
  }

  /** Ids version {@code v} (and its ancestors) trained on, from the lineage written above. */
  private static Set<String> trainedBy(int v) {
    HoldoutSplit split = new HoldoutSplit(SPLIT_SEED, HOLDOUT);
    Set<String> out = new HashSet<>();
    List<Map<Integer, Long>> chain = v == 1 ? List.of(v1Offsets) : List.of(v2Offsets, v1Offsets);
    feedbackPositions.forEach(
        (id, positions) -> {
          for (long[] pos : positions) {
            for (Map<Integer, Long> offsets : chain) {
              Long end = offsets.get((int) pos[0]);
              if (end != null && pos[1] < end && !split.isHoldout(id)) {
                out.add(id);
              }
            }
          }
        });
    return out;
  }

  @Test
  void reportMatchesTheHandComputedExpectationAndExcludesTrainingEvents() throws Exception {
    BacktestReport r =
        service().run(config, request(T0, T0.plus(Duration.ofMinutes(40)), "bt:1", "bt:2"));

    assertThat(r.eventsReplayed()).isEqualTo(40);
    // ev-0..ev-29 labelled, ev-3 forgotten
    assertThat(r.labelled()).isEqualTo(29);
    assertThat(r.forgotten()).isEqualTo(1);
    assertThat(r.missing()).isEmpty();

    for (int v = 1; v <= 2; v++) {
      BacktestReport.VersionResult res = r.versions().get(v - 1);
      assertThat(res.key()).isEqualTo("bt:" + v);
      Set<String> trained = trainedBy(v);
      // expected by hand: score every labelled, non-forgotten, non-trained event directly
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        String id = "ev-" + i;
        if (!id.equals(FORGOTTEN) && !trained.contains(id)) {
          ids.add(id);
        }
      }
      long trainedInRange =
          java.util.stream.IntStream.range(0, 30)
              .mapToObj(i -> "ev-" + i)
              .filter(id -> !id.equals(FORGOTTEN) && trained.contains(id))
              .count();
      assertThat(trainedInRange).as("the case has training events to exclude").isPositive();
      assertThat(res.trainedOn()).isEqualTo(trainedInRange);
      long[][] confusion = new long[2][2];
      int right = 0;
      int autoRouted = 0;
      try (Scorer s = load(v)) {
        Featurizer f = new Featurizer(s.metadata().featurizer());
        for (String id : ids) {
          Event e = events.get(id);
          float[] p = s.predict(List.of(f.featurize(e.getText(), e.getAttributes())))[0];
          int top = p[1] > p[0] ? 1 : 0;
          int truth = LABELS.indexOf(finalLabel.get(id));
          confusion[truth][top]++;
          right += top == truth ? 1 : 0;
          autoRouted += p[top] >= 0.6f ? 1 : 0;
        }
      }
      assertThat(res.report().examples()).isEqualTo(ids.size());
      assertThat(res.report().confusion()).isDeepEqualTo(confusion);
      assertThat(res.report().accuracy()).isCloseTo(right / (double) ids.size(), within(1e-9));
      assertThat(res.report().autoRouteRate())
          .isCloseTo(autoRouted / (double) ids.size(), within(1e-9));
      assertThat(res.coverage()).isCloseTo(29 / 40.0, within(1e-9));
      assertThat(res.sweep()).hasSize(100);
      assertThat(res.slices()).extracting(BacktestReport.Slice::value).contains("chat", "email");
    }
    assertThat(r.versions().get(1).trainedOn())
        .as("v2 excludes v1's training events too")
        .isGreaterThanOrEqualTo(r.versions().get(0).trainedOn());

    // served: v1 served ev-0..9 (ev-3 forgotten; ev-1's prediction by v2 stamped outside the range
    // does not count): 9 labelled; recorded AUTO_ROUTE for ev-0,1,2,4,
    // right for the even ids (served top = the text's label): 3 of 4
    BacktestReport.ServedResult served = r.served();
    assertThat(served.events()).isEqualTo(10);
    assertThat(served.byVersion()).containsExactly(Map.entry(1, 10L));
    assertThat(served.labelled()).isEqualTo(9);
    assertThat(served.recordedAutoRouteRate()).isCloseTo(4 / 9.0, within(1e-9));
    assertThat(served.recordedAutoRoutePrecision()).isCloseTo(3 / 4.0, within(1e-9));
    // top label right for even ids except the corrected ev-5 (odd: served wrong, corrected to
    // the served label, so right): right = 0,2,4,6,8 + 5 = 6 of 9
    assertThat(served.report().accuracy()).isCloseTo(6 / 9.0, within(1e-9));

    String html = ReportRenderer.html(r);
    assertThat(html).contains("bt:1").contains("bt:2").contains("<svg");
    assertThat(ReportRenderer.table(r)).contains("bt:1").contains("served [1]");
  }

  @Test
  void servedPredictionsAreReadFromTheFirstOneStampedInTheRange() throws Exception {
    // 5 before the range, 10 + shadow in it, 1 stamped at its end
    BacktestService.Range r = BacktestService.servedRange(config, topics.predictions(), T0);
    assertThat(r.start()).containsExactly(Map.entry(0, 5L));
    assertThat(r.stop()).containsExactly(Map.entry(0, 17L));
    // a LogAppendTime topic's stamps say nothing of the events: read from its beginning
    String appendTime = "predictions.append-time.backtest-it";
    TopicAdmin.ensureTopics(
        config.kafkaClientProps(),
        List.of(new TopicSpec(appendTime, 1, Map.of("message.timestamp.type", "LogAppendTime"))),
        (short) 1,
        Duration.ofSeconds(60));
    try (KafkaProducer<String, Prediction> p = AvroClients.producer(config, Prediction.class)) {
      for (int i = 0; i < 3; i++) {
        p.send(new ProducerRecord<>(appendTime, "ev-" + i, servedPrediction("ev-" + i, i, false)));
      }
      p.flush();
    }
    assertThat(BacktestService.createTime(config, appendTime)).isFalse();
    assertThat(BacktestService.createTime(config, topics.predictions())).isTrue();
    BacktestService.Range all =
        BacktestService.servedRange(config, appendTime, Instant.now().plusSeconds(3600));
    assertThat(all.start()).containsExactly(Map.entry(0, 0L));
    assertThat(all.records()).isEqualTo(3);
  }

  @Test
  void theLocalAndTheKeyedJoinsGiveTheSameReport() throws Exception {
    BacktestService.Request req = request(T0, T0.plus(Duration.ofMinutes(40)), "bt:1", "bt:2");
    // labels and served predictions joined where the events are scored (the defaults here)
    BacktestReport local = service().run(config, req);
    // everything joined by key
    BacktestReport keyed =
        service().run(config.with(Map.of(BacktestService.LOCAL_JOIN_MAX_LABELS_KEY, "0")), req);
    // labels local, served predictions by key
    BacktestReport servedByKey =
        service().run(config.with(Map.of(BacktestService.LOCAL_JOIN_MAX_SERVED_KEY, "0")), req);
    assertThat(local.served().events()).as("the case has served predictions").isEqualTo(10);
    assertThat(ReportRenderer.json(keyed)).isEqualTo(ReportRenderer.json(local));
    assertThat(ReportRenderer.json(servedByKey)).isEqualTo(ReportRenderer.json(local));

    // no served predictions: the labels are joined where the events are scored, nothing shuffled
    BacktestReport unserved =
        service()
            .run(config.with(Map.of("topic.predictions", "predictions.backtest-it-none")), req);
    assertThat(unserved.missing()).singleElement().asString().contains("no served predictions");
    BacktestReport expected =
        new BacktestReport(
            local.from(),
            local.to(),
            local.eventsReplayed(),
            local.labelled(),
            local.forgotten(),
            local.policy(),
            local.sliceAttribute(),
            local.includeTrained(),
            local.versions(),
            unserved.served(),
            unserved.comparisons(),
            unserved.missing());
    assertThat(ReportRenderer.json(unserved)).isEqualTo(ReportRenderer.json(expected));
    assertThat(unserved.eventsReplayed()).isEqualTo(40);
    assertThat(unserved.labelled()).isEqualTo(29);
    assertThat(unserved.forgotten()).isEqualTo(1);
  }

  private static Scorer load(int v) throws Exception {
    Path d = Files.createTempDirectory(dir, "expect-");
    Path zip =
        ModelStores.forUri(config.get("model.store.uri"))
            .fetch(
                URI.create(
                    dev.loopline.retrain.registry.ModelRegistryReader.read(config, topics, NAME)
                        .version(v)
                        .orElseThrow()
                        .getArtifactUri()),
                d);
    return ModelLoader.load(zip, null, d.resolve("load"), LABELS);
  }

  @Test
  void anEmptyRangeIsAOneLineErrorWithItsOwnExitCode() {
    Instant later = Instant.parse("2027-01-01T00:00:00Z");
    assertThatThrownBy(() -> service().run(config, request(later, later.plusSeconds(60), "bt:1")))
        .isInstanceOfSatisfying(
            BacktestException.class,
            e -> assertThat(e.exitCode()).isEqualTo(BacktestException.NO_EVENTS))
        .hasMessageStartingWith("no events on events.backtest-it between");
  }

  @Test
  void anUnknownVersionIsAOneLineError() {
    assertThatThrownBy(() -> service().run(config, request(T0, T0.plusSeconds(60), "bt:9")))
        .isInstanceOfSatisfying(
            BacktestException.class,
            e -> assertThat(e.exitCode()).isEqualTo(BacktestException.BAD_VERSION))
        .hasMessageStartingWith(
            "model bt has no version 9 on " + topics.modelVersions() + " (has [1, 2");
  }

  @Test
  void anArtifactFailingVerificationIsAOneLineError() throws Exception {
    ModelVersion v1 =
        dev.loopline.retrain.registry.ModelRegistryReader.read(config, topics, NAME)
            .version(1)
            .orElseThrow();
    ModelVersion bad = ModelVersion.newBuilder(v1).setVersion(7).setSha256("0".repeat(64)).build();
    send(topics.modelVersions(), NAME + ":7", bad, ModelVersion.class);
    assertThatThrownBy(() -> service().run(config, request(T0, T0.plusSeconds(60), "bt:7")))
        .isInstanceOfSatisfying(
            BacktestException.class,
            e -> assertThat(e.exitCode()).isEqualTo(BacktestException.BAD_VERSION))
        .hasMessageStartingWith("bt:7: artifact failed verification:");
  }
}
