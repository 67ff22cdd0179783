package dev.loopline.feedback.topology;

import dev.loopline.avro.Correction;
import dev.loopline.avro.LabeledExample;
import dev.loopline.feedback.CollectorConfig;
import dev.loopline.topics.Topics;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * The collector's topology as a pure function of its configuration, topic catalog and serdes.
 *
 * <p>Inputs {@code events}, {@code predictions} (the log of what served), {@code corrections},
 * {@code triage} and {@code forgotten} are merged into one processor ({@link
 * FeedbackJoinProcessor}) whose state is keyed by event id, so the four event-keyed topics must be
 * co-partitioned (same partition count, default partitioner). {@code forgotten} has one partition,
 * so it is first repartitioned by event id to {@link Topics#partitions()} partitions.
 *
 * <p>Outputs: {@code feedback} (compacted, one {@code LabeledExample} per event id; tombstones for
 * forgotten events) and {@code corrections.unmatched} (corrections whose event never arrived within
 * the retention).
 */
public final class FeedbackTopology {

  public static final String JOIN_PROCESSOR = "feedback-join";
  public static final String FORGOTTEN_REPARTITION = "forgotten-by-event";

  private FeedbackTopology() {}

  public static Topology build(
      CollectorConfig config, Topics topics, FeedbackSerdes serdes, CollectorMetrics metrics) {
    StreamsBuilder builder = new StreamsBuilder();
    for (StoreBuilder<?> store : FeedbackStores.builders(config)) {
      builder.addStateStore(store);
    }
    Serde<String> keys = Serdes.String();

    KStream<String, Input> events =
        builder.stream(
                topics.events(), Consumed.with(keys, serdes.event()).withName("events-source"))
            .mapValues(v -> new Input(Input.Kind.EVENT, v), Named.as("events-in"));
    KStream<String, Input> predictions =
        builder.stream(
                topics.predictions(),
                Consumed.with(keys, serdes.prediction()).withName("predictions-source"))
            .mapValues(v -> new Input(Input.Kind.PREDICTION, v), Named.as("predictions-in"));
    KStream<String, Input> corrections =
        builder.stream(
                topics.corrections(),
                Consumed.with(keys, serdes.correction()).withName("corrections-source"))
            .mapValues(v -> new Input(Input.Kind.CORRECTION, v), Named.as("corrections-in"));
    KStream<String, Input> triage =
        builder.stream(
                topics.triage(), Consumed.with(keys, serdes.prediction()).withName("triage-source"))
            .mapValues(v -> new Input(Input.Kind.TRIAGE, v), Named.as("triage-in"));
    KStream<String, Input> forgotten =
        builder.stream(
                topics.forgotten(),
                Consumed.with(keys, serdes.forgotten()).withName("forgotten-source"))
            .repartition(
                Repartitioned.with(keys, serdes.forgotten())
                    .withName(FORGOTTEN_REPARTITION)
                    .withNumberOfPartitions(topics.partitions()))
            .mapValues(v -> new Input(Input.Kind.FORGOTTEN, v), Named.as("forgotten-in"));

    KStream<String, Output> out =
        events
            .merge(predictions, Named.as("merge-predictions"))
            .merge(corrections, Named.as("merge-corrections"))
            .merge(triage, Named.as("merge-triage"))
            .merge(forgotten, Named.as("merge-forgotten"))
            .process(
                () -> new FeedbackJoinProcessor(config, topics, metrics),
                Named.as(JOIN_PROCESSOR),
                FeedbackStores.ALL.toArray(String[]::new));

    out.split(Named.as("out-"))
        .branch(
            (k, v) -> v.kind() == Output.Kind.FEEDBACK,
            Branched.withConsumer(
                s ->
                    s.mapValues(v -> (LabeledExample) v.value(), Named.as("feedback-out"))
                        .to(
                            topics.feedback(),
                            Produced.with(keys, serdes.labeledExample()).withName("feedback-sink")),
                "feedback"))
        .branch(
            (k, v) -> v.kind() == Output.Kind.UNMATCHED,
            Branched.withConsumer(
                s ->
                    s.mapValues(v -> (Correction) v.value(), Named.as("unmatched-out"))
                        .to(
                            topics.correctionsUnmatched(),
                            Produced.with(keys, serdes.correction()).withName("unmatched-sink")),
                "unmatched"))
        .noDefaultBranch();
    return builder.build();
  }
}
