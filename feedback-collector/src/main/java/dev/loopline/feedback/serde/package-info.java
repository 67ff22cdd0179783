/**
 * Serdes for the collector's internal state: Avro single-object encoding for records and
 * fixed-width counters for stats. Topic serdes (Confluent wire format) come from {@code schemas}.
 */
package dev.loopline.feedback.serde;
