package dev.loopline.backtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loopline.avro.LabelProbability;
import dev.loopline.avro.Prediction;
import dev.loopline.serde.AvroClassTrust;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

/**
 * The hand-written served-prediction reader against Avro's own reader: the same record for every
 * prediction it reads, the same skips (other models, shadow), an exception (so the registry
 * deserializer decides) for every truncation, and only the compiled layout accepted.
 */
class ServedReaderTest {

  private static final String MODEL = "tickets";

  private static byte[] wire(Prediction p, boolean blocking) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {0, 0, 0, 0, 42});
    BinaryEncoder enc =
        blocking
            ? EncoderFactory.get().blockingBinaryEncoder(out, null)
            : EncoderFactory.get().binaryEncoder(out, null);
    new SpecificDatumWriter<>(Prediction.class).write(p, enc);
    enc.flush();
    return out.toByteArray();
  }

  /** What the registry path gives: Avro's reader, then the same conversion. */
  private static BacktestRecord viaAvro(byte[] data) throws IOException {
    AvroClassTrust.trust(Prediction.class);
    Prediction p =
        new SpecificDatumReader<>(Prediction.class)
            .read(null, DecoderFactory.get().binaryDecoder(data, 5, data.length - 5, null));
    return PredictionDeserializer.toRecord(p);
  }

  private static Prediction prediction(Random rnd, int i) {
    int n = 1 + rnd.nextInt(i % 7 == 0 ? 40 : 6);
    List<LabelProbability> probs = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      String label =
          switch (k % 4) {
            case 0 -> "billing";
            case 1 -> "Rechnung-ü-" + k;
            case 2 -> "請求" + "x".repeat(k % 3 == 0 ? 70 : 1); // some longer than the cache takes
            default -> "label-" + rnd.nextInt(1000);
          };
      probs.add(new LabelProbability(label, rnd.nextDouble()));
    }
    return Prediction.newBuilder()
        .setEventId("ev-" + i + "-" + "é".repeat(i % 5))
        .setModelName(MODEL)
        .setModelVersion(i % 3 == 0 ? Integer.MAX_VALUE - i : i)
        .setProbabilities(probs)
        .setTopLabel(probs.get(0).getLabel())
        .setTopProbability(rnd.nextDouble())
        .setDecision(i % 2 == 0 ? "AUTO_ROUTE" : "TRIAGE")
        .setRoute(i % 2 == 0 ? "routed.billing" : "triage")
        .setAudit(i % 5 == 0)
        .setShadow(false)
        .setOccurredAt(Instant.ofEpochMilli(1_700_000_000_000L + i))
        .setScoredAt(Instant.ofEpochMilli(i % 4 == 0 ? 0 : 1_800_000_000_000L + 7L * i))
        .setScoringLatencyMicros(i % 6 == 0 ? -3 : 12345L * i)
        .setBatchSize(i % 9)
        .setFeaturizerFingerprint(i % 2 == 0 ? null : "fp-" + i)
        .build();
  }

  @Test
  void readsWhatAvrosReaderReads() throws IOException {
    Random rnd = new Random(7);
    ServedReader reader = new ServedReader(MODEL);
    Prediction sample = prediction(rnd, 1);
    assertThat(wire(sample, true).length)
        .as("the blocking encoder writes arrays as (-count, bytes) blocks")
        .isGreaterThan(wire(sample, false).length);
    for (int i = 0; i < 500; i++) {
      byte[] data = wire(prediction(rnd, i), i % 3 == 1);
      BacktestRecord fast = reader.read(data);
      assertThat(fast).as("record %d", i).usingRecursiveComparison().isEqualTo(viaAvro(data));
    }
  }

  @Test
  void repeatedStringsAreBuiltOnce() throws IOException {
    Random rnd = new Random(1);
    ServedReader reader = new ServedReader(MODEL);
    BacktestRecord a = reader.read(wire(prediction(rnd, 2), false));
    BacktestRecord b = reader.read(wire(prediction(rnd, 4), false));
    assertThat(b.servedDecision).isEqualTo("AUTO_ROUTE").isSameAs(a.servedDecision);
    assertThat(b.servedLabels[0]).isEqualTo("billing").isSameAs(a.servedLabels[0]);
  }

  @Test
  void skipsOtherModelsAndShadowPredictions() throws IOException {
    Random rnd = new Random(3);
    ServedReader reader = new ServedReader(MODEL);
    Prediction p = prediction(rnd, 1);
    assertThat(reader.read(wire(p, false))).isNotNull();
    for (String other : List.of("ticket", "ticketsx", "Tickets", "")) {
      p.setModelName(other);
      assertThat(reader.read(wire(p, false))).as(other).isNull();
    }
    p.setModelName(MODEL);
    p.setShadow(true);
    assertThat(reader.read(wire(p, false))).isNull();
  }

  @Test
  void everyTruncationThrows() throws IOException {
    Random rnd = new Random(5);
    ServedReader reader = new ServedReader(MODEL);
    for (boolean shadow : List.of(false, true)) {
      Prediction p = prediction(rnd, 1);
      p.setShadow(shadow);
      byte[] data = wire(p, false);
      for (int len = 5; len < data.length; len++) {
        byte[] cut = Arrays.copyOf(data, len);
        assertThatThrownBy(() -> reader.read(cut)).as("%d of %d bytes", len, data.length);
      }
      assertThat(reader.read(data) == null).isEqualTo(shadow);
    }
  }

  @Test
  void rejectsBadUnionBranchesAndOverlongNumbers() throws IOException {
    ServedReader reader = new ServedReader(MODEL);
    byte[] data = wire(prediction(new Random(9), 2), false); // fingerprint null: last byte 0
    assertThat(data[data.length - 1]).isEqualTo((byte) 0);
    data[data.length - 1] = 4; // branch 2
    assertThatThrownBy(() -> reader.read(data)).hasMessageContaining("union branch 2");
    // modelVersion as a 6-byte varint: Avro's reader rejects it, so must this one
    Prediction p = prediction(new Random(9), 2);
    byte[] ok = wire(p, false);
    int at = 5 + 1 + ok[5] / 2 + 1 + MODEL.length(); // header, eventId, modelName
    byte[] bad = new byte[ok.length + 5];
    System.arraycopy(ok, 0, bad, 0, at);
    byte[] overlong = {(byte) 0x84, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0};
    System.arraycopy(overlong, 0, bad, at, overlong.length);
    System.arraycopy(ok, at + 1, bad, at + overlong.length, ok.length - at - 1);
    assertThat(ok[at]).as("version 2, zigzag 4, one byte").isEqualTo((byte) 4);
    assertThatThrownBy(() -> reader.read(bad)).hasMessageContaining("invalid int");
    assertThatThrownBy(() -> viaAvro(bad)).as("Avro's reader too");
  }

  @Test
  void acceptsOnlyTheCompiledLayout() {
    Schema compiled = Prediction.getClassSchema();
    assertThat(ServedReader.knownLayout(compiled)).isTrue();
    String json = compiled.toString();
    // docs and defaults do not change the bytes
    assertThat(
            ServedReader.knownLayout(
                new Schema.Parser()
                    .parse(json.replace("\"default\":1", "\"default\":2").replace("doc", "d0c"))))
        .isTrue();
    // without the last field, with one more, or two fields swapped: another layout
    assertThat(
            ServedReader.knownLayout(
                new Schema.Parser()
                    .parse(
                        json.replaceFirst(
                            ",\\{\"name\":\"featurizerFingerprint\".*\\}\\]\\}$", "]}"))))
        .isFalse();
    assertThat(
            ServedReader.knownLayout(
                new Schema.Parser()
                    .parse(
                        json.replaceFirst(
                            "\\]\\}$", ",{\"name\":\"extra\",\"type\":\"int\",\"default\":0}]}"))))
        .isFalse();
    assertThat(
            ServedReader.knownLayout(
                new Schema.Parser()
                    .parse(
                        json.replace("\"name\":\"audit\"", "\"name\":\"tmp\"")
                            .replace("\"name\":\"shadow\"", "\"name\":\"audit\"")
                            .replace("\"name\":\"tmp\"", "\"name\":\"shadow\""))))
        .isFalse();
  }
}
