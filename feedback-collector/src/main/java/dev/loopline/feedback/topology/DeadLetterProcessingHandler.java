package dev.loopline.feedback.topology;

import java.util.Map;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Sends records that fail validation ({@link InvalidRecordException}) to the dead-letter topic
 * ({@code errors.dead.letter.queue.topic.name}, KIP-1034) with the source topic, partition, offset
 * and reason in headers, and resumes; any other processing exception fails the stream thread so
 * that a bug is not mistaken for bad data.
 */
public class DeadLetterProcessingHandler extends LogAndContinueProcessingExceptionHandler {

  @Override
  public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception e) {
    if (e instanceof InvalidRecordException) {
      return super.handleError(context, record, e);
    }
    return Response.fail();
  }

  @Override
  public void configure(Map<String, ?> configs) {
    super.configure(configs);
  }
}
