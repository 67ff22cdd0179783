package dev.loopline.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopline.config.LooplineConfig;
import dev.loopline.feedback.topology.DeadLetterProcessingHandler;
import dev.loopline.feedback.topology.InvalidRecordException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

class CollectorStreamsConfigTest {

  private final LooplineConfig loopline =
      LooplineConfig.of(
          Map.of(
              "bootstrap.servers", "broker:9093",
              "security.protocol", "SASL_SSL",
              "collector.retention", "3d",
              "collector.application.id", "fc-test"));
  private final CollectorConfig config = CollectorConfig.from(loopline);
  private final Properties props = CollectorStreamsConfig.of(loopline, config);

  @Test
  void exactlyOnceWithTheSharedConnectionSettings() {
    assertThat(props)
        .containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2)
        .containsEntry(StreamsConfig.APPLICATION_ID_CONFIG, "fc-test")
        .containsEntry("bootstrap.servers", "broker:9093")
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, "corrections.dlq");
    assertThat(config.retention()).isEqualTo(Duration.ofDays(3));
  }

  @Test
  void undecodableRecordsBecomeDeadLettersWithTheirOrigin() throws Exception {
    DeserializationExceptionHandler handler =
        Utils.newInstance(
            props.getProperty(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG),
            DeserializationExceptionHandler.class);
    handler.configure(asMap());
    byte[] raw = "garbage".getBytes(StandardCharsets.UTF_8);
    var response =
        handler.handleError(
            context("corrections", 2, 41L, raw),
            new ConsumerRecord<>("corrections", 2, 41L, "e1".getBytes(StandardCharsets.UTF_8), raw),
            new IllegalArgumentException("bad magic byte"));
    assertThat(response.result()).isEqualTo(DeserializationExceptionHandler.Result.RESUME);
    assertThat(response.deadLetterQueueRecords()).hasSize(1);
    ProducerRecord<byte[], byte[]> dead = response.deadLetterQueueRecords().get(0);
    assertThat(dead.topic()).isEqualTo("corrections.dlq");
    assertThat(dead.value()).isEqualTo(raw);
    assertThat(header(dead, "__streams.errors.topic")).isEqualTo("corrections");
    assertThat(header(dead, "__streams.errors.partition")).isEqualTo("2");
    assertThat(header(dead, "__streams.errors.offset")).isEqualTo("41");
    assertThat(header(dead, "__streams.errors.message")).isEqualTo("bad magic byte");
  }

  @Test
  void onlyInvalidRecordsAreDeadLetteredWhenProcessingFails() {
    DeadLetterProcessingHandler handler = new DeadLetterProcessingHandler();
    handler.configure(asMap());
    byte[] raw = "x".getBytes(StandardCharsets.UTF_8);
    var invalid =
        handler.handleError(
            context("corrections", 0, 1L, raw),
            new Record<>("e1", "v", 0L),
            new InvalidRecordException("no label"));
    assertThat(invalid.result()).isEqualTo(ProcessingExceptionHandler.Result.RESUME);
    assertThat(invalid.deadLetterQueueRecords()).hasSize(1);
    var bug =
        handler.handleError(
            context("corrections", 0, 1L, raw),
            new Record<>("e1", "v", 0L),
            new NullPointerException());
    assertThat(bug.result()).isEqualTo(ProcessingExceptionHandler.Result.FAIL);
  }

  private Map<String, Object> asMap() {
    Map<String, Object> m = new HashMap<>();
    props.forEach((k, v) -> m.put(k.toString(), v));
    return m;
  }

  private static String header(ProducerRecord<byte[], byte[]> r, String name) {
    return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }

  private static ErrorHandlerContext context(String topic, int partition, long offset, byte[] raw) {
    return new ErrorHandlerContext() {
      @Override
      public String topic() {
        return topic;
      }

      @Override
      public int partition() {
        return partition;
      }

      @Override
      public long offset() {
        return offset;
      }

      @Override
      public org.apache.kafka.common.header.Headers headers() {
        return new RecordHeaders();
      }

      @Override
      public String processorNodeId() {
        return "feedback-join";
      }

      @Override
      public TaskId taskId() {
        return new TaskId(0, partition);
      }

      @Override
      public long timestamp() {
        return 0L;
      }

      @Override
      public byte[] sourceRawKey() {
        return "e1".getBytes(StandardCharsets.UTF_8);
      }

      @Override
      public byte[] sourceRawValue() {
        return raw;
      }
    };
  }
}
