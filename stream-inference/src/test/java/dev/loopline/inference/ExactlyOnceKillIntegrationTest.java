package dev.loopline.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopline.avro.Event;
import dev.loopline.avro.Prediction;
import dev.loopline.config.LooplineConfig;
import dev.loopline.embedded.EmbeddedPlatform;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly-once across crashes: the app runs as its own JVM and is killed with SIGKILL five times
 * while a micro-batch is pending (a batch wait of 10 minutes, so only the commit path empties the
 * buffer), then restarted. Kills 2 and 4 hit an instance with batches of 4, so that batches also
 * sit on the model thread or wait there to be written when it dies. A read_committed consumer must
 * see exactly one prediction per event in {@code predictions} and exactly one in triage or a routed
 * topic.
 */
@Tag("integration")
class ExactlyOnceKillIntegrationTest {

  private static final Logger LOG = LoggerFactory.getLogger(ExactlyOnceKillIntegrationTest.class);
  private static final Pattern PORT = Pattern.compile("HTTP endpoint on port (\\d+)");
  private static final int KILLS = 5;

  @TempDir Path dir;

  @Test
  void everyEventGetsExactlyOnePredictionAndOneRouteAcrossKillMinus9() throws Exception {
    EmbeddedPlatform platform = EmbeddedPlatform.shared();
    Map<String, String> settings = new HashMap<>();
    settings.put("topic.events", "eos.events");
    settings.put("topic.predictions", "eos.predictions");
    settings.put("topic.triage", "eos.triage");
    settings.put("topic.routed.prefix", "eos.routed.");
    settings.put("topic.shadow", "eos.predictions.shadow");
    settings.put("topic.model.deployments", "eos.model-deployments");
    settings.put("topic.partitions", "2");
    settings.put("scoring.application.id", "eos-kill-test");
    settings.put("scoring.batch.max.size", "1000000");
    settings.put("scoring.batch.max.wait.ms", "600000");
    settings.put("scoring.streams.commit.interval.ms", "500");
    // A killed instance's open transaction is aborted, and its group membership expires, within
    // seconds, so each restart resumes quickly (the embedded broker checks every second).
    settings.put("scoring.streams.producer.transaction.timeout.ms", "5000");
    settings.put("scoring.streams.consumer.session.timeout.ms", "6000");
    settings.put("scoring.streams.consumer.heartbeat.interval.ms", "1500");
    settings.put("scoring.http.port", "0");
    settings.put("scoring.work.dir", dir.resolve("work").toString());
    settings.put("scoring.state.dir", dir.resolve("state").toString());
    LooplineConfig config = platform.config().with(settings);
    // The children's logs stay in the build directory for diagnosis.
    Path logs = Files.createDirectories(Path.of("target", "kill-test-logs"));
    Path configFile = dir.resolve("scoring.properties");
    Properties props = new Properties();
    props.putAll(config.asMap());
    try (Writer w = Files.newBufferedWriter(configFile)) {
      props.store(w, "kill test");
    }
    Path smallBatches = dir.resolve("scoring-small-batches.properties");
    props.put("scoring.batch.max.size", "4");
    try (Writer w = Files.newBufferedWriter(smallBatches)) {
      props.store(w, "kill test, batches of 4");
    }

    TestModels.StoredModel v1 = TestModels.train(dir.resolve("store"), 1, false);
    // The app creates its topics on start; the deployment topic must exist for the deploy.
    dev.loopline.topics.TopicAdmin.ensureTopics(
        config.kafkaClientProps(),
        dev.loopline.topics.Topics.from(config).core(),
        (short) 1,
        Duration.ofSeconds(30));
    Kafka.deploy(config, "eos.model-deployments", v1, null);

    // A steady load of 100 events/s from a background producer for the whole test: enough for
    // pending batches at every kill, small enough that the backlog after each restart is short.
    AtomicLong produced = new AtomicLong();
    KafkaProducer<String, Event> eventProducer = Kafka.eventProducer(config);
    ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
    load.scheduleAtFixedRate(
        () -> {
          for (int i = 0; i < 5; i++) {
            eventProducer.send(Kafka.eventRecord("eos.events", produced.getAndIncrement()));
          }
          eventProducer.flush();
        },
        0,
        50,
        TimeUnit.MILLISECONDS);

    List<Long> pendingAtKill = new ArrayList<>();
    try {
      for (int k = 0; k < KILLS; k++) {
        boolean small = k % 2 == 1;
        Child child =
            Child.start(small ? smallBatches : configFile, logs.resolve("child-" + k + ".log"));
        try {
          String base = "http://127.0.0.1:" + child.awaitPort() + "/metrics";
          // Kill only after this instance committed at least once (progress), and while its
          // buffer holds events (the batch wait never fires; only commits flush).
          long[] pending = new long[1];
          await()
              .atMost(Duration.ofSeconds(90))
              .pollInterval(Duration.ofMillis(50))
              .until(
                  () -> {
                    var r = Kafka.get(base);
                    if (r == null || r.statusCode() != 200) {
                      return false;
                    }
                    double commits =
                        Kafka.metric(r.body(), "loopline_scoring_flushes_total{reason=\"commit\"");
                    pending[0] = (long) Kafka.metric(r.body(), "loopline_scoring_batch_pending");
                    return commits >= 1 && pending[0] >= 5;
                  });
          child.kill();
          pendingAtKill.add(pending[0]);
          LOG.info(
              "kill -9 #{}: {} events were pending in the batch buffer{}",
              k + 1,
              pending[0],
              small ? " or on the model thread (batches of 4)" : "");
        } finally {
          child.kill();
        }
      }
      load.shutdown();
      assertThat(load.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
      eventProducer.close();
      long total = produced.get();
      LOG.info("produced {} events; restarting the app to finish", total);

      Child last = Child.start(configFile, logs.resolve("child-final.log"));
      try {
        String base = "http://127.0.0.1:" + last.awaitPort();
        await()
            .atMost(Duration.ofSeconds(120))
            .pollInterval(Duration.ofSeconds(1))
            .until(
                () -> {
                  int seen =
                      Kafka.readCommitted(config, Pattern.compile("eos\\.predictions")).size();
                  var r = Kafka.get(base + "/metrics");
                  LOG.info(
                      "{} of {} predictions committed; final instance scored {}, {} pending",
                      seen,
                      total,
                      r == null ? -1 : Kafka.metric(r.body(), "loopline_scoring_events_total"),
                      r == null ? -1 : Kafka.metric(r.body(), "loopline_scoring_batch_pending"));
                  return seen >= total;
                });
        var metrics = Kafka.get(base + "/metrics");
        double batches = Kafka.metric(metrics.body(), "loopline_scoring_batch_size_count");
        double events = Kafka.metric(metrics.body(), "loopline_scoring_batch_size_sum");
        LOG.info(
            "final instance: {} events in {} batches, mean batch size {}",
            events,
            batches,
            events / batches);
        assertThat(events / batches).isGreaterThan(10);
        assertThat(Kafka.get(base + "/ready").statusCode()).isEqualTo(200);
      } finally {
        last.stop();
      }

      List<ConsumerRecord<String, Prediction>> predictions =
          Kafka.readCommitted(config, Pattern.compile("eos\\.predictions"));
      List<ConsumerRecord<String, Prediction>> routes =
          Kafka.readCommitted(config, Pattern.compile("eos\\.triage|eos\\.routed\\..*"));
      assertThat(pendingAtKill).hasSize(KILLS).allSatisfy(n -> assertThat(n).isPositive());
      assertExactlyOncePerEvent(predictions, total);
      assertExactlyOncePerEvent(routes, total);
      assertThat(routes.stream().map(ConsumerRecord::topic).distinct())
          .contains("eos.triage")
          .anyMatch(t -> t.startsWith("eos.routed."));
    } finally {
      load.shutdownNow();
    }
  }

  private static void assertExactlyOncePerEvent(
      List<ConsumerRecord<String, Prediction>> records, long total) {
    Map<String, Long> counts =
        records.stream().collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
    assertThat(counts).hasSize((int) total);
    assertThat(counts.values()).allMatch(c -> c == 1L);
    for (long n = 0; n < total; n++) {
      assertThat(counts).containsKey("ev-" + n);
    }
  }

  /** The scoring app as a separate JVM on the test class path. */
  static final class Child {
    private final Process process;
    private final CompletableFuture<Integer> port = new CompletableFuture<>();

    private Child(Process process, Path log) {
      this.process = process;
      Thread pump =
          new Thread(
              () -> {
                try (BufferedReader r =
                        new BufferedReader(
                            new InputStreamReader(
                                process.getInputStream(), StandardCharsets.UTF_8));
                    Writer w = Files.newBufferedWriter(log)) {
                  String line;
                  while ((line = r.readLine()) != null) {
                    w.write(line);
                    w.write('\n');
                    w.flush();
                    Matcher m = PORT.matcher(line);
                    if (m.find()) {
                      port.complete(Integer.parseInt(m.group(1)));
                    }
                  }
                } catch (IOException e) {
                  port.completeExceptionally(e);
                }
              },
              "child-output");
      pump.setDaemon(true);
      pump.start();
    }

    private static String classpath;

    /**
     * The test class path, with SNAPSHOT jars copied once to a private directory: on a shared
     * development machine a sibling module may re-install its jar in ~/.m2 between two restarts.
     */
    static synchronized String classpath(Path dir) throws IOException {
      if (classpath == null) {
        List<String> entries = new ArrayList<>();
        entries.add(System.getProperty("loopline.test.classes"));
        Path libs = Files.createDirectories(dir.resolve("snapshot-libs"));
        String file =
            Files.readString(Path.of(System.getProperty("loopline.test.classpath.file"))).trim();
        for (String entry : file.split(java.io.File.pathSeparator)) {
          Path p = Path.of(entry);
          if (entry.endsWith("-SNAPSHOT.jar") && Files.isRegularFile(p)) {
            Path copy = libs.resolve(p.getFileName());
            Files.copy(p, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            entries.add(copy.toString());
          } else {
            entries.add(entry);
          }
        }
        classpath = String.join(java.io.File.pathSeparator, entries);
      }
      return classpath;
    }

    static Child start(Path configFile, Path log) throws IOException {
      String cp = classpath(configFile.getParent());
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.add("-Xmx256m");
      cmd.add("-XX:MaxDirectMemorySize=128m");
      cmd.add("-XX:+UseSerialGC");
      cmd.add("-XX:TieredStopAtLevel=1"); // faster start-up; this test measures no throughput
      for (String p :
          List.of(
              "loopline.natives.dir",
              "ai.djl.offline",
              "OPT_OUT_TRACKING",
              "org.bytedeco.javacpp.pathsFirst")) {
        if (System.getProperty(p) != null) {
          cmd.add("-D" + p + "=" + System.getProperty(p));
        }
      }
      cmd.add("-cp");
      cmd.add(cp);
      cmd.add(ScoreCommand.class.getName());
      cmd.add("--config");
      cmd.add(configFile.toString());
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      return new Child(p, log);
    }

    int awaitPort() throws Exception {
      return port.get(90, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** SIGKILL: no shutdown hook, no commit, no flush. */
    void kill() throws InterruptedException {
      if (process.isAlive()) {
        process.destroyForcibly();
        process.waitFor();
      }
    }

    /** SIGTERM: a clean close. */
    void stop() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor();
      }
    }
  }
}
