package dev.loopline.bench;

import dev.loopline.avro.Correction;
import dev.loopline.avro.Event;
import dev.loopline.avro.LabelProbability;
import dev.loopline.avro.LabelSource;
import dev.loopline.avro.Prediction;
import dev.loopline.config.LooplineConfig;
import dev.loopline.embedded.EmbeddedPlatform;
import dev.loopline.feedback.CollectorApp;
import dev.loopline.feedback.topology.FeedbackStores;
import dev.loopline.serde.AvroSerdes;
import dev.loopline.topics.Topics;
import io.micrometer.core.instrument.Counter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Join throughput of the feedback collector with a large state: the real {@code CollectorApp}
 * (exactly-once v2, registry serdes, RocksDB stores) on an embedded KRaft broker.
 *
 * <ol>
 *   <li>Load: {@code --predictions} events and their served predictions are produced and the
 *       collector is run until it holds all of them in state.
 *   <li>Join: {@code --corrections} corrections for events drawn at random (seeded) from the loaded
 *       ones are produced; the clock runs from the first send until a read_committed consumer has
 *       seen that many records on {@code feedback}. Reported: end-to-end corrections/s, and the
 *       collector's own rate (first correction read to last feedback written).
 *   <li>State: approximate entries and on-disk bytes (RocksDB files, all tasks) per store.
 * </ol>
 *
 * Run it on a quiet machine; on 2 shared cores results move 2x with other load.
 */
@Command(
    name = "feedback-join-benchmark",
    mixinStandardHelpOptions = true,
    description = "Corrections/s the collector joins with N predictions in state, and state size.")
public final class FeedbackJoinBenchmark implements Callable<Integer> {

  @Option(names = "--predictions", defaultValue = "1000000", description = "Events+predictions.")
  int predictions;

  @Option(names = "--corrections", defaultValue = "200000", description = "Corrections to join.")
  int corrections;

  @Option(names = "--threads", defaultValue = "1", description = "Collector stream threads.")
  int threads;

  @Option(names = "--partitions", defaultValue = "4", description = "Partitions per topic.")
  int partitions;

  @Option(names = "--seed", defaultValue = "42", description = "Random seed.")
  long seed;

  @Option(names = "--state-dir", description = "Collector state directory (default: temporary).")
  Path stateDir;

  private static final String[] LABELS = {"billing", "refunds", "outage", "account", "shipping"};

