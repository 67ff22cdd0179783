package dev.loopline.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopline.avro.Event;
import dev.loopline.avro.Prediction;
import dev.loopline.config.LooplineConfig;
import dev.loopline.model.store.FileModelStore;
import dev.loopline.topics.TopicAdmin;
import dev.loopline.topics.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.config.ConfigResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fault injection on the local multi-process cluster: three KRaft brokers (RF 3, min ISR 2), the
 * registry and two scoring instances, each its own JVM, serving a real trained model under a steady
 * event load (100 events/s, idempotent acks=all producer). After the faults a read_committed
 * consumer counts, per event, its predictions and its routes; both instances must still report
 * serving version 1 (a corrupt artifact never replaces it).
 */
final class FaultSuite {

  private static final Logger LOG = LoggerFactory.getLogger(FaultSuite.class);
  private static final Duration START = Duration.ofMinutes(3);

  /** A fault and its recovery. */
  enum Fault {
    /** kill -9 scoring-0; scoring-1 must take over its partitions; then restart scoring-0. */
    KILL_SCORING_0,
    /** kill -9 scoring-1; scoring-0 must take over; then restart scoring-1. */
    KILL_SCORING_1,
    /** kill -9 broker-2 (writes go on with 2 in-sync replicas), then restart it. */
    KILL_BROKER_2,
    /** kill -9 broker-3, then restart it. */
    KILL_BROKER_3,
    /** SIGTERM the registry and start it again (the serdes cache schema ids meanwhile). */
    RESTART_REGISTRY,
    /** Announce version 2 whose artifact is corrupt (its sha256 matches: the load must fail). */
    CORRUPT_ARTIFACT
  }

  /** What a run measured. */
  record Result(List<Fault> faults, long events, Report predictions, Report routes) {}

  private FaultSuite() {}

