/**
 * Kafka serdes for generated Avro classes in the Confluent wire format (magic byte 0, 4-byte schema
 * id, Avro binary), so Loopline's topics are readable by any Confluent-compatible tool.
 */
package dev.loopline.serde;
