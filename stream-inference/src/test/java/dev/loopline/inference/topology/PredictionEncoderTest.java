package dev.loopline.inference.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopline.avro.Event;
import dev.loopline.avro.Prediction;
import dev.loopline.inference.FakeRegistry;
import dev.loopline.inference.TableScorer;
import dev.loopline.inference.model.ServingModel;
import dev.loopline.model.artifact.ModelMetadata;
import dev.loopline.model.features.SparseVector;
import dev.loopline.model.policy.Decision;
import dev.loopline.model.scoring.Scorer;
import dev.loopline.serde.AvroSerdes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The hand-written prediction encoding against the registry serializer (on a fake registry): byte
 * for byte, schema id per topic, and the fallback to the serializer when they differ.
 */
class PredictionEncoderTest {

  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  private static FakeRegistry registry;
  private static Serde<Prediction> serde;

  /** Every serializer call, by topic. */
  private final List<String> calls = new ArrayList<>();

  @BeforeAll
  static void startRegistry() throws Exception {
    registry = new FakeRegistry();
    serde =
        AvroSerdes.specific(Prediction.class, Map.of("schema.registry.url", registry.url()), false);
  }

  @AfterAll
  static void stopRegistry() {
    registry.close();
  }

  /** The registry serializer, counting calls; for topics "other.*" it writes schema id + 1000. */
  private Serializer<Prediction> counting() {
    return (topic, p) -> {
      calls.add(topic);
      byte[] b = serde.serializer().serialize(topic, p);
      if (topic.startsWith("other.")) {
        b[2] = (byte) (b[2] + 3); // another schema id for the same writer schema
      }
      return b;
    };
  }

  private static ServingModel model(int version, String fingerprint, String... labels) {
    TableScorer table = new TableScorer(version, labels);
    ModelMetadata m = table.metadata();
    ModelMetadata meta =
        new ModelMetadata(
            "tickets-ü",
            version,
            m.labels(),
            m.featurizer(),
            fingerprint,
            m.inputKind(),
            m.inputNames(),
            m.outputName(),
            m.createdAt(),
            null,
            0,
            null,
            null,
            Map.of(),
            Map.of());
    Scorer scorer =
        new Scorer() {
          @Override
          public ModelMetadata metadata() {
            return meta;
          }

          @Override
          public float[][] predict(List<SparseVector> batch) {
            throw new UnsupportedOperationException();
          }

          @Override
          public void close() {}
        };
    return new ServingModel(scorer, T0);
  }

  private static PredictionEncoder.Scored scored(
      ServingModel model, Random r, String route, boolean shadow) {
    String id =
        switch (r.nextInt(4)) {
          case 0 -> "ev-" + r.nextInt(1_000_000);
          case 1 -> "Ereignis-ä-" + r.nextLong();
          case 2 -> "票-" + r.nextInt() + "-\uD83D\uDE00";
          default -> "x".repeat(r.nextInt(300));
        };
    int n = model.labels().size();
    float[] probs = new float[n];
    for (int j = 0; j < n; j++) {
      probs[j] = r.nextInt(10) == 0 ? 0f : r.nextFloat();
    }
    int top = n == 0 ? 0 : r.nextInt(n);
    Decision d =
        new Decision(
            r.nextBoolean() ? "AUTO_ROUTE" : "BLOCK-é",
            null,
            r.nextBoolean(),
            top,
            n == 0 ? "none" : model.labels().get(top),
            n == 0 ? 0 : probs[top]);
    Event e = new Event(id, T0.minusMillis(r.nextInt(1 << 30)), "text", Map.of(), null);
    long latency = r.nextInt(3) == 0 ? -r.nextInt(5) : r.nextLong() >>> r.nextInt(64);
    return new PredictionEncoder.Scored(
        model,
        e,
        probs,
        d,
        route,
        shadow,
        latency,
        1 + r.nextInt(5000),
        T0.plusMillis(r.nextInt()));
  }

