package dev.loopline.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.loopline.avro.Event;
import dev.loopline.avro.LabelProbability;
import dev.loopline.avro.LabelSource;
import dev.loopline.avro.LabeledExample;
import dev.loopline.avro.Lineage;
import dev.loopline.avro.ModelVersion;
import dev.loopline.avro.PartitionOffset;
import dev.loopline.avro.Prediction;
import dev.loopline.avro.Verdict;
import dev.loopline.backtest.BacktestProgress;
import dev.loopline.backtest.BacktestReport;
import dev.loopline.backtest.BacktestService;
import dev.loopline.config.LooplineConfig;
import dev.loopline.embedded.EmbeddedPlatform;
import dev.loopline.launcher.sim.GeneratedTicket;
import dev.loopline.launcher.sim.TicketGenerator;
import dev.loopline.model.artifact.ModelMetadata;
import dev.loopline.model.features.Featurizer;
import dev.loopline.model.features.FeaturizerSpec;
import dev.loopline.model.features.SparseVector;
import dev.loopline.model.store.ModelStores;
import dev.loopline.model.train.ArtifactPackager;
import dev.loopline.model.train.TrainedModel;
import dev.loopline.model.train.Trainer;
import dev.loopline.model.train.TrainerConfig;
import dev.loopline.retrain.RetrainService;
import dev.loopline.retrain.registry.ModelRegistryReader;
import dev.loopline.serde.AvroSerdes;
import dev.loopline.topics.Topics;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Backtest replay throughput: events/s for N synthetic tickets (default 1,000,000; 10% labelled on
 * {@code feedback}) on an embedded broker, replayed by {@code BacktestService} on the local Flink
 * MiniCluster (parallelism 2) through one and then two model versions (the default featurizer and
 * model, trained here on 5,000 tickets). The time is the whole run as the CLI sees it: resolving
 * and verifying versions, finding offsets, reading forgotten, the job (replay, featurize, score,
 * join) and the report. Target: at least 50,000 events/s per version on a 2-core machine. Also
 * printed: the process CPU time per replayed event (what the rate would be on 2 otherwise idle
 * cores) and the load average around each run, since a shared machine's wall times are noise.
 *
 * <p>With {@code served} as the second argument, every event also gets a served prediction on
 * {@code predictions} (what production would have written), so the replay joins them by key too.
 *
 * <p>Run: {@code java -Xmx3g -XX:MaxDirectMemorySize=512m -cp <classpath>
 * dev.loopline.bench.BacktestBenchmark [events] [served]}.
 */
public final class BacktestBenchmark {

  private static final String NAME = "bench";

