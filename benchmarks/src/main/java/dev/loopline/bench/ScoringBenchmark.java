package dev.loopline.bench;

import dev.loopline.avro.ActorType;
import dev.loopline.avro.Deployment;
import dev.loopline.avro.DeploymentAction;
import dev.loopline.avro.Event;
import dev.loopline.avro.Prediction;
import dev.loopline.config.LooplineConfig;
import dev.loopline.embedded.EmbeddedPlatform;
import dev.loopline.inference.ScoringApp;
import dev.loopline.inference.ScoringSettings;
import dev.loopline.inference.model.ServingModel;
import dev.loopline.launcher.sim.GeneratedTicket;
import dev.loopline.launcher.sim.TicketGenerator;
import dev.loopline.model.artifact.ModelMetadata;
import dev.loopline.model.features.Featurizer;
import dev.loopline.model.features.FeaturizerSpec;
import dev.loopline.model.features.SparseVector;
import dev.loopline.model.scoring.ModelLoader;
import dev.loopline.model.scoring.Scorer;
import dev.loopline.model.store.FileModelStore;
import dev.loopline.model.train.ArtifactPackager;
import dev.loopline.model.train.TrainedModel;
import dev.loopline.model.train.Trainer;
import dev.loopline.model.train.TrainerConfig;
import dev.loopline.serde.AvroSerdes;
import dev.loopline.topics.TopicAdmin;
import dev.loopline.topics.TopicSpec;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The scoring app against its ceilings, in one run, on the synthetic ticket corpus and one embedded
 * broker:
 *
 * <ul>
 *   <li><b>pass-through</b>: a plain Kafka Streams EOS v2 app (one thread, bytes in, bytes out),
 *       the Kafka ceiling on this machine;
 *   <li><b>scoring</b>: {@link ScoringApp} (EOS v2, one stream thread and one model thread, default
 *       batch settings) on the same topic with the default model (logistic regression on the
 *       default featurizer spec, trained here on the corpus);
 *   <li><b>in-process</b>: featurize + predict in batches of 256 with the same model, no Kafka, on
 *       as many threads as the app's model threads (its stream threads with {@code
 *       scoring.model.threads=0}), measured before the Kafka phases and again after the scoring and
 *       latency phases, so that the machine's drift in speed shows.
 * </ul>
 *
 * Then, at a fixed offered load, the event-to-prediction latency (read_committed consumer receive
 * time minus the event's occurredAt, which the producer sets to the send time): steady state, and
 * during a hot swap to a second version. RSS is the whole process (broker, registry, app). With
 * {@code --rounds N}, N - 1 more scoring runs follow, each bracketed by in-process runs, and the
 * table gives every round's scoring / in-process ratio and their median.
 */
@Command(
    name = "scoring-benchmark",
    mixinStandardHelpOptions = true,
    description = "Scoring app vs Kafka Streams pass-through vs in-process scoring.")
public final class ScoringBenchmark implements Callable<Integer> {

  @Option(names = "--records", defaultValue = "100000", description = "Events per throughput run.")
  int records;

  @Option(names = "--train", defaultValue = "20000", description = "Tickets to train on.")
  int trainExamples;

  @Option(names = "--partitions", defaultValue = "4", description = "Partitions per topic.")
  int partitions;

  @Option(
      names = "--rate",
      defaultValue = "0",
      description = "Offered load (events/s) for latency; 0 = 30%% of the measured scoring rate.")
  int rate;

  @Option(
      names = "--channel-shares",
      split = ",",
      defaultValue = "35,32,33",
      description =
          "Shares of chat lines, web forms and e-mails in the corpus and the training tickets"
              + " (the generator's default 35,32,33 gives a median text of ~100 chars, 10,30,60"
              + " ~150).")
  List<Double> channelShares;

  @Option(
      names = "--warmup-rounds",
      defaultValue = "2",
      description =
          "Full warm-up runs over the topic before each measured Kafka phase (JIT steady state).")
  int warmupRounds;

  @Option(
      names = "--rounds",
      defaultValue = "1",
      description =
          "Bracketed scoring / in-process rounds: after the latency phases, rounds - 1 more"
              + " scoring runs (v1 deployed again, fresh application ids), each followed by an"
              + " in-process run; the table adds every round's ratio and their median.")
  int rounds;

  @Option(
      names = "--latency-seconds",
      defaultValue = "20",
      description = "Length of each latency phase.")
  int latencySeconds;

  @Option(
      names = "--set",
      description =
          "Config override key=value (repeatable), applied to the scoring app and, for the Streams"
              + " settings (scoring.threads, scoring.processing.guarantee, scoring.streams.*), to"
              + " the pass-through as well.")
  Map<String, String> overrides = new HashMap<>();

  private static final String EVENTS = "bench.events";

  @Override
  public Integer call() throws Exception {
    if (channelShares.size() != 3) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "--channel-shares takes three numbers: chat,web,email");
    }
    if (rounds < 1) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "--rounds must be at least 1");
    }
    tickets(0); // rejects negative or all-zero shares before anything starts
    Path tmp = Files.createTempDirectory("loopline-scoring-bench");
    try (EmbeddedPlatform platform = EmbeddedPlatform.start(EmbeddedPlatform.Options.forTests())) {
      Map<String, String> settings = new HashMap<>();
      settings.put("topic.events", EVENTS);
      settings.put("topic.predictions", "bench.predictions");
      settings.put("topic.triage", "bench.triage");
      settings.put("topic.routed.prefix", "bench.routed.");
      settings.put("topic.shadow", "bench.predictions.shadow");
      settings.put("topic.model.deployments", "bench.model-deployments");
      settings.put("topic.partitions", Integer.toString(partitions));
      settings.put("scoring.application.id", "bench-scoring");
      settings.put("scoring.http.port", "0");
      settings.put("scoring.work.dir", tmp.resolve("work").toString());
      settings.put("scoring.state.dir", tmp.resolve("state").toString());
      settings.putAll(overrides);
      LooplineConfig config = platform.config().with(settings);
      // The in-process baseline featurizes and predicts on as many threads as the app does.
      ScoringSettings scoringSettings = ScoringSettings.from(config);
      int threads = scoringSettings.modelCallThreads();
      String modelKind =
          scoringSettings.modelThreads() > 0 ? "app: model threads" : "app: stream threads";
      Properties streams = ScoringApp.baseStreamsProperties(config);
      say(
          "Streams settings of both Kafka phases (beyond the client settings): %s",
          streamsSettings(streams, config));
      TopicAdmin.ensureTopics(
          config.kafkaClientProps(),
          List.of(
              new TopicSpec(EVENTS, partitions, TopicSpec.DELETE),
              new TopicSpec("bench.passthrough", partitions, TopicSpec.DELETE),
              new TopicSpec("bench.model-deployments", 1, TopicSpec.DELETE)),
          (short) 1,
          Duration.ofSeconds(30));

      List<GeneratedTicket> corpus = corpus();
      int[] lengths =
          corpus.stream().mapToInt(t -> t.event().getText().length()).sorted().toArray();
      say("corpus: %d tickets, median text %d chars", records, lengths[lengths.length / 2]);

      Stored v1 = train(tmp, 1, 7);
      Stored v2 = train(tmp, 2, 8);

      // The app's TensorFlow thread settings for the in-process model too (they apply to the
      // sessions opened from now on): both sides then run the same model the same way.
      ScoringApp.tensorflowThreads(config);
      Cpu inProcessCpu = new Cpu("bench-inprocess-");
      double inProcess = inProcessRate(v1, corpus, tmp, threads, inProcessCpu);
      say(
          "in-process featurize+predict (%d thread%s): %.0f events/s, %s",
          threads, threads == 1 ? "" : "s", inProcess, inProcessCpu.perEvent());

      produce(config, corpus);
      // The Kafka phases run without the driver's copy of the corpus on the heap (millions of
      // small objects that G1 would mark again and again, billing the apps' phases for the
      // benchmark's own data); the in-process run after the Kafka phases generates it anew.
      corpus = null;
      System.gc();
      deploy(config, v1);
      // JIT warm-up: each app runs once over the whole topic under another application id right
      // before its measured run (then the JIT is given time to finish compiling), so neither
      // measured run pays for compiling the code it runs or runs on code compiled for the other.
      for (int round = 1; round <= warmupRounds; round++) {
        long warmStart = System.nanoTime();
        passThrough(
            streams,
            "bench-passthrough-warmup-" + round,
            config,
            tmp,
            new Cpu("bench-passthrough-"));
        say("pass-through warm-up round %d: %.1f s", round, (System.nanoTime() - warmStart) / 1e9);
      }
      settleJit();
      Cpu idleCpu = new Cpu("bench-");
      idleCpu.start();
      Thread.sleep(2_000);
      idleCpu.stop(1);
      say(
          "idle process over 2 s (broker, registry; no app running): %.2f cores (%s, in us/s)",
          idleCpu.processMicros() / 2e6, idleCpu.breakdown(2));

      Cpu passThroughCpu = new Cpu("bench-passthrough-");
      double passThrough = passThrough(streams, "bench-passthrough", config, tmp, passThroughCpu);
      say(
          "Kafka Streams EOS pass-through: %.0f events/s, %s",
          passThrough, passThroughCpu.perEvent());

      for (int round = 1; round <= warmupRounds; round++) {
        long warmStart = System.nanoTime();
        scoringRun(config, tmp, "bench-scoring-warmup-" + round);
        say("scoring warm-up round %d: %.1f s", round, (System.nanoTime() - warmStart) / 1e9);
      }
      settleJit();

      long startNanos = System.nanoTime();
      try (ScoringApp app = ScoringApp.start(config)) {
        waitRunning(app);
        say("scoring app running after %.1f s", (System.nanoTime() - startNanos) / 1e9);
        Cpu scoringCpu = new Cpu("bench-scoring-");
        if (scoringSettings.modelThreads() > 0) {
          scoringCpu.schedOf("bench-scoring-model-");
        }
        double scoring = waitConsumed(config, "bench-scoring", records, warmup(), scoringCpu);
        say("  bench-scoring commits: %s", commitShare(app.streams()));
        double meanBatch = app.metrics().meanBatchSize();
        say(
            "scoring app: %.0f events/s, mean batch size %.1f, flushes %s, %s",
            scoring, meanBatch, flushes(app), scoringCpu.perEvent());
        int offered = rate > 0 ? rate : (int) Math.max(100, scoring * 0.3);
        double[] steady = latency(config, offered, null, 0);
        double[] swap = latency(config, offered, v2, latencySeconds / 2);
        long rss = procStatus("VmRSS");
        long hwm = procStatus("VmHWM");

        // The machine's speed drifts by a third within minutes; measuring the in-process rate
        // again right after the scoring and latency phases (the app idle) brackets the Kafka
        // phases, so a slow or fast moment during either in-process run shows instead of skewing
        // the ratio.
        Cpu inProcessAfterCpu = new Cpu("bench-inprocess-");
        double inProcessAfter = inProcessRate(v1, corpus(), tmp, threads, inProcessAfterCpu);
        say(
            "in-process featurize+predict again, after the scoring phase: %.0f events/s, %s",
            inProcessAfter, inProcessAfterCpu.perEvent());
        double inProcessMean = (inProcess + inProcessAfter) / 2;
        // More rounds, each a scoring run bracketed by the in-process runs on either side: the
        // ratio of one round moves with the machine's speed, their median much less.
        List<double[]> bracketed = new ArrayList<>();
        bracketed.add(new double[] {scoring, inProcess, inProcessAfter});
        if (rounds > 1) {
          app.close(); // idle since the latency phases; the next rounds run without it
          deploy(config, v1); // the hot-swap phase left v2 serving
          double before = inProcessAfter;
          for (int round = 2; round <= rounds; round++) {
            double roundScoring = scoringRun(config, tmp, "bench-scoring-round-" + round);
            double after = inProcessRate(v1, corpus(), tmp, threads, new Cpu("bench-inprocess-"));
            say(
                "round %d: scoring %.0f events/s, in-process after it %.0f events/s: %.2f of the"
                    + " mean of the in-process runs around it",
                round, roundScoring, after, roundScoring / ((before + after) / 2));
            bracketed.add(new double[] {roundScoring, before, after});
            before = after;
          }
        }

        System.out.println();
        System.out.println("| measure | value |");
        System.out.println("|---|---|");
        row("Kafka Streams EOS pass-through (events/s)", "%.0f", passThrough);
        row("scoring app, EOS v2, default model (events/s)", "%.0f", scoring);
        row(
            "in-process featurize + predict, batch 256, "
                + threads
                + " thread(s), before / after the Kafka phases (events/s)",
            "%.0f / %.0f",
            inProcess,
            inProcessAfter);
        row("scoring / pass-through", "%.2f", scoring / passThrough);
        row("scoring / in-process (mean of before and after)", "%.2f", scoring / inProcessMean);
        row(
            "scoring / in-process (the faster of before and after)",
            "%.2f",
            scoring / Math.max(inProcess, inProcessAfter));
        if (rounds > 1) {
          row(
              "scoring / in-process around it, per round (round 1 above; events/s scoring)",
              "%s",
              roundsSummary(bracketed));
          row(
              "scoring / in-process, median of " + rounds + " rounds",
              "%.2f",
              medianRatio(bracketed));
        }
        row("mean batch size (throughput phase)", "%.1f", meanBatch);
        row(
            "in-process threads' CPU per event, before / after the Kafka phases (us)",
            "%.1f / %.1f",
            inProcessCpu.threadMicros(),
            inProcessAfterCpu.threadMicros());
        row(
            "app threads' CPU per event, pass-through / scoring / in-process (us)",
            "%.1f / %.1f / %.1f",
            passThroughCpu.threadMicros(),
            scoringCpu.threadMicros(),
            inProcessCpu.threadMicros());
        // What the scoring app's threads spend beyond featurize + predict (decode, validation,
        // buffering, policy, encoding, sends, Kafka Streams): the part the app itself can cut.
        row(
            "app threads' CPU per event outside featurize + predict, scoring - in-process (us)",
            "%.1f",
            scoringCpu.threadMicros() - inProcessCpu.threadMicros());
        row(
            "thread CPU ratio scoring / pass-through, in-process / scoring",
            "%.2f / %.2f",
            passThroughCpu.threadMicros() / scoringCpu.threadMicros(),
            inProcessCpu.threadMicros() / scoringCpu.threadMicros());
        row(
            "process CPU per event, pass-through / scoring / in-process (us)",
            "%.1f / %.1f / %.1f",
            passThroughCpu.processMicros(),
            scoringCpu.processMicros(),
            inProcessCpu.processMicros());
        row(
            "process CPU per event by thread kind, pass-through (us)",
            "%s",
            passThroughCpu.breakdown());
        row("process CPU per event by thread kind, scoring (us)", "%s", scoringCpu.breakdown());
        row(
            "process CPU per event by thread kind, in-process (us)",
            "%s",
            inProcessCpu.breakdown());
        // Where the scoring app's ceiling lies: the cores it keeps busy (of the machine's) and the
        // share of its phase that the threads doing the model calls ran, per thread.
        row(
            "cores busy (process), pass-through / scoring / in-process",
            "%.2f / %.2f / %.2f",
            passThroughCpu.cores(),
            scoringCpu.cores(),
            inProcessCpu.cores());
        row(
            "threads that featurize + predict: share of the scoring phase on CPU, per thread",
            "%.2f",
            scoringCpu.cores(modelKind) / threads);
        row(
            "model threads, share of the scoring phase: on CPU / waiting for a CPU / waiting for"
                + " work",
            "%s",
            scoringCpu.schedShares());
        row("offered load for latency (events/s)", "%d", offered);
        row("steady p50 / p99 event-to-prediction (ms)", "%.1f / %.1f", steady[0], steady[1]);
        row("during hot swap p50 / p99 (ms)", "%.1f / %.1f", swap[0], swap[1]);
        row("p99 swap / steady", "%.2f", swap[1] / steady[1]);
        row("RSS now / peak (MiB)", "%d / %d", rss >> 20, hwm >> 20);
        row("cores", "%d", Runtime.getRuntime().availableProcessors());
      }
    }
    return 0;
  }

  private record Stored(int version, URI uri, String sha256, Path zip) {}

  /**
   * A scoring run over the whole topic under application id {@code id} (so from the first offset)
   * with the version deployed last, in its own work directory: a warm-up round or one of the extra
   * {@code --rounds}; events/s past the warm-up quarter.
   */
  private double scoringRun(LooplineConfig config, Path tmp, String id) throws Exception {
    try (ScoringApp app =
        ScoringApp.start(
            config.with(
                Map.of(
                    "scoring.application.id",
                    id,
                    "scoring.work.dir",
                    tmp.resolve("work-" + id).toString())))) {
      waitRunning(app);
      return waitConsumed(config, id, records, warmup(), new Cpu(id + "-"));
    }
  }

  /** Each round's scoring rate over the mean of the in-process runs around it. */
  private static double[] ratios(List<double[]> rounds) {
    return rounds.stream().mapToDouble(r -> r[0] / ((r[1] + r[2]) / 2)).toArray();
  }

  private static double medianRatio(List<double[]> rounds) {
    double[] r = ratios(rounds);
    Arrays.sort(r);
    int n = r.length;
    return n % 2 == 1 ? r[n / 2] : (r[n / 2 - 1] + r[n / 2]) / 2;
  }

  private static String roundsSummary(List<double[]> rounds) {
    double[] r = ratios(rounds);
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < r.length; i++) {
      out.append(i == 0 ? "" : ", ")
          .append(String.format(Locale.ROOT, "%.2f (%.0f)", r[i], rounds.get(i)[0]));
    }
    return out.toString();
  }

  /** The measured events: {@code records} generated tickets (seed 42), the same every call. */
  private List<GeneratedTicket> corpus() {
    return new TicketGenerator(tickets(42)).take(records);
  }

  /** The generator's default tickets with this run's channel shares. */
  private TicketGenerator.Settings tickets(long seed) {
    return TicketGenerator.Settings.defaults(seed)
        .withChannelShares(channelShares.get(0), channelShares.get(1), channelShares.get(2));
  }

  /** The default model: default featurizer spec and trainer settings, on generated tickets. */
  private Stored train(Path tmp, int version, long seed) throws IOException {
    long t0 = System.nanoTime();
    FeaturizerSpec spec = FeaturizerSpec.defaults();
    Featurizer f = new Featurizer(spec);
    List<GeneratedTicket> tickets = new TicketGenerator(tickets(seed)).take(trainExamples);
    List<String> labels = TicketGenerator.DEFAULT_LABELS;
    List<SparseVector> x = new ArrayList<>();
    int[] y = new int[tickets.size()];
    for (int i = 0; i < tickets.size(); i++) {
      Event e = tickets.get(i).event();
      x.add(f.featurize(e.getText(), e.getAttributes()));
      y[i] = labels.indexOf(tickets.get(i).label());
    }
    try (TrainedModel m =
        new Trainer()
            .train(
                labels,
                spec,
                x,
                y,
                List.of(),
                new int[0],
                TrainerConfig.defaults().withSeed(seed),
                null,
                null)) {
      ModelMetadata md =
          ArtifactPackager.metadata(
              m, spec, "tickets", version, Instant.now(), null, x.size(), null, null, Map.of());
      List<ArtifactPackager.CanaryInput> canaries = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        Event e = tickets.get(i).event();
        canaries.add(new ArtifactPackager.CanaryInput(e.getText(), e.getAttributes()));
      }
      Path zip = tmp.resolve("artifacts").resolve("v" + version + ".zip");
      String sha = ArtifactPackager.write(m, md, canaries, zip);
      URI uri = new FileModelStore(tmp.resolve("store")).put("tickets", version, zip);
      say("trained v%d on %d tickets in %.1f s", version, x.size(), (System.nanoTime() - t0) / 1e9);
      return new Stored(version, uri, sha, zip);
    }
  }

  /**
   * Featurize + predict with no Kafka, on {@code threads} threads named {@code bench-inprocess-*}
   * (as many as the app's threads that make model calls: {@link ScoringSettings#modelCallThreads}),
   * each taking batches of 256 from a shared cursor and calling the app's own {@link
   * ServingModel#featurizeAndPredict} on one loaded version, as the app's threads do. Round 0 warms
   * up; the result is the faster of rounds 1 and 2.
   */
  private static double inProcessRate(
      Stored model, List<GeneratedTicket> corpus, Path tmp, int threads, Cpu cpu) throws Exception {
    Scorer s = ModelLoader.load(model.zip(), model.sha256(), tmp.resolve("inproc"), null);
    ServingModel serving = new ServingModel(s, Instant.now());
    java.util.concurrent.atomic.AtomicInteger names =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(
            threads, r -> new Thread(r, "bench-inprocess-" + names.getAndIncrement()));
    try {
      double best = 0;
      // Round 0 warms the JIT up (as the Kafka phases run a warm-up round); rounds 1-2 count.
      // The pool's threads live through all rounds, so the CPU count sees all of their work.
      for (int round = 0; round < 3; round++) {
        java.util.concurrent.atomic.AtomicInteger cursor =
            new java.util.concurrent.atomic.AtomicInteger();
        Runnable work =
            () -> {
              for (int i = cursor.getAndAdd(256); i < corpus.size(); i = cursor.getAndAdd(256)) {
                List<String> texts = new ArrayList<>(256);
                List<Map<String, String>> attrs = new ArrayList<>(256);
                for (int j = i; j < Math.min(corpus.size(), i + 256); j++) {
                  Event e = corpus.get(j).event();
                  texts.add(e.getText());
                  attrs.add(e.getAttributes());
                }
                serving.featurizeAndPredict(texts, attrs);
              }
            };
        if (round == 1) {
          cpu.start();
        }
        long t0 = System.nanoTime();
        List<java.util.concurrent.Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          done.add(pool.submit(work));
        }
        for (java.util.concurrent.Future<?> f : done) {
          f.get();
        }
        if (round > 0) {
          best = Math.max(best, corpus.size() / ((System.nanoTime() - t0) / 1e9));
        }
      }
      cpu.stop(2L * corpus.size());
      return best;
    } finally {
      pool.shutdown();
      serving.release();
    }
  }

  private static void produce(LooplineConfig config, List<GeneratedTicket> corpus) {
    try (KafkaProducer<String, Event> p = producer(config)) {
      // Record timestamps are the send time: the generator's event times lie months back, and
      // the broker's retention would delete such records during the run.
      for (GeneratedTicket t : corpus) {
        Event e = t.event();
        p.send(new ProducerRecord<>(EVENTS, null, System.currentTimeMillis(), e.getId(), e));
      }
      p.flush();
    }
  }

  private static KafkaProducer<String, Event> producer(LooplineConfig config) {
    Map<String, Object> props = new HashMap<>(config.kafkaClientProps());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    return new KafkaProducer<>(
        props,
        new StringSerializer(),
        AvroSerdes.specific(Event.class, config.clientAndSerdeProps(), false).serializer());
  }

  /**
   * A plain Kafka Streams pass-through (bytes in, bytes out, one record per event) with the same
   * Streams settings as the scoring app ({@link ScoringApp#baseStreamsProperties}).
   */
  private double passThrough(
      Properties streams, String applicationId, LooplineConfig config, Path tmp, Cpu cpu)
      throws Exception {
    StreamsBuilder b = new StreamsBuilder();
    b.stream(EVENTS, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
        .mapValues(v -> v)
        .to("bench.passthrough", Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
    Properties p = new Properties();
    p.putAll(streams);
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.STATE_DIR_CONFIG, tmp.resolve("passthrough-state").toString());
    try (KafkaStreams s = new KafkaStreams(b.build(), p)) {
      s.start();
      while (s.state() != KafkaStreams.State.RUNNING) {
        Thread.sleep(20);
      }
      double rate = waitConsumed(config, applicationId, records, warmup(), cpu);
      say("  %s commits: %s", applicationId, commitShare(s));
      return rate;
    }
  }

  /**
   * The stream threads' commits, from Kafka Streams' own thread metrics (means over the threads;
   * Kafka Streams averages them over its sample windows, so the phase's start-up shows a little):
   * the share of the thread's time spent committing and the mean commit latency (ms). (Its poll and
   * process ratios are left out: in Kafka Streams 4.2 the process ratio reads 0 and the poll ratio
   * includes the processing.)
   */
  static String commitShare(KafkaStreams s) {
    Map<String, double[]> sums = new java.util.TreeMap<>();
    for (var e : s.metrics().entrySet()) {
      org.apache.kafka.common.MetricName n = e.getKey();
      if (n.group().equals("stream-thread-metrics")
          && (n.name().equals("commit-ratio") || n.name().equals("commit-latency-avg"))
          && e.getValue().metricValue() instanceof Number v
          && !Double.isNaN(v.doubleValue())) {
        double[] acc = sums.computeIfAbsent(n.name(), k -> new double[2]);
        acc[0] += v.doubleValue();
        acc[1]++;
      }
    }
    StringBuilder out = new StringBuilder();
    sums.forEach(
        (k, v) ->
            out.append(out.length() == 0 ? "" : ", ")
                .append(k)
                .append(' ')
                .append(String.format(Locale.ROOT, "%.3f", v[0] / v[1])));
    return out.toString();
  }

  /** The Streams settings both Kafka phases share, without the client/security settings. */
  private static String streamsSettings(Properties streams, LooplineConfig config) {
    Map<String, Object> out = new java.util.TreeMap<>();
    streams.forEach(
        (k, v) -> {
          if (!config.kafkaClientProps().containsKey(k)) {
            out.put((String) k, v);
          }
        });
    out.putIfAbsent(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "Kafka's default");
    return out.toString();
  }

  /** Flushes of the scoring app by reason (size, wait, commit). */
  private static String flushes(ScoringApp app) {
    Map<String, Long> out = new java.util.TreeMap<>();
    app.metrics()
        .registry()
        .find("loopline.scoring.flushes")
        .counters()
        .forEach(c -> out.put(c.getId().getTag("reason"), (long) c.count()));
    return out.toString();
  }

  /**
   * CPU time between {@link #start} and {@link #stop}: of the threads whose names start with a
   * prefix (the stream threads and Kafka Streams' own helper threads, or {@code main}), of the
   * whole process (broker and registry included), and of the whole process split by thread kind
   * (see {@link #kind}), so a phase's cost can be traced to the stream thread, the app's client I/O
   * threads, the broker, the benchmark's own driver threads, GC or the JIT compiler. Under a loaded
   * machine wall-clock rates swing 2-3x; CPU per event does not. Threads that end before {@link
   * #stop} are not counted, so stop while the app runs.
   */
  static final class Cpu {
    private static final java.lang.management.ThreadMXBean THREADS =
        java.lang.management.ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
        (com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    private static final long NANOS_PER_TICK = 10_000_000L; // USER_HZ = 100 on Linux

    private final String prefix;
    private Map<Long, Long> startThreads = Map.of();
    private Map<String, Long> startKinds = Map.of();
    private long startProcess;
    private long startWall;
    private long wallNanos = -1;
    private String schedPrefix;
    private long[] startSched = new long[3];
    private long[] sched = new long[3];
    private long threadNanos = -1;
    private long processNanos = -1;
    private final Map<String, Long> kindNanos = new java.util.TreeMap<>();
    private long events;

    Cpu(String prefix) {
      this.prefix = prefix;
    }

    void start() {
      startThreads = threadTimes();
      startKinds = kindTimes();
      startProcess = OS.getProcessCpuTime();
      startWall = System.nanoTime();
      if (schedPrefix != null) {
        startSched = schedstat(schedPrefix);
      }
    }

    /**
     * Also tracks the scheduler's view (/proc schedstat) of the threads whose native names start
     * with {@code prefix}: time on a CPU and time runnable but waiting for one.
     */
    Cpu schedOf(String prefix) {
      // Linux keeps the first 15 bytes of a thread's name.
      schedPrefix = prefix.substring(0, Math.min(15, prefix.length()));
      return this;
    }

    /** Stops counting; {@code events} is how many events the interval processed. */
    void stop(long events) {
      this.events = Math.max(1, events);
      wallNanos = System.nanoTime() - startWall;
      if (schedPrefix != null) {
        long[] now = schedstat(schedPrefix);
        sched[0] = now[0] - startSched[0];
        sched[1] = now[1] - startSched[1];
        sched[2] = now[2];
      }
      long sum = 0;
      for (Map.Entry<Long, Long> e : threadTimes().entrySet()) {
        sum += e.getValue() - startThreads.getOrDefault(e.getKey(), 0L);
      }
      threadNanos = sum;
      processNanos = OS.getProcessCpuTime() - startProcess;
      kindTimes().forEach((k, v) -> kindNanos.put(k, v - startKinds.getOrDefault(k, 0L)));
      long attributed = kindNanos.values().stream().mapToLong(Long::longValue).sum();
      kindNanos.put("unattributed", processNanos - attributed);
    }

    private Map<Long, Long> threadTimes() {
      Map<Long, Long> out = new HashMap<>();
      for (java.lang.management.ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
        if (t != null && t.getThreadName().startsWith(prefix)) {
          long ns = THREADS.getThreadCpuTime(t.getThreadId());
          if (ns >= 0) {
            out.put(t.getThreadId(), ns);
          }
        }
      }
      return out;
    }

    /**
     * CPU so far by thread kind: Java threads by name (ThreadMXBean), JVM-internal threads (GC, JIT
     * compiler; invisible to ThreadMXBean) from /proc/self/task by their native name. Threads that
     * ended are missing from both snapshots and so from the difference.
     */
    private static Map<String, Long> kindTimes() {
      Map<String, Long> out = new HashMap<>();
      for (java.lang.management.ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
        if (t != null) {
          long ns = THREADS.getThreadCpuTime(t.getThreadId());
          if (ns >= 0) {
            out.merge(kind(t.getThreadName()), ns, Long::sum);
          }
        }
      }
      try (var tasks = Files.list(Path.of("/proc/self/task"))) {
        for (Path task : (Iterable<Path>) tasks::iterator) {
          String comm = Files.readString(task.resolve("comm")).trim();
          String jvm = jvmKind(comm);
          if (jvm != null) {
            String stat = Files.readString(task.resolve("stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime + stime
            out.merge(jvm, ticks * NANOS_PER_TICK, Long::sum);
          }
        }
      } catch (IOException | RuntimeException e) {
        // Not Linux, or a thread ended while listing: the JVM share stays unattributed.
      }
      return out;
    }

    /** Kind of a Java thread, by the names Kafka, Kafka Streams and this benchmark give them. */
    static String kind(String name) {
      if (name.contains("-StreamThread-") && !name.contains("producer")) {
        return name.startsWith("bench-") ? "app: stream threads" : "other";
      }
      if (name.startsWith("bench-") && name.contains("-model-")) {
        return "app: model threads";
      }
      if (name.startsWith("bench-inprocess-")) {
        return "in-process threads";
      }
      if (name.contains("bench-passthrough") || name.contains("bench-scoring")) {
        return "app: producer/consumer/admin I/O";
      }
      if (name.equals("main")
          || name.startsWith("kafka-admin-client-thread | adminclient")
          || name.startsWith("kafka-producer-network-thread | producer-")
          || name.startsWith("bench-latency")) {
        return "benchmark driver";
      }
      if (name.startsWith("loopline-") || name.startsWith("HTTP-") || name.contains("registry")) {
        return "app/registry: other";
      }
      return "broker";
    }

    /** Kind of a JVM-internal thread by its native name, or null for a Java thread. */
    private static String jvmKind(String comm) {
      if (comm.startsWith("GC Thread") || comm.startsWith("G1 ")) {
        return "jvm: GC";
      }
      if (comm.contains("CompilerThre")) {
        return "jvm: JIT";
      }
      if (comm.equals("VM Thread") || comm.startsWith("VM Periodic")) {
        return "jvm: VM";
      }
      return null;
    }

    /**
     * Run time, run-queue wait time (ns) and thread count of the threads whose native name starts
     * with {@code prefix}, summed from /proc/self/task/.../schedstat; zeros where the kernel does
     * not keep it.
     */
    private static long[] schedstat(String prefix) {
      long[] out = new long[3];
      try (var tasks = Files.list(Path.of("/proc/self/task"))) {
        for (Path task : (Iterable<Path>) tasks::iterator) {
          if (Files.readString(task.resolve("comm")).trim().startsWith(prefix)) {
            String[] f = Files.readString(task.resolve("schedstat")).trim().split(" ");
            out[0] += Long.parseLong(f[0]);
            out[1] += Long.parseLong(f[1]);
            out[2]++;
          }
        }
      } catch (IOException | RuntimeException e) {
        // No schedstat here (or a thread ended while listing): the figures stay zero.
      }
      return out;
    }

    /**
     * Of the tracked threads ({@link #schedOf}), per thread and as shares of the interval: on a
     * CPU, runnable but waiting for a CPU, and the rest (waiting for work or a lock).
     */
    String schedShares() {
      if (schedPrefix == null || sched[2] <= 0 || wallNanos <= 0) {
        return "n/a";
      }
      double wall = (double) wallNanos * Math.max(1, sched[2]);
      double run = sched[0] / wall;
      double wait = sched[1] / wall;
      return String.format(
          Locale.ROOT, "%.2f / %.2f / %.2f", run, wait, Math.max(0, 1 - run - wait));
    }

    /** Cores the whole process kept busy over the interval (CPU time / wall time). */
    double cores() {
      return (double) processNanos / wallNanos;
    }

    /** Cores one thread kind kept busy over the interval (CPU time / wall time). */
    double cores(String kind) {
      return (double) kindNanos.getOrDefault(kind, 0L) / wallNanos;
    }

    double threadMicros() {
      return threadNanos / 1e3 / events;
    }

    double processMicros() {
      return processNanos / 1e3 / events;
    }

    /** Process CPU per event by thread kind, "kind a.b us, ...". */
    String breakdown() {
      return breakdown(events);
    }

    /** Process CPU by thread kind divided by {@code per}. */
    String breakdown(long per) {
      StringBuilder b = new StringBuilder();
      kindNanos.forEach(
          (k, v) -> {
            if (Math.abs(v) / 1e3 / per >= 0.05) {
              b.append(b.length() == 0 ? "" : ", ")
                  .append(String.format(Locale.ROOT, "%s %.1f", k, v / 1e3 / per));
            }
          });
      return b.toString();
    }

    /** CPU of the JIT compiler threads so far (ns), from /proc. */
    static long jitNanos() {
      return kindTimes().getOrDefault("jvm: JIT", 0L);
    }

    String perEvent() {
      return String.format(
          Locale.ROOT,
          "CPU per event over %d events: threads '%s*' %.1f us, process %.1f us (%s)",
          events,
          prefix,
          threadMicros(),
          processMicros(),
          breakdown());
    }
  }

  /**
   * Waits (at most 60 s) until the JIT compiler threads use under 5% of a core over a second: the
   * warm-up rounds leave a queue of compilations, and compiling during a measured phase would bill
   * that phase for work a long-running app does once.
   */
  private static void settleJit() throws InterruptedException {
    long t0 = System.nanoTime();
    long last = Cpu.jitNanos();
    double share = Double.NaN;
    while (System.nanoTime() - t0 < 60_000_000_000L) {
      Thread.sleep(1_000);
      long now = Cpu.jitNanos();
      share = (now - last) / 1e9;
      last = now;
      if (share < 0.05) {
        break;
      }
    }
    say("JIT settled to %.2f cores after %.1f s", share, (System.nanoTime() - t0) / 1e9);
  }

  private static void waitRunning(ScoringApp app) throws InterruptedException {
    while (app.streams() == null || app.streams().state() != KafkaStreams.State.RUNNING) {
      Thread.sleep(20);
    }
  }

  /** Events the Kafka phases process before their clocks start: JIT warm-up, not measured. */
  private long warmup() {
    return records / 4;
  }

  /**
   * Events/s of group {@code group} over {@code total} events, from the first committed offset at
   * or past {@code warmup} events to the commit that covers them all (start-up and JIT warm-up
   * excluded, as the in-process rate excludes its first round); {@code cpu} counts the same span.
   */
  private static double waitConsumed(
      LooplineConfig config, String group, long total, long warmup, Cpu cpu) throws Exception {
    try (Admin admin = Admin.create(config.kafkaClientProps())) {
      long firstAt = 0;
      long firstCount = 0;
      long lastDone = 0;
      while (true) {
        long asked = System.nanoTime();
        Map<TopicPartition, OffsetAndMetadata> offsets =
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        long done = offsets.values().stream().mapToLong(o -> o == null ? 0 : o.offset()).sum();
        long now = System.nanoTime();
        if (done >= Math.max(1, warmup) && firstAt == 0) {
          firstAt = now;
          firstCount = done;
          cpu.start();
        }
        if (done >= total && firstAt != 0) {
          cpu.stop(done - firstCount);
          if (done == firstCount) {
            // One poll saw both the warm-up and the end: nothing to measure.
            say(
                "  %s: no rate: committed offsets went from %d to %d between two polls (the last"
                    + " offsets request took %d ms); run with more --records",
                group, lastDone, done, (now - asked) / 1_000_000);
            return Double.NaN;
          }
          return (done - firstCount) / ((now - firstAt) / 1e9);
        }
        lastDone = done;
        Thread.sleep(20);
      }
    }
  }

  private static void deploy(LooplineConfig config, Stored m) {
    Map<String, Object> props = new HashMap<>(config.kafkaClientProps());
    try (KafkaProducer<String, Deployment> p =
        new KafkaProducer<>(
            props,
            new StringSerializer(),
            AvroSerdes.specific(Deployment.class, config.clientAndSerdeProps(), false)
                .serializer())) {
      p.send(
          new ProducerRecord<>(
              "bench.model-deployments",
              "tickets",
              Deployment.newBuilder()
                  .setModelName("tickets")
                  .setVersion(m.version())
                  .setArtifactUri(m.uri().toString())
                  .setSha256(m.sha256())
                  .setDeployedAt(Instant.now())
                  .setAction(DeploymentAction.PROMOTE)
                  .setActorType(ActorType.SYSTEM)
                  .setActor("scoring-benchmark")
                  .setReason("benchmark")
                  .build()));
      p.flush();
    }
  }

  /**
   * Offers {@code rate} events/s for {@code latencySeconds}; returns p50 and p99 of
   * event-to-prediction latency in ms. With {@code swapTo}, deploys it after {@code swapAfterS}
   * seconds and reports the window from the deployment to the end of the phase.
   */
  private double[] latency(LooplineConfig config, int rate, Stored swapTo, int swapAfterS)
      throws Exception {
    Map<String, Object> cp = new HashMap<>(config.kafkaClientProps());
    cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
    cp.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-latency-" + System.nanoTime());
    ConcurrentLinkedQueue<Double> samples = new ConcurrentLinkedQueue<>();
    AtomicBoolean running = new AtomicBoolean(true);
    long[] measureFrom = {Long.MAX_VALUE};
    Thread reader;
    try (KafkaConsumer<String, Prediction> c =
        new KafkaConsumer<>(
            cp,
            new StringDeserializer(),
            AvroSerdes.specific(Prediction.class, config.clientAndSerdeProps(), false)
                .deserializer())) {
      c.subscribe(List.of("bench.predictions"));
      while (c.assignment().isEmpty()) {
        c.poll(Duration.ofMillis(100));
      }
      c.seekToEnd(c.assignment());
      c.assignment().forEach(c::position);
      reader =
          new Thread(
              () -> {
                while (running.get()) {
                  for (var r : c.poll(Duration.ofMillis(50))) {
                    long now = System.currentTimeMillis();
                    long sent = r.value().getOccurredAt().toEpochMilli();
                    if (sent >= measureFrom[0]) {
                      samples.add((double) (now - sent));
                    }
                  }
                }
              });
      reader.start();
      long start = System.currentTimeMillis();
      measureFrom[0] = swapTo == null ? start + 2_000 : start + swapAfterS * 1_000L;
      long n = 0;
      long seq = 0;
      boolean swapped = false;
      String[] texts = latencyTexts();
      try (KafkaProducer<String, Event> p = producer(config)) {
        while (System.currentTimeMillis() - start < latencySeconds * 1_000L) {
          long elapsed = System.currentTimeMillis() - start;
          if (swapTo != null && !swapped && elapsed >= swapAfterS * 1_000L) {
            deploy(config, swapTo);
            swapped = true;
          }
          long due = elapsed * rate / 1_000;
          while (n < due) {
            long now = System.currentTimeMillis();
            Event e =
                Event.newBuilder()
                    .setId("lat-" + (swapTo == null ? "s-" : "w-") + seq++)
                    .setOccurredAt(Instant.ofEpochMilli(now))
                    .setText(texts[(int) (seq % texts.length)])
                    .setAttributes(Map.of())
                    .build();
            p.send(new ProducerRecord<>(EVENTS, null, now, e.getId(), e));
            n++;
          }
          Thread.sleep(2);
        }
        p.flush();
      }
      Thread.sleep(3_000);
      running.set(false);
      reader.join();
    }
    double[] s = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    if (s.length == 0) {
      return new double[] {Double.NaN, Double.NaN};
    }
    say("%s: %d samples at %d events/s", swapTo == null ? "steady" : "hot swap", s.length, rate);
    return new double[] {
      s[(int) (s.length * 0.50)], s[Math.min(s.length - 1, (int) (s.length * 0.99))]
    };
  }

  /** Texts of the latency phases' events: generated tickets with this run's channel shares. */
  private String[] latencyTexts;

  private String[] latencyTexts() {
    if (latencyTexts == null) {
      latencyTexts =
          new TicketGenerator(tickets(99))
              .take(512).stream().map(t -> t.event().getText()).toArray(String[]::new);
    }
    return latencyTexts;
  }

  private static long procStatus(String key) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith(key + ":")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    return -1;
  }

  private static void say(String format, Object... args) {
    System.out.println(String.format(Locale.ROOT, format, args));
  }

  private static void row(String name, String format, Object... args) {
    System.out.println("| " + name + " | " + String.format(Locale.ROOT, format, args) + " |");
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new ScoringBenchmark()).execute(args));
  }
}
