package dev.loopline.inference.topology;

import org.apache.kafka.common.serialization.Serializer;

/**
 * A prediction already in its wire format (Confluent framing + Avro) and the topic it was encoded
 * for. The processor encodes each prediction once and forwards the same bytes to {@code
 * predictions} and to its route, instead of letting two sinks run the Avro encoder twice; the sinks
 * only hand the bytes on ({@link #BYTES}) and the route sink takes its topic from {@link #topic()}.
 */
record Encoded(String topic, byte[] bytes) {

  /** The sinks' value serializer: the bytes as encoded. */
  static final Serializer<Encoded> BYTES = (topic, value) -> value == null ? null : value.bytes();
}