  static Result run(Path dir, List<Fault> faults) throws Exception {
    long t0 = System.nanoTime();
    // Under target/, not the temp dir: the processes' logs survive a failure for diagnosis.
    Path runDir =
        Files.createDirectories(Path.of("target", "fault-runs")).resolve(dir.getFileName());
    List<Fault> injected = new ArrayList<>();
    Map<String, String> settings = new HashMap<>();
    settings.put("topic.partitions", "4");
    settings.put("scoring.application.id", "fault-suite");
    settings.put("scoring.streams.commit.interval.ms", "500");
    // A killed instance's open transaction is aborted within seconds, so read_committed readers
    // (and the surviving instance taking over its partitions) are not held for long.
    settings.put("scoring.streams.producer.transaction.timeout.ms", "5000");
    settings.put("scoring.streams.consumer.session.timeout.ms", "6000");
    settings.put("scoring.streams.consumer.heartbeat.interval.ms", "1500");
    try (LocalCluster cluster =
        LocalCluster.prepare(
            new LocalCluster.Options(
                runDir, childClasspath(), 3, 2, 0, 0, Map.of(), settings, forwardedJvmOptions()))) {
      cluster.startBrokers(START);
      cluster.startRegistry(START);
      LooplineConfig config = cluster.config();
      Topics topics = Topics.from(config);
      TopicAdmin.ensureTopics(
          config.kafkaClientProps(), topics.core(), (short) 3, Duration.ofSeconds(60));
      assertReplicated(config, topics.events());

      ClusterFixtures.StoredModel v1 =
          ClusterFixtures.train(runDir.resolve("models"), dir.resolve("scratch"), 1);
      ClusterFixtures.deploy(config, v1);
      cluster.startScoring(0, START);
      cluster.startScoring(1, START);
      for (int i = 0; i < 2; i++) {
        LocalCluster.awaitHttp(
            "http://localhost:" + cluster.scoringPort(i) + "/ready", START, true);
        assertThat(LocalCluster.get(health(cluster, i)).body()).contains("\"servingVersion\":1");
      }
      LOG.info("cluster serving v1 after {} s", (System.nanoTime() - t0) / 1_000_000_000);

      AtomicLong produced = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      KafkaProducer<String, Event> producer = ClusterFixtures.eventProducer(config);
      ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
      load.scheduleAtFixedRate(
          () -> {
            for (int k = 0; k < 10; k++) {
              long n = produced.getAndIncrement();
              producer.send(
                  ClusterFixtures.eventRecord(topics.events(), n),
                  (md, e) -> {
                    if (e != null) {
                      failed.incrementAndGet();
                      LOG.warn("event ev-{} not acknowledged: {}", n, e.toString());
                    }
                  });
            }
          },
          0,
          100,
          TimeUnit.MILLISECONDS);
      long total;
      try {
        awaitScored(cluster, List.of(0, 1), 300);
        for (Fault f : faults) {
          inject(f, cluster, config, produced);
          injected.add(f);
        }
      } finally {
        load.shutdown();
        assertThat(load.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        producer.flush();
        producer.close();
      }
      total = produced.get();
      assertThat(failed.get()).as("events the brokers did not acknowledge").isZero();
      LOG.info("produced {} events with {} faults injected", total, injected.size());

      List<ConsumerRecord<String, Prediction>>[] seen = new List[1];
      await()
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofSeconds(3))
          .until(
              () -> {
                seen[0] =
                    ClusterFixtures.readCommitted(
                        config, Pattern.compile(Pattern.quote(topics.predictions())));
                LOG.info("{} of {} predictions committed", seen[0].size(), total);
                return seen[0].size() >= total;
              });
      List<ConsumerRecord<String, Prediction>> routes =
          ClusterFixtures.readCommitted(
              config,
              Pattern.compile(
                  Pattern.quote(topics.triage())
                      + "|"
                      + Pattern.quote(topics.routedPrefix())
                      + ".*"));
      Report p = Report.of(seen[0], total);
      Report r = Report.of(routes, total);
      LOG.info(
          "RESULT fault suite: faults={} {} events={}"
              + " predictions lost={} duplicated={}; routes lost={} duplicated={}; {} s",
          injected.size(),
          injected,
          total,
          p.lost(),
          p.duplicated(),
          r.lost(),
          r.duplicated(),
          (System.nanoTime() - t0) / 1_000_000_000);
      assertThat(p.lost()).as("events without a prediction").isZero();
      assertThat(p.duplicated()).as("events with two predictions").isZero();
      assertThat(r.lost()).as("events without a route").isZero();
      assertThat(r.duplicated()).as("events routed twice").isZero();
      assertThat(seen[0]).allSatisfy(c -> assertThat(c.value().getModelVersion()).isEqualTo(1));
      for (int i = 0; i < 2; i++) {
        assertThat(LocalCluster.get(health(cluster, i)).body()).contains("\"servingVersion\":1");
      }
      return new Result(injected, total, p, r);
    }
  }

