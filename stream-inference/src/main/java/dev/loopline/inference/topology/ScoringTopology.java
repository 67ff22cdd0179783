package dev.loopline.inference.topology;

import dev.loopline.avro.Event;
import dev.loopline.avro.Prediction;
import dev.loopline.inference.ScoringSettings;
import dev.loopline.inference.model.Models;
import dev.loopline.inference.ops.ScoringMetrics;
import dev.loopline.model.policy.DecisionPolicy;
import dev.loopline.topics.Topics;
import java.time.Clock;
import java.util.concurrent.Executor;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;

/**
 * The scoring topology as a pure function of its inputs, so it runs the same on TopologyTestDriver
 * and on a cluster: {@code events} -> validate -> micro-batch -> featurize + score -> policy ->
 * {@code predictions} + {@code routed.<slug>}/{@code triage}, and {@code predictions.shadow} for
 * the sampled shadow scores.
 */
public final class ScoringTopology {

  public static final String SOURCE = "events-source";
  public static final String SCORER = "scorer";
  public static final String BUFFER_STORE = "scoring-batch-buffer";

  /** The one sink: {@code predictions}, the routes and {@code predictions.shadow}. */
  public static final String SINK = "predictions-sink";

  private ScoringTopology() {}

  /**
   * @param modelThreads where full batches are featurized and scored while the stream thread goes
   *     on (see {@link ScoringProcessor}); null scores every batch on the stream thread
   */
  public static Topology build(
      ScoringSettings settings,
      Topics topics,
      Models models,
      DecisionPolicy policy,
      Serde<Event> eventSerde,
      Serde<Prediction> predictionSerde,
      ScoringMetrics metrics,
      Clock clock,
      Executor modelThreads) {
    Serde<String> keys = Serdes.String();
    EventValidator validator = EventValidator.from(settings);
    Topology t = new Topology();
    t.addSource(SOURCE, keys.deserializer(), eventSerde.deserializer(), topics.events());
    t.addProcessor(
        SCORER,
        () ->
            new ScoringProcessor(
                BUFFER_STORE,
                models,
                policy,
                topics,
                validator,
                metrics,
                clock,
                settings.batchMaxSize(),
                settings.batchMaxWaitMs(),
                new PredictionEncoder(predictionSerde.serializer()),
                modelThreads),
        SOURCE);
    t.addStateStore(CommitFlushedBuffer.<ScoringProcessor.Pending>builder(BUFFER_STORE), SCORER);
    // The processor hands over predictions already encoded (once for predictions and route), each
    // with its topic: one sink serves all outputs, so a forward needs no lookup of a child by name.
    t.addSink(SINK, (key, value, ctx) -> value.topic(), keys.serializer(), Encoded.BYTES, SCORER);
    return t;
  }
}