  private BacktestBenchmark() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    boolean served = args.length > 1 && "served".equals(args[1]);
    Path dir = Files.createTempDirectory("backtest-bench-");
    try (EmbeddedPlatform platform = EmbeddedPlatform.start(EmbeddedPlatform.Options.forTests())) {
      LooplineConfig config =
          platform
              .config()
              .with(
                  Map.of(
                      "model.store.uri", dir.resolve("store").toUri().toString(),
                      "backtest.work.dir", dir.resolve("work").toString()));
      Topics topics = Topics.from(config);
      // Recent event times (10 per second, ending about now): the topic's time-based retention
      // (7 days) would otherwise delete the history before it is replayed.
      TicketGenerator.Settings settings =
          TicketGenerator.Settings.defaults(7L)
              .withStart(Instant.now().minus(Duration.ofMillis(100L * n + 3_600_000L)))
              .withMeanGap(Duration.ofMillis(100));
      List<String> labels = TicketGenerator.DEFAULT_LABELS;

      long t0 = System.nanoTime();
      Instant[] range = produce(config, topics, new TicketGenerator(settings), n, served);
      double produceSeconds = (System.nanoTime() - t0) / 1e9;
      Map<Integer, Long> feedbackEnd = ModelRegistryReader.endOffsets(config, topics.feedback());
      Map<Integer, Long> eventsEnd = ModelRegistryReader.endOffsets(config, topics.events());
      long stored = eventsEnd.values().stream().mapToLong(Long::longValue).sum();
      if (stored != n) {
        throw new IllegalStateException(
            "expected " + n + " events on " + topics.events() + ", found " + eventsEnd);
      }

      FeaturizerSpec spec = FeaturizerSpec.defaults();
      Featurizer featurizer = new Featurizer(spec);
      List<GeneratedTicket> train =
          new TicketGenerator(TicketGenerator.Settings.defaults(99L)).take(5000);
      List<SparseVector> x = new ArrayList<>();
      int[] y = new int[train.size()];
      for (int i = 0; i < y.length; i++) {
        GeneratedTicket t = train.get(i);
        x.add(featurizer.featurize(t.event().getText(), t.event().getAttributes()));
        y[i] = labels.indexOf(t.label());
      }
      for (int v = 1; v <= 2; v++) {
        publish(config, topics, v, labels, spec, x, y, feedbackEnd, train.get(0));
      }

      // The serving featurizer alone, one thread, on the replayed kind of ticket: the job's floor.
      List<GeneratedTicket> sample =
          new TicketGenerator(TicketGenerator.Settings.defaults(5L)).take(20_000);
      for (int round = 0; round < 3; round++) { // JIT warm-up (C2 needs more than a few thousand)
        for (GeneratedTicket t : sample) {
          featurizer.featurize(t.event().getText(), t.event().getAttributes());
        }
      }
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      long c0 = threads.getCurrentThreadCpuTime();
      t0 = System.nanoTime();
      long nnz = 0;
      for (GeneratedTicket t : sample) {
        nnz += featurizer.featurize(t.event().getText(), t.event().getAttributes()).size();
      }
      double featurizeRate = sample.size() / ((System.nanoTime() - t0) / 1e9);
      double featurizeCpuUs = (threads.getCurrentThreadCpuTime() - c0) / 1e3 / sample.size();

      OperatingSystemMXBean os =
          (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      BacktestService service = new BacktestService(RetrainService::defaultEnvironment);
      List<String> lines = new ArrayList<>();
      // A first, unreported replay warms up the JIT (Flink, Avro, Kafka client, featurizer):
      // without
      // it the first measured run pays the compilation and reads slower than the second.
      List<List<String>> runs =
          List.of(List.of(NAME + ":1"), List.of(NAME + ":1"), List.of(NAME + ":1", NAME + ":2"));
      boolean warmUp = true;
      for (List<String> models : runs) {
        BacktestService.Request req =
            new BacktestService.Request(range[0], range[1], models, Map.of(), "channel", false);
        double load0 = os.getSystemLoadAverage();
        long cpu0 = os.getProcessCpuTime();
        t0 = System.nanoTime();
        Phases phases = Phases.watch(t0);
        BacktestReport r;
        try {
          r = service.run(config, req);
        } finally {
          phases.stop();
        }
        long t1 = System.nanoTime();
        double s = (t1 - t0) / 1e9;
        double cpuUs = (os.getProcessCpuTime() - cpu0) / 1e3 / r.eventsReplayed();
        if (warmUp) {
          warmUp = false;
          lines.add(String.format(Locale.ROOT, "warm-up replay (not measured): %.1f s", s));
          continue;
        }
        lines.add(
            String.format(
                Locale.ROOT,
                "%d version(s): %,d events in %.1f s = %,.0f events/s (%,.0f version-scorings/s);"
                    + " process CPU %.1f us/event (2 idle cores at that cost: %,.0f events/s);"
                    + " load %.1f -> %.1f; %,d labelled, %s trained-on excluded, %s served",
                models.size(),
                r.eventsReplayed(),
                s,
                r.eventsReplayed() / s,
                r.eventsReplayed() * models.size() / s,
                cpuUs,
                2e6 / cpuUs,
                load0,
                os.getSystemLoadAverage(),
                r.labelled(),
                r.versions().stream().map(v -> Long.toString(v.trainedOn())).toList(),
                r.served() == null
                    ? "none"
                    : String.format(Locale.ROOT, "%,d", r.served().events())));
        lines.add("    " + phases.describe(t1, models.size()));
      }
      System.out.printf(
          Locale.ROOT,
          "%nBacktest benchmark, %,d events%s (produced in %.1f s), %d cores, max heap %d MiB, JDK"
              + " %s; featurizer 2^%d, Flink local parallelism 2, batch 256%n",
          n,
          served ? " each with a served prediction" : "",
          produceSeconds,
          Runtime.getRuntime().availableProcessors(),
          Runtime.getRuntime().maxMemory() >> 20,
          System.getProperty("java.version"),
          spec.hashBits());
      System.out.printf(
          Locale.ROOT,
          "featurize alone, one thread: %,.0f events/s, thread CPU %.1f us/event (%.0f"
              + " non-zeros/event)%n",
          featurizeRate,
          featurizeCpuUs,
          nnz / (double) sample.size());
      lines.forEach(System.out::println);
    }
  }