  private static void inject(
      Fault f, LocalCluster cluster, LooplineConfig config, AtomicLong produced) throws Exception {
    LOG.info("injecting {}", f);
    switch (f) {
      case KILL_SCORING_0 -> killScoring(cluster, produced, 0, 1);
      case KILL_SCORING_1 -> killScoring(cluster, produced, 1, 0);
      case KILL_BROKER_2, KILL_BROKER_3 -> {
        String name = f == Fault.KILL_BROKER_2 ? "broker-2" : "broker-3";
        cluster.kill(name);
        awaitScored(cluster, List.of(0, 1), 300);
        cluster.startBroker(f == Fault.KILL_BROKER_2 ? 2 : 3);
        cluster.awaitBrokers(3, START);
        awaitScored(cluster, List.of(0, 1), 200);
      }
      case RESTART_REGISTRY -> {
        cluster.stop("registry");
        awaitScored(cluster, List.of(0, 1), 200);
        cluster.startRegistry(START);
        awaitScored(cluster, List.of(0, 1), 200);
      }
      case CORRUPT_ARTIFACT -> {
        byte[] junk = new byte[4096];
        new Random(42).nextBytes(junk);
        Path zip = Files.write(Files.createTempFile("corrupt", ".zip"), junk);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(junk));
        var uri =
            new FileModelStore(Path.of(java.net.URI.create(config.get("model.store.uri"))))
                .put("tickets", 2, zip);
        ClusterFixtures.deploy(config, new ClusterFixtures.StoredModel(2, uri, sha));
        for (int i = 0; i < 2; i++) {
          String health = "http://localhost:" + cluster.scoringPort(i) + "/health";
          await()
              .atMost(START)
              .pollInterval(Duration.ofMillis(500))
              .until(() -> LocalCluster.get(health).body().contains("lastRejection"));
          assertThat(LocalCluster.get(health).body()).contains("\"servingVersion\":1");
        }
        awaitScored(cluster, List.of(0, 1), 200);
      }
      default -> throw new IllegalArgumentException(f.toString());
    }
  }

  /**
   * kill -9 scoring instance {@code dead}; {@code survivor} must take over its partitions. Proof:
   * the survivor's count plus what the dead one had scored catches up with everything produced
   * since, which the survivor's own partitions alone (about half the keys) cannot do once 1,500
   * more events were produced. Then the dead one is restarted.
   */
  private static void killScoring(LocalCluster cluster, AtomicLong produced, int dead, int survivor)
      throws Exception {
    double deadAtKill = scored(cluster, List.of(dead));
    long producedAtKill = produced.get();
    cluster.kill("scoring-" + dead);
    long killedAt = System.nanoTime();
    await()
        .atMost(START)
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              long p = produced.get();
              return p - producedAtKill > 1_500
                  && deadAtKill + scored(cluster, List.of(survivor)) >= p - 300;
            });
    LOG.info(
        "scoring-{} took over scoring-{}'s partitions; caught up {} s after the kill",
        survivor,
        dead,
        (System.nanoTime() - killedAt) / 1_000_000_000);
    cluster.startScoring(dead, START);
    LocalCluster.awaitHttp("http://localhost:" + cluster.scoringPort(dead) + "/ready", START, true);
    awaitScored(cluster, List.of(0, 1), 200);
  }

  /** Lost and duplicated counts of a committed output against events ev-0 .. ev-(total-1). */
  record Report(long lost, long duplicated) {
    static Report of(List<ConsumerRecord<String, Prediction>> records, long total) {
      Map<String, Long> counts =
          records.stream()
              .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
      long lost = 0;
      for (long n = 0; n < total; n++) {
        lost += counts.containsKey("ev-" + n) ? 0 : 1;
      }
      long dup = counts.values().stream().filter(c -> c > 1).mapToLong(c -> c - 1).sum();
      return new Report(lost, dup);
    }
  }

  static String health(LocalCluster c, int i) {
    return "http://localhost:" + c.scoringPort(i) + "/health";
  }

  /** Waits until the given instances together scored {@code more} events beyond now. */
  static void awaitScored(LocalCluster cluster, List<Integer> instances, long more) {
    double start = scored(cluster, instances);
    await()
        .atMost(START)
        .pollInterval(Duration.ofMillis(500))
        .until(() -> scored(cluster, instances) >= start + more);
  }

  static double scored(LocalCluster cluster, List<Integer> instances) {
    double sum = 0;
    for (int i : instances) {
      var r = LocalCluster.get("http://localhost:" + cluster.scoringPort(i) + "/metrics");
      if (r.statusCode() == 200) {
        sum += ClusterFixtures.metric(r.body(), "loopline_scoring_events_total");
      }
    }
    return sum;
  }

  static void assertReplicated(LooplineConfig config, String topic) throws Exception {
    try (Admin admin = Admin.create(config.kafkaClientProps())) {
      TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
      assertThat(d.partitions()).allSatisfy(p -> assertThat(p.replicas()).hasSize(3));
      ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
      String minIsr =
          admin
              .describeConfigs(List.of(broker))
              .all()
              .get()
              .get(broker)
              .get("min.insync.replicas")
              .value();
      assertThat(minIsr).isEqualTo("2");
    }
  }

  static String childClasspath() throws java.io.IOException {
    return System.getProperty("loopline.deploy.classes")
        + java.io.File.pathSeparator
        + Files.readString(Path.of(System.getProperty("loopline.deploy.classpath.file"))).trim();
  }

  static List<String> forwardedJvmOptions() {
    List<String> out = new ArrayList<>();
    for (String p :
        List.of(
            "loopline.natives.dir",
            "ai.djl.offline",
            "OPT_OUT_TRACKING",
            "org.bytedeco.javacpp.pathsFirst")) {
      if (System.getProperty(p) != null) {
        out.add("-D" + p + "=" + System.getProperty(p));
      }
    }
    return out;
  }
}
