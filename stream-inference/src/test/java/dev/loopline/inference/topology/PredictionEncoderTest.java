package dev.loopline.inference.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopline.avro.Prediction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;

class PredictionEncoderTest {

  /** Frames like the registry serializer: a per-topic "schema id" byte, then the event id. */
  private final List<String> calls = new ArrayList<>();

  private final Serializer<Prediction> serializer =
      (topic, p) -> {
        calls.add(topic);
        byte id = (byte) (topic.startsWith("other.") ? 2 : 1);
        byte[] body = p.getEventId().getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[body.length + 1];
        out[0] = id;
        System.arraycopy(body, 0, out, 1, body.length);
        return out;
      };

  private static Prediction prediction(String id) {
    Prediction p = new Prediction();
    p.setEventId(id);
    return p;
  }

  @Test
  void sharesTheBytesWhenTheSecondTopicEncodesIdentically() {
    PredictionEncoder encoder = new PredictionEncoder(serializer);
    Encoded first = encoder.encode("predictions", prediction("a"));
    Encoded routed = encoder.reuse("routed.billing", prediction("a"), first);
    assertThat(routed.topic()).isEqualTo("routed.billing");
    assertThat(routed.bytes()).isEqualTo(first.bytes());
    assertThat(calls).containsExactly("predictions", "routed.billing");

    Encoded second = encoder.encode("predictions", prediction("b"));
    Encoded routedAgain = encoder.reuse("routed.billing", prediction("b"), second);
    assertThat(routedAgain.bytes()).isSameAs(second.bytes());
    assertThat(routedAgain.topic()).isEqualTo("routed.billing");
    assertThat(calls).containsExactly("predictions", "routed.billing", "predictions");
  }

  @Test
  void encodesAgainForATopicWithAnotherSchemaId() {
    PredictionEncoder encoder = new PredictionEncoder(serializer);
    for (String id : List.of("a", "b")) {
      Encoded first = encoder.encode("predictions", prediction(id));
      Encoded other = encoder.reuse("other.triage", prediction(id), first);
      assertThat(other.bytes()[0]).isEqualTo((byte) 2);
      assertThat(new String(other.bytes(), 1, other.bytes().length - 1, StandardCharsets.UTF_8))
          .isEqualTo(id);
    }
    assertThat(calls).containsExactly("predictions", "other.triage", "predictions", "other.triage");
  }

  @Test
  void theSameTopicReusesWithoutEncoding() {
    PredictionEncoder encoder = new PredictionEncoder(serializer);
    Encoded first = encoder.encode("predictions", prediction("a"));
    assertThat(encoder.reuse("predictions", prediction("a"), first)).isSameAs(first);
    assertThat(calls).containsExactly("predictions");
  }
}
