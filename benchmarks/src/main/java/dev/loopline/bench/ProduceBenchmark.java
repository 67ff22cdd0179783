package dev.loopline.bench;

import dev.loopline.avro.Event;
import dev.loopline.config.LooplineConfig;
import dev.loopline.embedded.EmbeddedPlatform;
import dev.loopline.launcher.produce.EventProducer;
import dev.loopline.launcher.produce.EventWriter;
import dev.loopline.launcher.produce.InputFormat;
import dev.loopline.launcher.produce.ProduceReport;
import dev.loopline.launcher.produce.ProgressListener;
import dev.loopline.launcher.produce.ValidationRules;
import dev.loopline.launcher.sim.GeneratedTicket;
import dev.loopline.launcher.sim.TicketGenerator;
import dev.loopline.serde.AvroSerdes;
import dev.loopline.topics.TopicAdmin;
import dev.loopline.topics.TopicSpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Produce throughput of {@code loopline produce} against the plain Kafka producer, in one run, on
 * the same generated tickets and the same broker.
 *
 * <ul>
 *   <li><b>plain</b>: a {@code KafkaProducer<byte[], byte[]>} sending keys and values serialized
 *       before the clock starts (the ceiling: no parsing, no validation, no Avro on the clock).
 *   <li><b>loopline produce</b>: the CLI's path from the bytes of a JSONL (or CSV) file: strict
 *       UTF-8 line reading, parsing, validation, Avro encoding in the Confluent wire format and
 *       sending with timestamp = occurredAt.
 * </ul>
 *
 * Both use the producer settings of {@code produce} ({@link EventProducer#producerProps}: acks=all,
 * idempotence, lz4, linger 10 ms, 256 KiB batches) and topics with the same partition count. Every
 * round runs the paths in turn on fresh topics after a warm-up; the table shows the median and best
 * round. Run it on a quiet machine: throughput moves 2x with other load.
 */
@Command(
    name = "produce-benchmark",
    mixinStandardHelpOptions = true,
    description = "loopline produce vs the plain Kafka producer, same tickets, same broker.")
public final class ProduceBenchmark implements Callable<Integer> {

  @Option(names = "--records", defaultValue = "200000", description = "Tickets per round.")
  int records;

  @Option(names = "--rounds", defaultValue = "3", description = "Measured rounds.")
  int rounds;

  @Option(names = "--warmup", defaultValue = "100000", description = "Tickets per warm-up round.")
  int warmup;

  @Option(names = "--partitions", defaultValue = "4", description = "Partitions per topic.")
  int partitions;

  @Option(
      names = "--bootstrap-servers",
      description = "Use this cluster (with --registry-url) instead of an embedded platform.")
  String bootstrapServers;

  @Option(names = "--registry-url", description = "Schema registry of --bootstrap-servers.")
  String registryUrl;

  private record Input(
      List<Event> events, byte[][] keys, byte[][] values, byte[] jsonl, byte[] csv) {
    long payloadBytes() {
      long n = 0;
      for (byte[] v : values) {
        n += v.length;
      }
      return n;
    }
  }

  private record Round(String path, double seconds, long records) {
    double rate() {
      return records / seconds;
    }
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new ProduceBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    EmbeddedPlatform platform = null;
    LooplineConfig config;
    if (bootstrapServers == null) {
      platform = EmbeddedPlatform.start(EmbeddedPlatform.Options.forTests());
      config = platform.config();
    } else {
      config =
          LooplineConfig.load(
              null,
              System.getenv(),
              Map.of(
                  LooplineConfig.BOOTSTRAP_SERVERS,
                  bootstrapServers,
                  LooplineConfig.REGISTRY_URL,
                  registryUrl == null ? "http://localhost:8081" : registryUrl));
    }
    try {
      run(config);
    } finally {
      if (platform != null) {
        platform.close();
      }
    }
    return 0;
  }

  private void run(LooplineConfig config) throws IOException {
    System.out.printf(
        Locale.ROOT,
        "produce benchmark: %,d tickets x %d rounds (+ warm-up %,d), %d partitions, %d cores, max heap %d MiB%n",
        records,
        rounds,
        warmup,
        partitions,
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20);
    Input warm = input(config, warmup, 1);
    Input input = input(config, records, 42);
    System.out.printf(
        Locale.ROOT,
        "tickets: mean Avro value %.0f B, JSONL %.1f MiB, CSV %.1f MiB%n%n",
        input.payloadBytes() / (double) records,
        input.jsonl().length / 1048576.0,
        input.csv().length / 1048576.0);

    int topic = 0;
    for (String path : List.of("plain", "jsonl", "csv")) {
      measure(config, path, warm, "bench.warm." + topic++);
    }
    List<Round> results = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      for (String path : List.of("plain", "jsonl", "csv")) {
        results.add(measure(config, path, input, "bench.r" + r + "." + topic++));
      }
    }

    double plain = median(results, "plain");
    System.out.printf(
        Locale.ROOT,
        "%-34s %14s %14s %12s %10s%n",
        "path",
        "median rec/s",
        "best rec/s",
        "MiB/s (Avro)",
        "vs plain");
    for (String path : List.of("plain", "jsonl", "csv")) {
      double med = median(results, path);
      double best =
          results.stream()
              .filter(x -> x.path().equals(path))
              .mapToDouble(Round::rate)
              .max()
              .orElse(0);
      System.out.printf(
          Locale.ROOT,
          "%-34s %,14.0f %,14.0f %12.1f %9.2fx%n",
          label(path),
          med,
          best,
          med * input.payloadBytes() / records / 1048576.0,
          med / plain);
    }
  }

  private static String label(String path) {
    return switch (path) {
      case "plain" -> "plain KafkaProducer (pre-serialized)";
      case "jsonl" -> "loopline produce, JSONL";
      default -> "loopline produce, CSV";
    };
  }

  private static double median(List<Round> rounds, String path) {
    double[] rates =
        rounds.stream()
            .filter(r -> r.path().equals(path))
            .mapToDouble(Round::rate)
            .sorted()
            .toArray();
    return rates[rates.length / 2];
  }

  private Round measure(LooplineConfig config, String path, Input input, String topic)
      throws IOException {
    TopicAdmin.ensureTopics(
        config.kafkaClientProps(),
        List.of(new TopicSpec(topic, partitions, TopicSpec.DELETE)),
        (short) 1,
        Duration.ofSeconds(60));
    int n = input.events().size();
    if (path.equals("plain")) {
      try (KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(
              EventProducer.producerProps(config),
              new ByteArraySerializer(),
              new ByteArraySerializer())) {
        producer.partitionsFor(topic); // metadata outside the clock, as for the other path
        AtomicLong failed = new AtomicLong();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
          producer.send(
              new ProducerRecord<>(
                  topic,
                  null,
                  input.events().get(i).getOccurredAt().toEpochMilli(),
                  input.keys()[i],
                  input.values()[i]),
              (m, e) -> {
                if (e != null) {
                  failed.incrementAndGet();
                }
              });
        }
        producer.flush();
        double s = (System.nanoTime() - start) / 1e9;
        check(failed.get() == 0, "plain producer failed " + failed.get() + " records");
        return new Round(path, s, n);
      }
    }
    try (KafkaProducer<String, Event> producer = EventProducer.kafkaProducer(config)) {
      producer.partitionsFor(topic);
      byte[] bytes = path.equals("jsonl") ? input.jsonl() : input.csv();
      InputFormat format = path.equals("jsonl") ? InputFormat.JSONL : InputFormat.CSV;
      long start = System.nanoTime();
      ProduceReport report =
          new EventProducer(producer, topic, 10)
              .produce(
                  new ByteArrayInputStream(bytes),
                  format,
                  ValidationRules.defaults(),
                  ProgressListener.NONE);
      double s = (System.nanoTime() - start) / 1e9;
      check(report.allProduced() && report.produced() == n, "produce path: " + report);
      return new Round(path, s, n);
    }
  }

  private static Input input(LooplineConfig config, int n, long seed) throws IOException {
    List<Event> events =
        new TicketGenerator(TicketGenerator.Settings.defaults(seed))
            .take(n).stream().map(GeneratedTicket::event).toList();
    Serializer<Event> serializer =
        AvroSerdes.specific(Event.class, config.registryClientProps(), false).serializer();
    byte[][] keys = new byte[n][];
    byte[][] values = new byte[n][];
    for (int i = 0; i < n; i++) {
      keys[i] = events.get(i).getId().getBytes(StandardCharsets.UTF_8);
      // Registers the schema under this topic's subject; the bytes are what 'produce' would send.
      values[i] = serializer.serialize("bench.serialized", events.get(i));
    }
    return new Input(
        events, keys, values, write(events, InputFormat.JSONL), write(events, InputFormat.CSV));
  }

  private static byte[] write(List<Event> events, InputFormat format) throws IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8)) {
      EventWriter writer = new EventWriter(w, format, TicketGenerator.ATTRIBUTES);
      for (Event e : events) {
        writer.write(e);
      }
    }
    return out.toByteArray();
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalStateException(message);
    }
  }
}