  /**
   * Where a run's wall time goes, from {@link BacktestProgress#scored()} sampled every 10 ms:
   * before the first scored batch (versions resolved and verified, offsets, forgotten, the
   * MiniCluster and job start, artifacts loaded by the tasks, labels read), while batches are
   * scored, and after the last one (the job's end, the report). The rate while scoring is the
   * replay's steady rate, which a longer range approaches; the whole run's rate is what the CLI
   * shows for this range.
   */
  private static final class Phases {
    private final long start;
    private final long base = BacktestProgress.scored();
    private volatile long first = -1;
    private volatile long last = -1;
    private volatile long firstCount;
    private volatile long lastCount;
    private volatile boolean running = true;
    private final Thread thread;

    private Phases(long start) {
      this.start = start;
      this.thread = new Thread(this::sample, "backtest-bench-phases");
      this.thread.setDaemon(true);
    }

    static Phases watch(long start) {
      Phases p = new Phases(start);
      p.thread.start();
      return p;
    }

    private void sample() {
      long seen = 0;
      while (running) {
        long now = System.nanoTime();
        long done = BacktestProgress.scored() - base;
        if (done != seen) {
          if (first < 0) {
            first = now;
            firstCount = done;
          }
          last = now;
          lastCount = done;
          seen = done;
        }
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    void stop() throws InterruptedException {
      running = false;
      thread.join();
    }

    String describe(long end, int versions) {
      if (first < 0 || last <= first) {
        return "phases: no scoring progress seen (the job ran outside this JVM?)";
      }
      double scoring = (last - first) / 1e9;
      double rate = (lastCount - firstCount) / scoring;
      return String.format(
          Locale.ROOT,
          "phases: %.1f s before the first scored batch, %.1f s scoring (%,.0f events/s,"
              + " %,.0f version-scorings/s), %.1f s after the last batch",
          (first - start) / 1e9,
          scoring,
          rate,
          rate * versions,
          (end - last) / 1e9);
    }
  }

  /**
   * Produces {@code n} events (record timestamp = occurredAt) and labels every tenth on feedback.
   */
  private static Instant[] produce(
      LooplineConfig config, Topics topics, TicketGenerator gen, int n, boolean served) {
    Map<String, Object> props = new HashMap<>(config.kafkaClientProps());
    props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    Instant first = Instant.MAX;
    Instant last = Instant.MIN;
    try (KafkaProducer<String, Event> events = producer(config, props, Event.class);
        KafkaProducer<String, LabeledExample> feedback =
            producer(config, props, LabeledExample.class);
        KafkaProducer<String, Prediction> predictions = producer(config, props, Prediction.class)) {
      List<String> labels = TicketGenerator.DEFAULT_LABELS;
      for (int i = 0; i < n; i++) {
        GeneratedTicket t = gen.next();
        Event e = t.event();
        first = e.getOccurredAt().isBefore(first) ? e.getOccurredAt() : first;
        last = e.getOccurredAt().isAfter(last) ? e.getOccurredAt() : last;
        events.send(
            new ProducerRecord<>(
                topics.events(), null, e.getOccurredAt().toEpochMilli(), e.getId(), e));
        if (served) {
          List<LabelProbability> probs = new ArrayList<>();
          for (String l : labels) {
            probs.add(new LabelProbability(l, l.equals(t.label()) ? 0.9 : 0.1 / labels.size()));
          }
          predictions.send(
              new ProducerRecord<>(
                  topics.predictions(),
                  null,
                  e.getOccurredAt().toEpochMilli(), // stamped as the scoring app stamps it
                  e.getId(),
                  Prediction.newBuilder()
                      .setEventId(e.getId())
                      .setModelName(NAME)
                      .setModelVersion(1)
                      .setProbabilities(probs)
                      .setTopLabel(t.label())
                      .setTopProbability(0.9)
                      .setDecision(i % 3 == 0 ? "TRIAGE" : "AUTO_ROUTE")
                      .setRoute("triage")
                      .setOccurredAt(e.getOccurredAt())
                      .setScoredAt(e.getOccurredAt().plusMillis(5))
                      .build()));
        }
        if (i % 10 == 0) {
          feedback.send(
              new ProducerRecord<>(
                  topics.feedback(),
                  e.getId(),
                  LabeledExample.newBuilder()
                      .setEventId(e.getId())
                      .setText(e.getText())
                      .setAttributes(e.getAttributes())
                      .setOccurredAt(e.getOccurredAt())
                      .setLabel(t.label())
                      .setSource(LabelSource.TRIAGE)
                      .setLabeledBy("bench")
                      .setLabeledAt(e.getOccurredAt().plus(Duration.ofMinutes(5)))
                      .build()));
        }
      }
      events.flush();
      feedback.flush();
      predictions.flush();
    }
    return new Instant[] {first, last.plusMillis(1)};
  }

  private static <T extends SpecificRecord> KafkaProducer<String, T> producer(
      LooplineConfig config, Map<String, Object> props, Class<T> type) {
    return new KafkaProducer<>(
        props,
        new StringSerializer(),
        AvroSerdes.specific(type, config.registryClientProps(), false).serializer());
  }

  /** Trains, stores and records version {@code v} (lineage: half of feedback trained on). */
  private static void publish(
      LooplineConfig config,
      Topics topics,
      int v,
      List<String> labels,
      FeaturizerSpec spec,
      List<SparseVector> x,
      int[] y,
      Map<Integer, Long> feedbackEnd,
      GeneratedTicket canary)
      throws Exception {
    Path dir = Path.of(config.get("backtest.work.dir")).resolve("train-" + v);
    Path zip = dir.resolve("bench-" + v + ".zip");
    String sha;
    TrainerConfig tc = TrainerConfig.defaults().withEpochs(2, 1).withSeed(v).withDevice("cpu");
    try (TrainedModel m =
        new Trainer().train(labels, spec, x, y, List.of(), new int[0], tc, null, null)) {
      ModelMetadata md =
          ArtifactPackager.metadata(
              m,
              spec,
              NAME,
              v,
              Instant.now(),
              v == 1 ? null : v - 1,
              x.size(),
              null,
              null,
              Map.of());
      sha =
          ArtifactPackager.write(
              m,
              md,
              List.of(
                  new ArtifactPackager.CanaryInput(
                      canary.event().getText(), canary.event().getAttributes())),
              zip);
    }
    URI uri = ModelStores.forUri(config.get("model.store.uri")).put(NAME, v, zip);
    List<PartitionOffset> offsets = new ArrayList<>();
    feedbackEnd.forEach((p, o) -> offsets.add(new PartitionOffset(p, o / 2)));
    ModelVersion mv =
        ModelVersion.newBuilder()
            .setName(NAME)
            .setVersion(v)
            .setArtifactUri(uri.toString())
            .setSha256(sha)
            .setCreatedAt(Instant.now())
            .setLabels(labels)
            .setFeaturizerFingerprint(new Featurizer(spec).fingerprint())
            .setVerdict(Verdict.CANDIDATE)
            .setLineage(
                Lineage.newBuilder()
                    .setFeedbackTopic(topics.feedback())
                    .setFeedbackOffsets(offsets)
                    .setSplitSeed(42L)
                    .setHoldoutFraction(0.2)
                    .setParentVersion(v == 1 ? null : v - 1)
                    .setParentChain(v == 1 ? List.of() : List.of(v - 1))
                    .build())
            .build();
    Map<String, Object> props = new HashMap<>(config.kafkaClientProps());
    try (KafkaProducer<String, ModelVersion> p = producer(config, props, ModelVersion.class)) {
      p.send(new ProducerRecord<>(topics.modelVersions(), NAME + ":" + v, mv)).get();
    }
  }
}
