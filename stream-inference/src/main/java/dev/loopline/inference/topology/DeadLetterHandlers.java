package dev.loopline.inference.topology;

import dev.loopline.inference.ops.ScoringMetrics;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Kafka Streams' own log-and-continue handlers (which, with {@code
 * errors.dead.letter.queue.topic.name} set, write the raw record to the dead-letter topic with the
 * exception and source topic/partition/offset in headers, KIP-1034), plus a count on the scoring
 * metrics. Undecodable records reach the deserialization handler; events that decode but fail
 * validation ({@link InvalidEventException}) reach the processing handler.
 */
public final class DeadLetterHandlers {

  /** Streams config key under which the app passes its {@link ScoringMetrics} instance. */
  public static final String METRICS_CONFIG = "loopline.scoring.metrics";

  private DeadLetterHandlers() {}

  private static ScoringMetrics metrics(Map<String, ?> configs) {
    Object m = configs.get(METRICS_CONFIG);
    return m instanceof ScoringMetrics sm ? sm : null;
  }

  /** For records that fail to decode (wrong magic byte, unknown schema id, truncated Avro). */
  public static final class Deserialization extends LogAndContinueExceptionHandler {
    private ScoringMetrics metrics;

    @Override
    public void configure(Map<String, ?> configs) {
      super.configure(configs);
      metrics = metrics(configs);
    }

    @Override
    public Response handleError(
        ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
      if (metrics != null) {
        metrics.deadLettered();
      }
      return super.handleError(context, record, exception);
    }
  }

  /** For events that decode but cannot be scored (validation). */
  public static final class Processing extends LogAndContinueProcessingExceptionHandler {
    private ScoringMetrics metrics;

    @Override
    public void configure(Map<String, ?> configs) {
      super.configure(configs);
      metrics = metrics(configs);
    }

    @Override
    public Response handleError(
        ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
      if (!(exception instanceof InvalidEventException)) {
        // A failure of the app itself (model call, serialization): fail the task so the thread
        // is replaced and the uncommitted records are read again, rather than dead-lettering
        // good events.
        return Response.fail();
      }
      if (metrics != null) {
        metrics.deadLettered();
      }
      return super.handleError(context, record, exception);
    }
  }
}
