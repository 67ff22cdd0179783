package dev.loopline.feedback.topology;

import dev.loopline.avro.Correction;
import dev.loopline.avro.Event;
import dev.loopline.avro.Forgotten;
import dev.loopline.avro.LabeledExample;
import dev.loopline.avro.Prediction;
import org.apache.kafka.common.serialization.Serde;

/**
 * The value serdes of the collector's topics, passed in so the topology stays a pure function:
 * production wires the registry-backed Confluent wire-format serdes, tests may wire others.
 */
public record FeedbackSerdes(
    Serde<Event> event,
    Serde<Prediction> prediction,
    Serde<Correction> correction,
    Serde<LabeledExample> labeledExample,
    Serde<Forgotten> forgotten) {}
