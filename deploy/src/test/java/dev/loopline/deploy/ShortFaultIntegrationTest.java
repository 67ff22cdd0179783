package dev.loopline.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopline.avro.Event;
import dev.loopline.avro.Prediction;
import dev.loopline.config.LooplineConfig;
import dev.loopline.topics.TopicAdmin;
import dev.loopline.topics.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The short fault suite on the local multi-process cluster (CI): three KRaft brokers (RF 3, min ISR
 * 2), the registry and two scoring instances, each its own JVM, serving a real trained model. Under
 * a steady event load it kills one scoring instance with SIGKILL (the other takes over its
 * partitions), restarts it, then SIGKILLs a broker and brings it back. A read_committed consumer
 * must then see exactly one prediction per event, and exactly one route.
 */
@Tag("integration")
class ShortFaultIntegrationTest {

  private static final Logger LOG = LoggerFactory.getLogger(ShortFaultIntegrationTest.class);
  private static final Duration START = Duration.ofMinutes(3);

  @TempDir Path dir;

  @Test
  void scoringKillAndBrokerKillLoseAndDuplicateNothing() throws Exception {
    long t0 = System.nanoTime();
    Map<String, String> settings = new HashMap<>();
    settings.put("topic.partitions", "4");
    settings.put("scoring.application.id", "fault-short");
    settings.put("scoring.streams.commit.interval.ms", "500");
    // A killed instance's open transaction is aborted within seconds, so read_committed readers
    // (and the surviving instance taking over its partitions) are not held for long.
    settings.put("scoring.streams.producer.transaction.timeout.ms", "5000");
    settings.put("scoring.streams.consumer.session.timeout.ms", "6000");
    settings.put("scoring.streams.consumer.heartbeat.interval.ms", "1500");
    try (LocalCluster cluster =
        LocalCluster.prepare(
            new LocalCluster.Options(
                dir.resolve("run"),
                childClasspath(),
                3,
                2,
                0,
                0,
                Map.of(),
                settings,
                forwardedJvmOptions()))) {
      cluster.startBrokers(START);
      cluster.startRegistry(START);
      LooplineConfig config = cluster.config();
      Topics topics = Topics.from(config);
      TopicAdmin.ensureTopics(
          config.kafkaClientProps(), topics.core(), (short) 3, Duration.ofSeconds(60));
      assertReplicated(config, topics.events());

      ClusterFixtures.StoredModel v1 =
          ClusterFixtures.train(dir.resolve("run/models"), dir.resolve("scratch"), 1);
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

        // Fault 1: kill -9 a scoring instance; the other takes over its partitions.
        cluster.kill("scoring-0");
        awaitScored(cluster, List.of(1), 300);
        cluster.startScoring(0, START);
        LocalCluster.awaitHttp(
            "http://localhost:" + cluster.scoringPort(0) + "/ready", START, true);
        awaitScored(cluster, List.of(0, 1), 200);

        // Fault 2: kill -9 a broker (RF 3, min ISR 2: writes go on) and bring it back.
        cluster.kill("broker-2");
        awaitScored(cluster, List.of(0, 1), 300);
        cluster.startBroker(2);
        cluster.awaitBrokers(3, START);
        awaitScored(cluster, List.of(0, 1), 200);
      } finally {
        load.shutdown();
        assertThat(load.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        producer.flush();
        producer.close();
      }
      total = produced.get();
      assertThat(failed.get()).as("events the brokers did not acknowledge").isZero();
      LOG.info("produced {} events with 2 faults injected", total);

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
          "RESULT short fault suite: faults=2 (kill -9 scoring-0, kill -9 broker-2) events={}"
              + " predictions lost={} duplicated={}; routes lost={} duplicated={}; {} s",
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
    }
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

  private static String health(LocalCluster c, int i) {
    return "http://localhost:" + c.scoringPort(i) + "/health";
  }

  /** Waits until the given instances together scored {@code more} events beyond now. */
  private static void awaitScored(LocalCluster cluster, List<Integer> instances, long more) {
    double start = scored(cluster, instances);
    await()
        .atMost(START)
        .pollInterval(Duration.ofMillis(500))
        .until(() -> scored(cluster, instances) >= start + more);
  }

  private static double scored(LocalCluster cluster, List<Integer> instances) {
    double sum = 0;
    for (int i : instances) {
      var r = LocalCluster.get("http://localhost:" + cluster.scoringPort(i) + "/metrics");
      if (r.statusCode() == 200) {
        sum += ClusterFixtures.metric(r.body(), "loopline_scoring_events_total");
      }
    }
    return sum;
  }

  private static void assertReplicated(LooplineConfig config, String topic) throws Exception {
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
