package dev.loopline.inference.topology;

import dev.loopline.avro.Prediction;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Encodes predictions with the configured serializer, and reuses one encoding for a second topic
 * when that topic's encoding is byte-identical: the registry serializer resolves a schema id per
 * topic (subject), so the first prediction sent to each further topic is encoded for that topic and
 * compared with the first topic's bytes. Equal bytes mean the same schema id and writer schema, so
 * every later prediction encodes identically too and the bytes are shared; otherwise that topic
 * keeps its own encoding. One instance per processor (stream thread): not thread-safe.
 */
final class PredictionEncoder {

  private final Serializer<Prediction> serializer;
  private final Map<String, Map<String, Boolean>> sameWire = new HashMap<>();

  PredictionEncoder(Serializer<Prediction> serializer) {
    this.serializer = serializer;
  }

  Encoded encode(String topic, Prediction p) {
    return new Encoded(topic, serializer.serialize(topic, p));
  }

  /** {@code p} for {@code topic}, sharing {@code encoded}'s bytes when the wire format matches. */
  Encoded reuse(String topic, Prediction p, Encoded encoded) {
    if (topic.equals(encoded.topic())) {
      return encoded;
    }
    Map<String, Boolean> known = sameWire.computeIfAbsent(encoded.topic(), t -> new HashMap<>());
    Boolean same = known.get(topic);
    if (same == null) {
      Encoded own = encode(topic, p);
      known.put(topic, Arrays.equals(own.bytes(), encoded.bytes()));
      return own;
    }
    return same ? new Encoded(topic, encoded.bytes()) : encode(topic, p);
  }
}
