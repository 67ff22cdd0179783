package dev.loopline.bench;

import dev.loopline.avro.Event;
import dev.loopline.avro.LabelProbability;
import dev.loopline.avro.Prediction;
import dev.loopline.embedded.EmbeddedPlatform;
import dev.loopline.serde.AvroSerdes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

/**
 * Serde throughput: records/s to encode and decode {@link Event} and {@link Prediction} with the
 * Confluent wire-format serde (registry on the embedded platform; ids cached after the first
 * record), against raw Avro binary encode/decode of the same records in the same process as the
 * baseline (no framing, no registry). One thread; median of the timed rounds after warm-up.
 *
 * <p>Run: {@code java -cp <classpath> dev.loopline.bench.SerdeBenchmark [records] [rounds]}.
 */
public final class SerdeBenchmark {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final String[] LABELS = {"billing", "access", "shipping", "technical"};

  private SerdeBenchmark() {}

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
    try (EmbeddedPlatform platform = EmbeddedPlatform.start(EmbeddedPlatform.Options.forTests())) {
      Map<String, Object> config = platform.config().registryClientProps();
      List<String> rows = new ArrayList<>();
      rows.addAll(measure("Event", events(n), Event.class, config, rounds));
      rows.addAll(measure("Prediction", predictions(n), Prediction.class, config, rounds));
      System.out.printf(
          Locale.ROOT,
          "%nSerde throughput, %d records, median of %d rounds, 1 thread, %d cores, JDK %s%n",
          n,
          rounds,
          Runtime.getRuntime().availableProcessors(),
          System.getProperty("java.version"));
      System.out.printf(
          Locale.ROOT,
          "%-11s %-28s %14s %14s %10s%n",
          "record",
          "path",
          "encode rec/s",
          "decode rec/s",
          "bytes/rec");
      rows.forEach(System.out::println);
    }
  }

  private static <T extends SpecificRecord> List<String> measure(
      String name, List<T> records, Class<T> type, Map<String, Object> config, int rounds) {
    Serde<T> serde = AvroSerdes.specific(type, config, false);
    String topic = "bench-" + name.toLowerCase(Locale.ROOT);
    Function<T, byte[]> serdeEncode = r -> serde.serializer().serialize(topic, r);
    Function<byte[], T> serdeDecode = b -> serde.deserializer().deserialize(topic, b);

    SpecificData model = SpecificData.getForClass(type);
    SpecificDatumWriter<T> writer = new SpecificDatumWriter<>(model.getSchema(type), model);
    SpecificDatumReader<T> reader =
        new SpecificDatumReader<>(model.getSchema(type), model.getSchema(type), model);
    BinaryEncoder[] enc = new BinaryEncoder[1];
    BinaryDecoder[] dec = new BinaryDecoder[1];
    Function<T, byte[]> rawEncode =
        r -> {
          try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            enc[0] = EncoderFactory.get().directBinaryEncoder(out, enc[0]);
            writer.write(r, enc[0]);
            enc[0].flush();
            return out.toByteArray();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        };
    Function<byte[], T> rawDecode =
        b -> {
          try {
            dec[0] = DecoderFactory.get().binaryDecoder(b, dec[0]);
            return reader.read(null, dec[0]);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        };
    return rows(
        name,
        records,
        List.of(
            new Path<>("Confluent wire-format serde", serdeEncode, serdeDecode),
            new Path<>("raw Avro binary (baseline)", rawEncode, rawDecode)),
        rounds);
  }

  private record Path<T>(String name, Function<T, byte[]> encode, Function<byte[], T> decode) {}

  /** Rounds alternate between the paths, so load changes on a shared machine hit both alike. */
  private static <T> List<String> rows(
      String name, List<T> records, List<Path<T>> paths, int rounds) {
    byte[][] bytes = new byte[records.size()][];
    double[][] encodeRates = new double[paths.size()][rounds];
    double[][] decodeRates = new double[paths.size()][rounds];
    long[] totalBytes = new long[paths.size()];
    long sink = 0;
    for (int round = -3; round < rounds; round++) { // 3 warm-up rounds
      for (int p = 0; p < paths.size(); p++) {
        Path<T> path = paths.get(p);
        long t0 = System.nanoTime();
        for (int i = 0; i < records.size(); i++) {
          bytes[i] = path.encode().apply(records.get(i));
        }
        long t1 = System.nanoTime();
        for (byte[] b : bytes) {
          sink += path.decode().apply(b).hashCode();
        }
        long t2 = System.nanoTime();
        if (round >= 0) {
          encodeRates[p][round] = records.size() * 1e9 / (t1 - t0);
          decodeRates[p][round] = records.size() * 1e9 / (t2 - t1);
        }
        totalBytes[p] = 0;
        for (byte[] b : bytes) {
          totalBytes[p] += b.length;
        }
      }
    }
    if (sink == 42) {
      System.out.print("");
    }
    List<String> out = new ArrayList<>();
    for (int p = 0; p < paths.size(); p++) {
      out.add(
          String.format(
              Locale.ROOT,
              "%-11s %-28s %,14.0f %,14.0f %10.1f",
              name,
              paths.get(p).name(),
              median(encodeRates[p]),
              median(decodeRates[p]),
              (double) totalBytes[p] / records.size()));
    }
    return out;
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v[v.length / 2];
  }

  private static List<Event> events(int n) {
    Random random = new Random(42);
    List<Event> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Map<String, String> attributes = new HashMap<>();
      attributes.put("channel", random.nextBoolean() ? "mail" : "chat");
      attributes.put("tier", "t" + random.nextInt(3));
      out.add(
          Event.newBuilder()
              .setId("ev-" + i)
              .setOccurredAt(T0.plusMillis(i))
              .setText(text(random, 160))
              .setAttributes(attributes)
              .build());
    }
    return out;
  }

  private static List<Prediction> predictions(int n) {
    Random random = new Random(7);
    List<Prediction> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      List<LabelProbability> probs = new ArrayList<>();
      double rest = 1.0;
      for (int l = 0; l < LABELS.length; l++) {
        double p = l == LABELS.length - 1 ? rest : rest * random.nextDouble();
        rest -= p;
        probs.add(new LabelProbability(LABELS[l], p));
      }
      out.add(
          Prediction.newBuilder()
              .setEventId("ev-" + i)
              .setModelName("tickets")
              .setModelVersion(3)
              .setProbabilities(probs)
              .setTopLabel(LABELS[0])
              .setTopProbability(probs.get(0).getProbability())
              .setDecision("AUTO_ROUTE")
              .setRoute("routed.billing")
              .setOccurredAt(T0.plusMillis(i))
              .setScoredAt(T0.plusMillis(i + 3))
              .setScoringLatencyMicros(180)
              .setBatchSize(64)
              .setFeaturizerFingerprint("fp-3a9c")
              .build());
    }
    return out;
  }

  private static String text(Random random, int length) {
    String words = "printer login invoice refund password broken cannot order shipped late ";
    StringBuilder sb = new StringBuilder(length);
    while (sb.length() < length) {
      int start = random.nextInt(words.length() - 10);
      sb.append(words, start, start + 8);
    }
    return sb.substring(0, length);
  }
}