  @Test
  void encodesByteForByteLikeTheRegistrySerializer() {
    PredictionEncoder encoder = new PredictionEncoder(counting());
    Random r = new Random(42);
    List<ServingModel> models =
        List.of(
            model(1, "fp-1", "billing", "tech", "sales"),
            model(2, null, "billing", "Rückerstattung", "tech", "sales", "x"),
            model(3, "fp-3"));
    for (int i = 0; i < 2_000; i++) {
      ServingModel m = models.get(r.nextInt(models.size()));
      String topic = r.nextInt(3) == 0 ? "predictions.shadow" : "predictions";
      PredictionEncoder.Scored s =
          scored(m, r, topic.endsWith("shadow") ? "" : "routed.billing", topic.endsWith("shadow"));
      Encoded encoded = encoder.encode(topic, s);
      assertThat(encoded.topic()).isEqualTo(topic);
      assertThat(encoded.bytes())
          .as("prediction %d", i)
          .isEqualTo(serde.serializer().serialize(topic, s.toPrediction()));
      Deserializer<Prediction> back = serde.deserializer();
      assertThat(back.deserialize(topic, encoded.bytes())).isEqualTo(s.toPrediction());
    }
    assertThat(encoder.handWritten("predictions")).isTrue();
    assertThat(encoder.handWritten("predictions.shadow")).isTrue();
    // The serializer ran once per topic: for the schema id and the byte-for-byte check.
    assertThat(calls).containsExactlyInAnyOrder("predictions", "predictions.shadow");
  }

  @Test
  void sharesTheBytesWhenTheSecondTopicHasTheSameSchemaId() {
    PredictionEncoder encoder = new PredictionEncoder(counting());
    Random r = new Random(7);
    ServingModel m = model(1, "fp", "billing", "tech");
    for (int i = 0; i < 3; i++) {
      PredictionEncoder.Scored s = scored(m, r, "routed.billing", false);
      Encoded first = encoder.encode("predictions", s);
      Encoded routed = encoder.reuse("routed.billing", s, first);
      assertThat(routed.topic()).isEqualTo("routed.billing");
      assertThat(routed.bytes())
          .isEqualTo(serde.serializer().serialize("routed.billing", s.toPrediction()));
      if (i > 0) {
        assertThat(routed.bytes()).isSameAs(first.bytes());
      }
      assertThat(encoder.reuse("predictions", s, first)).isSameAs(first);
    }
    assertThat(calls).containsExactly("predictions", "routed.billing");
  }

  @Test
  void encodesAgainForATopicWithAnotherSchemaId() {
    PredictionEncoder encoder = new PredictionEncoder(counting());
    Random r = new Random(9);
    ServingModel m = model(1, "fp", "billing", "tech");
    for (int i = 0; i < 3; i++) {
      PredictionEncoder.Scored s = scored(m, r, "other.triage", false);
      Encoded first = encoder.encode("predictions", s);
      Encoded other = encoder.reuse("other.triage", s, first);
      byte[] expected = serde.serializer().serialize("other.triage", s.toPrediction());
      expected[2] += 3;
      assertThat(other.bytes()).isEqualTo(expected);
      assertThat(other.bytes()[2]).isNotEqualTo(first.bytes()[2]);
    }
    assertThat(encoder.handWritten("other.triage")).isTrue();
    assertThat(calls).containsExactly("predictions", "other.triage");
  }

  @Test
  void aSerializerWithAnotherWireFormatEncodesEveryPrediction() {
    Serializer<Prediction> custom =
        (topic, p) -> {
          calls.add(topic);
          return ("custom:" + p.getEventId()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        };
    PredictionEncoder encoder = new PredictionEncoder(custom);
    Random r = new Random(11);
    ServingModel m = model(1, "fp", "billing", "tech");
    for (int i = 0; i < 3; i++) {
      PredictionEncoder.Scored s = scored(m, r, "routed.billing", false);
      Encoded first = encoder.encode("predictions", s);
      Encoded routed = encoder.reuse("routed.billing", s, first);
      assertThat(new String(routed.bytes(), java.nio.charset.StandardCharsets.UTF_8))
          .isEqualTo("custom:" + s.event().getId());
    }
    assertThat(encoder.handWritten("predictions")).isFalse();
    assertThat(calls).hasSize(6);
  }
}
