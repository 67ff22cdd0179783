package dev.loopline.inference.topology;

/**
 * An event that decoded but cannot be scored (null value, empty or oversize text, attributes beyond
 * limits). Thrown from the scoring processor so that Kafka Streams' processing exception handler
 * sends the raw record to the dead-letter topic with this message as the reason, exactly as it does
 * for records that fail to decode.
 */
public final class InvalidEventException extends RuntimeException {
  public InvalidEventException(String reason) {
    super(reason);
  }
}