  public static void main(String[] args) {
    System.exit(new CommandLine(new FeedbackJoinBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Path dir = stateDir != null ? stateDir : Files.createTempDirectory("fc-bench");
    try (EmbeddedPlatform platform =
        EmbeddedPlatform.start(
            EmbeddedPlatform.Options.forTests()
                .withSettings(Map.of("topic.partitions", String.valueOf(partitions))))) {
      LooplineConfig config =
          platform
              .config()
              .with(
                  Map.of(
                      "collector.application.id",
                      "fc-bench-" + UUID.randomUUID(),
                      "collector.state.dir",
                      dir.toString(),
                      "collector.http.port",
                      "0",
                      "collector.threads",
                      String.valueOf(threads)));
      run(config, dir);
    }
    return 0;
  }

  private void run(LooplineConfig config, Path dir) throws Exception {
    Topics topics = Topics.from(config);
    Map<String, Object> serdeProps = config.clientAndSerdeProps();
    Serializer<Event> events = AvroSerdes.specific(Event.class, serdeProps, false).serializer();
    Serializer<Prediction> preds =
        AvroSerdes.specific(Prediction.class, serdeProps, false).serializer();
    Serializer<Correction> corrs =
        AvroSerdes.specific(Correction.class, serdeProps, false).serializer();
    Instant t0 = Instant.now().minus(Duration.ofHours(6));
    SplittableRandom random = new SplittableRandom(seed);

    long loadStart = System.nanoTime();
    try (KafkaProducer<String, byte[]> producer = producer(config)) {
      for (int i = 0; i < predictions; i++) {
        String id = "ev-" + i;
        Instant at = t0.plusMillis(i);
        String top = LABELS[random.nextInt(LABELS.length)];
        Event e =
            Event.newBuilder()
                .setId(id)
                .setOccurredAt(at)
                .setText(
                    "Hello, ticket "
                        + i
                        + ": my order arrived damaged and I was charged twice for shipping; "
                        + "please advise how to get a refund or a replacement. Thanks, customer "
                        + random.nextInt(1_000_000))
                .setAttributes(Map.of("channel", i % 2 == 0 ? "email" : "chat", "lang", "en"))
                .build();
        double p = 0.5 + random.nextDouble() * 0.5;
        Prediction pr =
            Prediction.newBuilder()
                .setEventId(id)
                .setModelName("tickets")
                .setModelVersion(1 + (i % 2))
                .setProbabilities(
                    List.of(new LabelProbability(top, p), new LabelProbability("other", 1 - p)))
                .setTopLabel(top)
                .setTopProbability(p)
                .setDecision("AUTO_ROUTE")
                .setRoute(topics.routed(top))
                .setOccurredAt(at)
                .setScoredAt(at)
                .build();
        long ts = at.toEpochMilli();
        producer.send(
            new ProducerRecord<>(
                topics.events(), null, ts, id, events.serialize(topics.events(), e)));
        producer.send(
            new ProducerRecord<>(
                topics.predictions(), null, ts, id, preds.serialize(topics.predictions(), pr)));
      }
      producer.flush();
    }
    double produceSeconds = seconds(loadStart);

    try (CollectorApp app = CollectorApp.start(config)) {
      Counter predictionsIn =
          app.meterRegistry()
              .get("loopline.collector.records.in")
              .tag("type", "prediction")
              .counter();
      Counter correctionsIn =
          app.meterRegistry()
              .get("loopline.collector.records.in")
              .tag("type", "correction")
              .counter();
      long collectStart = System.nanoTime();
      waitUntil(() -> predictionsIn.count() >= predictions, Duration.ofMinutes(30));
      double loadSeconds = seconds(collectStart);
      // Let the last commit land so the stores are flushed before measuring their size.
      Thread.sleep(2_000);
      Map<String, Long> entriesBefore = entries(app);
      Map<String, Long> bytesBefore = diskBytes(dir);

      try (KafkaConsumer<String, byte[]> feedback = consumer(config, topics.feedback())) {
        long joinStart = System.nanoTime();
        long[] firstCorrectionSeen = {0L};
        Thread sender =
            new Thread(
                () -> {
                  try (KafkaProducer<String, byte[]> producer = producer(config)) {
                    Instant c0 = t0.plus(Duration.ofHours(1));
                    SplittableRandom r = new SplittableRandom(seed + 1);
                    for (int j = 0; j < corrections; j++) {
                      String id = "ev-" + r.nextInt(predictions);
                      Instant at = c0.plusMillis(j);
                      Correction c =
                          Correction.newBuilder()
                              .setEventId(id)
                              .setLabel(LABELS[r.nextInt(LABELS.length)])
                              .setAgent("agent-" + r.nextInt(50))
                              .setCorrectedAt(at)
                              .setSource(LabelSource.REROUTE)
                              .build();
                      producer.send(
                          new ProducerRecord<>(
                              topics.corrections(),
                              null,
                              at.toEpochMilli(),
                              id,
                              corrs.serialize(topics.corrections(), c)));
                    }
                    producer.flush();
                  }
                },
                "corrections-producer");
        sender.start();
        // Distinct events corrected (a repeat id with a later correctedAt writes again, so
        // feedback gets one record per correction either way).
        long seen = 0;
        long lastRecord = joinStart;
        while (seen < corrections) {
          int n = feedback.poll(Duration.ofMillis(200)).count();
          if (firstCorrectionSeen[0] == 0 && correctionsIn.count() > 0) {
            firstCorrectionSeen[0] = System.nanoTime();
          }
          if (n > 0) {
            seen += n;
            lastRecord = System.nanoTime();
          }
          if (seconds(lastRecord) > 120) {
            throw new IllegalStateException(
                "no feedback for 120 s; saw " + seen + " of " + corrections);
          }
        }
        sender.join();
        double joinSeconds = (lastRecord - joinStart) / 1e9;
        double collectorSeconds =
            (lastRecord - (firstCorrectionSeen[0] == 0 ? joinStart : firstCorrectionSeen[0])) / 1e9;
        Thread.sleep(2_000);
        Map<String, Long> entriesAfter = entries(app);
        Map<String, Long> bytesAfter = diskBytes(dir);

        StringBuilder out = new StringBuilder();
        out.append(
            String.format(
                Locale.ROOT,
                "feedback join benchmark: %,d events+predictions in state, %,d corrections, "
                    + "%d partitions, %d stream thread(s), exactly-once v2, %d cores%n",
                predictions,
                corrections,
                partitions,
                threads,
                Runtime.getRuntime().availableProcessors()));
        out.append(
            String.format(
                Locale.ROOT,
                "  load: produced %,d records in %.1f s; collector took them into state in %.1f s"
                    + " (%,.0f records/s)%n",
                2L * predictions,
                produceSeconds,
                loadSeconds,
                2.0 * predictions / loadSeconds));
        out.append(
            String.format(
                Locale.ROOT,
                "  join: %,.0f corrections/s end to end (%.1f s, first send to last feedback"
                    + " record read_committed); %,.0f/s from first correction read%n",
                corrections / joinSeconds,
                joinSeconds,
                corrections / collectorSeconds));
        out.append(
            String.format(
                Locale.ROOT,
                "  %-28s %14s %14s %14s%n",
                "store",
                "entries",
                "MiB before",
                "MiB after"));
        for (String store : FeedbackStores.ALL) {
          out.append(
              String.format(
                  Locale.ROOT,
                  "  %-28s %,14d %14.1f %14.1f%n",
                  store,
                  entriesAfter.getOrDefault(store, -1L),
                  bytesBefore.getOrDefault(store, 0L) / 1048576.0,
                  bytesAfter.getOrDefault(store, 0L) / 1048576.0));
        }
        out.append(
            String.format(
                Locale.ROOT,
                "  %-28s %14s %14.1f %14.1f%n",
                "total on disk",
                "",
                bytesBefore.values().stream().mapToLong(Long::longValue).sum() / 1048576.0,
                bytesAfter.values().stream().mapToLong(Long::longValue).sum() / 1048576.0));
        out.append(String.format(Locale.ROOT, "  entries before the join: %s%n", entriesBefore));
        out.append(rocksDb(app));
        System.out.print(out);
      }
    }
  }

  /**
   * RocksDB's own view of each store, summed over tasks (Kafka Streams' property-based metrics):
   * estimated keys, estimated live data, memtables and SST files. On-disk bytes alone undercount a
   * fresh store whose data is still in memtables.
   */
  private static String rocksDb(CollectorApp app) {
    String[] props = {
      "estimate-num-keys", "estimate-live-data-size", "size-all-mem-tables", "total-sst-files-size"
    };
    Map<String, double[]> byStore = new TreeMap<>();
    app.streams()
        .metrics()
        .forEach(
            (name, metric) -> {
              if (!name.group().equals("stream-state-metrics")) {
                return;
              }
              String store = null;
              for (Map.Entry<String, String> tag : name.tags().entrySet()) {
                if (tag.getKey().startsWith("rocksdb-") && tag.getKey().endsWith("-state-id")) {
                  store = tag.getValue();
                }
              }
              for (int i = 0; i < props.length; i++) {
                if (store != null
                    && name.name().equals(props[i])
                    && metric.metricValue() instanceof Number n) {
                  byStore.computeIfAbsent(store, k -> new double[props.length])[i] +=
                      n.doubleValue();
                }
              }
            });
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "  RocksDB, all tasks: %-22s %14s %12s %12s %12s%n",
            "store",
            "est. keys",
            "live MiB",
            "memtab MiB",
            "SST MiB"));
    double[] total = new double[props.length];
    byStore.forEach(
        (store, v) -> {
          for (int i = 0; i < v.length; i++) {
            total[i] += v[i];
          }
          out.append(
              String.format(
                  Locale.ROOT,
                  "  %-41s %,14.0f %12.1f %12.1f %12.1f%n",
                  store,
                  v[0],
                  v[1] / 1048576.0,
                  v[2] / 1048576.0,
                  v[3] / 1048576.0));
        });
    out.append(
        String.format(
            Locale.ROOT,
            "  %-41s %,14.0f %12.1f %12.1f %12.1f%n",
            "total",
            total[0],
            total[1] / 1048576.0,
            total[2] / 1048576.0,
            total[3] / 1048576.0));
    return out.toString();
  }

