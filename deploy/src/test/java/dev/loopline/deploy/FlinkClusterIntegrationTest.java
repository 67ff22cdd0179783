package dev.loopline.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopline.avro.Event;
import dev.loopline.avro.LabelSource;
import dev.loopline.avro.LabeledExample;
import dev.loopline.avro.ModelVersion;
import dev.loopline.config.LooplineConfig;
import dev.loopline.model.scoring.ModelLoader;
import dev.loopline.model.scoring.Scorer;
import dev.loopline.model.store.Sha256;
import dev.loopline.serde.AvroSerdes;
import dev.loopline.topics.TopicAdmin;
import dev.loopline.topics.Topics;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retrain job on a real Flink standalone cluster (JobManager and TaskManager processes started
 * by {@link LocalCluster} from the Maven jars) reading feedback from three real KRaft brokers: a
 * submitted run publishes a version (record on {@code model-versions} + verified artifact in the
 * store), and, in the slow suite, a TaskManager killed with -9 while training fails the run
 * cleanly: nothing half-published, and after a TaskManager restart the next submit publishes.
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FlinkClusterIntegrationTest {

  private static final Logger LOG = LoggerFactory.getLogger(FlinkClusterIntegrationTest.class);
  private static final String MODEL = "tickets";
  private static final int PER_CLASS = 120;
  private static final Duration START = Duration.ofMinutes(4);

  private static LocalCluster cluster;
  private static LooplineConfig config;
  private static Path runDir;
  private static int submits;

  @BeforeAll
  static void startCluster() throws Exception {
    runDir =
        Path.of(System.getProperty("loopline.deploy.dir", "."))
            .resolve("target/flink-runs/" + System.currentTimeMillis());
    String flinkClasspath =
        Files.readString(Path.of(System.getProperty("loopline.deploy.flink.classpath.file")))
            .trim();
    Path jobJar = Path.of(System.getProperty("loopline.deploy.flink.job.jar"));
    assertThat(jobJar).as("the job jar (mvn -pl deploy generate-resources builds it)").exists();
    cluster =
        LocalCluster.prepare(
            new LocalCluster.Options(
                runDir,
                FaultSuite.childClasspath(),
                3,
                0,
                0,
                0,
                Map.of(),
                Map.of(
                    "featurizer.hash.bits", "14",
                    "retrain.min.examples.per.class", "20"),
                FaultSuite.forwardedJvmOptions()),
            new LocalCluster.Flink(flinkClasspath, jobJar));
    cluster.startAll(START);
    config = cluster.config();
    TopicAdmin.ensureTopics(
        config.kafkaClientProps(),
        Topics.from(config).core(),
        (short) cluster.replicationFactor(),
        Duration.ofSeconds(60));
    seedFeedback(0);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** {@code PER_CLASS} labeled tickets per label, ids {@code batch-...}. */
  private static void seedFeedback(int batch) throws Exception {
    Instant t0 = ClusterFixtures.T0;
    try (KafkaProducer<String, LabeledExample> p =
        new KafkaProducer<>(
            config.kafkaClientProps(),
            new StringSerializer(),
            AvroSerdes.specific(LabeledExample.class, config.clientAndSerdeProps(), false)
                .serializer())) {
      for (int i = 0; i < PER_CLASS * ClusterFixtures.LABELS.size(); i++) {
        int label = i % ClusterFixtures.LABELS.size();
        String id = "fb-" + batch + "-" + i;
        LabeledExample e =
            LabeledExample.newBuilder()
                .setEventId(id)
                .setText(ClusterFixtures.text(label, 500 + batch, i))
                .setOccurredAt(t0.plusSeconds(i))
                .setLabel(ClusterFixtures.LABELS.get(label))
                .setSource(LabelSource.TRIAGE)
                .setLabeledBy("flink-cluster-test")
                .setLabeledAt(t0.plusSeconds(i + 60))
                .build();
        p.send(new ProducerRecord<>(Topics.from(config).feedback(), id, e));
      }
      p.flush();
    }
  }

  @Test
  @Order(1)
  void aSubmittedRetrainRunsOnTheTaskManagerAndPublishes() throws Exception {
    int before = maxVersion(history());
    Submit s = submit(List.of());
    assertThat(s.exit()).as("retrain exit code; submitter log:%n%s", s.log()).isZero();

    NavigableMap<Integer, ModelVersion> h = history();
    int v = before + 1;
    assertThat(maxVersion(h)).isEqualTo(v);
    assertVerified(h.get(v));
    // The job ran on the standalone cluster: the JobManager lists it as FINISHED and the
    // training happened in the TaskManager process, not in the submitter.
    assertThat(jobsOverview())
        .contains("loopline-retrain " + MODEL + " v" + v)
        .contains("FINISHED");
    assertThat(Files.readString(cluster.log(LocalCluster.TASKMANAGER)))
        .contains("Trained " + MODEL + " v" + v);
    assertThat(s.log()).doesNotContain("Trained " + MODEL + " v" + v);
  }

  @Test
  @Order(2)
  void aSubmittedBacktestRunsOnTheClusterAndWritesItsReport() throws Exception {
    if (history().isEmpty()) {
      assertThat(submit(List.of()).exit()).isZero();
    }
    int v = maxVersion(history());
    // The first 90 feedback tickets come back as events (same ids and texts): labelled replays.
    String topic = Topics.from(config).events();
    try (KafkaProducer<String, Event> p = ClusterFixtures.eventProducer(config)) {
      for (int i = 0; i < 90; i++) {
        String id = "fb-0-" + i;
        Event e =
            Event.newBuilder()
                .setId(id)
                .setOccurredAt(ClusterFixtures.T0.plusSeconds(i))
                .setText(ClusterFixtures.text(i % ClusterFixtures.LABELS.size(), 500, i))
                .setAttributes(Map.of())
                .build();
        p.send(new ProducerRecord<>(topic, null, e.getOccurredAt().toEpochMilli(), id, e));
      }
      p.flush();
    }
    Path out = runDir.resolve("backtest");
    String name = "backtest-" + (++submits);
    Process b =
        cluster.submitBacktest(
            name,
            List.of(
                "--from",
                ClusterFixtures.T0.minusSeconds(3600).toString(),
                "--to",
                ClusterFixtures.T0.plusSeconds(3600).toString(),
                "--model",
                MODEL + ":" + v,
                "--include-trained",
                "--out",
                out.toString()));
    assertThat(b.waitFor(6, TimeUnit.MINUTES)).as("backtest ends").isTrue();
    String log = Files.readString(cluster.log(name));
    assertThat(b.exitValue()).as("backtest exit code; log:%n%s", log).isZero();
    assertThat(out.resolve("backtest.json")).isRegularFile();
    assertThat(Files.readString(out.resolve("backtest.json")))
        .containsPattern("\"eventsReplayed\"\\s*:\\s*90\\b");
    assertThat(jobsOverview()).contains("FINISHED").containsPattern("\"name\":\"[^\"]*backtest");
  }

  @Test
  @Order(3)
  @Tag("slow")
  void aTaskManagerKilledDuringTrainingFailsTheRunCleanlyAndARestartPublishes() throws Exception {
    if (history().isEmpty()) {
      assertThat(submit(List.of()).exit()).isZero();
    }
    seedFeedback(1);
    NavigableMap<Integer, ModelVersion> before = history();
    int next = maxVersion(before) + 1;
    Path tmLog = cluster.log(LocalCluster.TASKMANAGER);
    long tmLogStart = Files.size(tmLog);

    // Enough epochs (no early stop) that training is surely running when the kill lands.
    Process run =
        cluster.submitRetrain(
            "retrain-" + (++submits),
            List.of(
                "-D", "retrain.trainer.epochs=400",
                "-D", "retrain.trainer.patience=400"));
    String epochLine = MODEL + " v" + next + " epoch 1/400";
    Awaitility.await("training of v" + next + " on the TaskManager")
        .atMost(Duration.ofMinutes(4))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> tail(tmLog, tmLogStart).contains(epochLine) || !run.isAlive());
    assertThat(run.isAlive()).as("the run still going when training started").isTrue();
    cluster.kill(LocalCluster.TASKMANAGER);
    long killedAt = System.nanoTime();

    assertThat(run.waitFor(3, TimeUnit.MINUTES)).as("the submitter ends after the kill").isTrue();
    long failedAfterMs = (System.nanoTime() - killedAt) / 1_000_000;
    String runLog = Files.readString(cluster.log("retrain-" + submits));
    LOG.info(
        "TaskManager killed during v{} training: submitter exit {} after {} ms; job list {}",
        next,
        run.exitValue(),
        failedAfterMs,
        jobsOverview());
    assertThat(run.exitValue()).as("retrain exit code; log:%n%s", runLog).isEqualTo(1);
    assertThat(jobsOverview())
        .contains("loopline-retrain " + MODEL + " v" + next)
        .contains("FAILED");

    // Nothing half-published: no record for the interrupted version, and every record that
    // exists names an artifact that is there, matches its sha256 and loads.
    NavigableMap<Integer, ModelVersion> after = history();
    assertThat(after.keySet()).isEqualTo(before.keySet());
    for (ModelVersion mv : after.values()) {
      assertVerified(mv);
    }
    LOG.info("store after the kill: {}", storeFiles());

    // The JobManager drops the dead TaskManager (heartbeat timeout), a new one registers, and the
    // next submit publishes the version the killed run could not.
    cluster.awaitTaskManagers(0, Duration.ofSeconds(60));
    cluster.startTaskManager(START);
    Submit again = submit(List.of());
    assertThat(again.exit()).as("retrain after restart; log:%n%s", again.log()).isZero();
    NavigableMap<Integer, ModelVersion> last = history();
    assertThat(maxVersion(last)).isEqualTo(next);
    assertVerified(last.get(next));
  }

  private record Submit(int exit, String log) {}

  private static Submit submit(List<String> args) throws Exception {
    String name = "retrain-" + (++submits);
    long t = System.nanoTime();
    Process p = cluster.submitRetrain(name, args);
    if (!p.waitFor(6, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError(
          name + " did not end in 6 minutes:\n" + Files.readString(cluster.log(name)));
    }
    LOG.info(
        "{} ended with {} after {} ms", name, p.exitValue(), (System.nanoTime() - t) / 1_000_000);
    return new Submit(p.exitValue(), Files.readString(cluster.log(name)));
  }

  /** Every {@code model-versions} record of the model, by version (read to the end offsets). */
  private static NavigableMap<Integer, ModelVersion> history() {
    Map<String, Object> props = new HashMap<>(config.kafkaClientProps());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    NavigableMap<Integer, ModelVersion> out = new TreeMap<>();
    try (KafkaConsumer<String, ModelVersion> c =
        new KafkaConsumer<>(
            props,
            new StringDeserializer(),
            AvroSerdes.specific(ModelVersion.class, config.clientAndSerdeProps(), false)
                .deserializer())) {
      String topic = Topics.from(config).modelVersions();
      List<TopicPartition> parts =
          c.partitionsFor(topic).stream()
              .map(pi -> new TopicPartition(topic, pi.partition()))
              .toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("model-versions not read to its end in 60 s");
        }
        for (ConsumerRecord<String, ModelVersion> r : c.poll(Duration.ofMillis(500))) {
          if (r.value() != null && MODEL.equals(r.value().getName())) {
            out.put(r.value().getVersion(), r.value());
          }
        }
      }
    }
    return out;
  }

  private static int maxVersion(NavigableMap<Integer, ModelVersion> h) {
    return h.isEmpty() ? 0 : h.lastKey();
  }

  private static String jobsOverview() {
    return LocalCluster.get(cluster.flinkRestUrl() + "/jobs/overview").body();
  }

  /** The record's artifact exists, has the recorded sha256 and loads (canaries included). */
  private static void assertVerified(ModelVersion mv) throws Exception {
    Path zip = Path.of(URI.create(mv.getArtifactUri()));
    assertThat(zip).as("artifact of v%d", mv.getVersion()).isRegularFile();
    assertThat(Sha256.of(zip)).as("sha256 of v%d", mv.getVersion()).isEqualTo(mv.getSha256());
    Path work = Files.createDirectories(runDir.resolve("verify"));
    try (Scorer s = ModelLoader.load(zip, mv.getSha256(), work, List.copyOf(mv.getLabels()))) {
      assertThat(s).isNotNull();
    }
  }

  private static String tail(Path log, long from) throws IOException {
    byte[] all = Files.readAllBytes(log);
    return new String(all, (int) Math.min(from, all.length), (int) Math.max(0, all.length - from));
  }

  private static List<String> storeFiles() throws IOException {
    Path store = runDir.resolve("models");
    if (!Files.exists(store)) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    try (Stream<Path> s = Files.walk(store)) {
      s.filter(Files::isRegularFile).forEach(f -> out.add(store.relativize(f).toString()));
    }
    return out;
  }
}
