package dev.loopline.bench;

import dev.loopline.avro.LabelSource;
import dev.loopline.avro.LabeledExample;
import dev.loopline.config.LooplineConfig;
import dev.loopline.embedded.EmbeddedPlatform;
import dev.loopline.launcher.sim.GeneratedTicket;
import dev.loopline.launcher.sim.TicketGenerator;
import dev.loopline.model.features.Featurizer;
import dev.loopline.model.features.FeaturizerSpec;
import dev.loopline.model.features.SparseVector;
import dev.loopline.model.train.TrainedModel;
import dev.loopline.model.train.Trainer;
import dev.loopline.model.train.TrainerConfig;
import dev.loopline.retrain.RetrainService;
import dev.loopline.retrain.job.RetrainResult;
import dev.loopline.retrain.job.RetrainSettings;
import dev.loopline.serde.AvroSerdes;
import dev.loopline.topics.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Retraining throughput and latency: examples/s to featurize (one thread) and to train (CPU, the
 * default trainer), and the time from calling {@code RetrainService.runOnce} to a published version
 * for N labeled synthetic tickets on the {@code feedback} topic of an embedded broker, with the
 * default featurizer and model (at most 5 epochs) on a local Flink MiniCluster (parallelism 2).
 * Target: under 120 s for 100k examples on a 2-core machine.
 *
 * <p>Run: {@code java -Xmx4g -cp <classpath> dev.loopline.bench.RetrainBenchmark [examples]}.
 */
public final class RetrainBenchmark {

  private RetrainBenchmark() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    List<String> labels = TicketGenerator.DEFAULT_LABELS;
    List<GeneratedTicket> tickets =
        new TicketGenerator(TicketGenerator.Settings.defaults(42L)).take(n);
    LabelSource[] sources = {LabelSource.TRIAGE, LabelSource.AUDIT, LabelSource.CONFIRM};
    List<LabeledExample> examples = new ArrayList<>(n);
    for (GeneratedTicket t : tickets) {
      examples.add(
          LabeledExample.newBuilder()
              .setEventId(t.event().getId())
              .setText(t.event().getText())
              .setAttributes(t.event().getAttributes())
              .setOccurredAt(t.event().getOccurredAt())
              .setLabel(t.label())
              .setSource(sources[(int) (t.index() % sources.length)])
              .setLabeledBy("bench")
              .setLabeledAt(t.event().getOccurredAt().plus(Duration.ofMinutes(5)))
              .build());
    }

    // 1. Featurize, one thread (the job runs it at parallelism 2).
    FeaturizerSpec spec = FeaturizerSpec.defaults();
    Featurizer featurizer = new Featurizer(spec);
    featurizeAll(featurizer, examples.subList(0, Math.min(n, 10_000))); // warm-up
    long t0 = System.nanoTime();
    List<SparseVector> x = featurizeAll(featurizer, examples);
    double featurizeSeconds = (System.nanoTime() - t0) / 1e9;
    long nnz = 0;
    for (SparseVector v : x) {
      nnz += v.size();
    }

    // 2. Train on CPU with the job's default trainer settings.
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = labels.indexOf(examples.get(i).getLabel());
    }
    TrainerConfig tc = TrainerConfig.defaults().withDevice("cpu");
    int[] epochsRun = {0};
    t0 = System.nanoTime();
    try (TrainedModel m =
        new Trainer()
            .train(
                labels,
                spec,
                x,
                y,
                List.of(),
                new int[0],
                tc,
                null,
                (e, es, l, v, s) -> epochsRun[0] = e)) {
      m.labels();
    }
    double trainSeconds = (System.nanoTime() - t0) / 1e9;
    x = null;

    // 3. End to end: job start to published version, N examples on the feedback topic.
    double e2eSeconds;
    RetrainResult result;
    Path dir = Files.createTempDirectory("retrain-bench-");
    try (EmbeddedPlatform platform = EmbeddedPlatform.start(EmbeddedPlatform.Options.forTests())) {
      LooplineConfig config =
          platform
              .config()
              .with(
                  Map.of(
                      "model.name",
                      "bench",
                      RetrainSettings.LABELS,
                      String.join(",", labels),
                      "model.store.uri",
                      dir.resolve("store").toUri().toString(),
                      "retrain.lock.dir",
                      dir.resolve("locks").toString(),
                      RetrainSettings.WORK_DIR,
                      dir.resolve("work").toString()));
      produce(config, examples);
      t0 = System.nanoTime();
      result = new RetrainService().runOnce(config);
      e2eSeconds = (System.nanoTime() - t0) / 1e9;
    }

    System.out.printf(
        Locale.ROOT,
        "%nRetrain benchmark, %d labeled examples, %d cores, max heap %d MiB, JDK %s%n",
        n,
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20,
        System.getProperty("java.version"));
    System.out.printf(
        Locale.ROOT,
        "settings: featurizer 2^%d buckets, word 1-%d grams, char %d-%d grams (%.0f nnz/example);"
            + " trainer %s, max %d epochs, batch %d, lr %.2f, CPU; Flink local, parallelism %d%n",
        spec.hashBits(),
        spec.wordNgramMax(),
        spec.charNgramMin(),
        spec.charNgramMax(),
        nnz / (double) n,
        tc.modelType(),
        tc.epochs(),
        tc.batchSize(),
        tc.learningRate(),
        Math.min(2, Runtime.getRuntime().availableProcessors()));
    System.out.printf(
        Locale.ROOT,
        "featurize (1 thread):     %,10.0f examples/s (%.1f s)%n",
        n / featurizeSeconds,
        featurizeSeconds);
    System.out.printf(
        Locale.ROOT,
        "train (CPU, %d epochs):    %,10.0f examples/s (%,.0f example-epochs/s, %.1f s)%n",
        epochsRun[0],
        n / trainSeconds,
        (double) n * epochsRun[0] / trainSeconds,
        trainSeconds);
    System.out.printf(
        Locale.ROOT,
        "job start -> published:   %10.1f s (target < 120 s): %s%n",
        e2eSeconds,
        result.summary());
  }

  private static List<SparseVector> featurizeAll(Featurizer f, List<LabeledExample> examples) {
    List<SparseVector> out = new ArrayList<>(examples.size());
    for (LabeledExample e : examples) {
      out.add(f.featurize(e.getText(), e.getAttributes()));
    }
    return out;
  }

  private static void produce(LooplineConfig config, List<LabeledExample> examples) {
    Map<String, Object> props = new HashMap<>(config.kafkaClientProps());
    props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    try (KafkaProducer<String, LabeledExample> p =
        new KafkaProducer<>(
            props,
            new StringSerializer(),
            AvroSerdes.specific(LabeledExample.class, config.registryClientProps(), false)
                .serializer())) {
      String topic = Topics.from(config).feedback();
      for (LabeledExample e : examples) {
        p.send(new ProducerRecord<>(topic, e.getEventId(), e));
      }
      p.flush();
    }
  }
}