  private static Map<String, Long> entries(CollectorApp app) {
    Map<String, Long> out = new TreeMap<>();
    for (String store :
        List.of(
            FeedbackStores.EVENTS,
            FeedbackStores.PREDICTIONS,
            FeedbackStores.CORRECTIONS,
            FeedbackStores.EXPIRY,
            FeedbackStores.RECENT)) {
      try {
        out.put(
            store,
            app.streams()
                .store(
                    StoreQueryParameters.fromNameAndType(
                        store, QueryableStoreTypes.keyValueStore()))
                .approximateNumEntries());
      } catch (RuntimeException e) {
        out.put(store, -1L);
      }
    }
    return out;
  }

  /** Bytes on disk per store name, summed over tasks (KV stores under rocksdb/, window stores). */
  private static Map<String, Long> diskBytes(Path stateDir) throws IOException {
    Map<String, Long> out = new TreeMap<>();
    try (Stream<Path> files = Files.walk(stateDir)) {
      files
          .filter(Files::isRegularFile)
          .forEach(
              f -> {
                for (String store : FeedbackStores.ALL) {
                  for (Path p = f.getParent();
                      p != null && !p.equals(stateDir);
                      p = p.getParent()) {
                    if (p.getFileName().toString().equals(store)) {
                      try {
                        out.merge(store, Files.size(f), Long::sum);
                      } catch (IOException e) {
                        throw new UncheckedIOException(e);
                      }
                      return;
                    }
                  }
                }
              });
    }
    return out;
  }

  private static KafkaProducer<String, byte[]> producer(LooplineConfig config) {
    Map<String, Object> props = new HashMap<>(config.kafkaClientProps());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.LINGER_MS_CONFIG, 10);
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
  }

  private static KafkaConsumer<String, byte[]> consumer(LooplineConfig config, String topic) {
    Map<String, Object> props = new HashMap<>(config.kafkaClientProps());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
    KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(
            props,
            new org.apache.kafka.common.serialization.StringDeserializer(),
            new ByteArrayDeserializer());
    List<TopicPartition> parts =
        c.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    c.assign(parts);
    c.seekToEnd(parts);
    parts.forEach(c::position); // resolve now, before any correction is sent
    return c;
  }

  private interface Condition {
    boolean met();
  }

  private static void waitUntil(Condition c, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!c.met()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after " + timeout);
      }
      Thread.sleep(100);
    }
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
