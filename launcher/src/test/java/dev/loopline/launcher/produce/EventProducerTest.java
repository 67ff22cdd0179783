package dev.loopline.launcher.produce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopline.avro.Event;
import dev.loopline.config.LooplineConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class EventProducerTest {

  private static final String INPUT =
      """
      {"id":"a","occurredAt":"2026-01-05T08:00:00Z","text":"one"}
      {"id":"b","occurredAt":"2026-01-05T08:00:01Z","text":"two","extra":1}
      {"id":"c","occurredAt":1767600002000,"text":"three"}
      """;

  private static ByteArrayInputStream input() {
    return new ByteArrayInputStream(INPUT.getBytes(StandardCharsets.UTF_8));
  }

  private static final Serializer<Event> FAKE_AVRO =
      (topic, e) -> e.getText().getBytes(StandardCharsets.UTF_8);

  @Test
  void sendsValidRecordsWithKeyAndTimestampAndReportsRejects() throws IOException {
    MockProducer<String, Event> mock =
        new MockProducer<>(true, null, new StringSerializer(), FAKE_AVRO);
    ProduceReport report =
        new EventProducer(mock, "events", 10)
            .produce(input(), InputFormat.JSONL, ValidationRules.defaults(), ProgressListener.NONE);
    assertThat(report.produced()).isEqualTo(2);
    assertThat(report.rejectedCount()).isEqualTo(1);
    assertThat(report.rejected()).singleElement().extracting(ParsedLine::line).isEqualTo(2L);
    assertThat(mock.history()).extracting(r -> r.key()).containsExactly("a", "c");
    assertThat(mock.history())
        .extracting(r -> r.timestamp())
        .containsExactly(1767600000000L, 1767600002000L);
    assertThat(mock.history()).allMatch(r -> r.topic().equals("events"));
    assertThat(mock.flushed()).isTrue();
  }

  @Test
  void undeliveredRecordsAreReportedWithTheirLineAfterFlushing() throws IOException {
    // A broker that acknowledges "a" and lets "c" expire.
    MockProducer<String, Event> mock =
        new MockProducer<>(false, null, new StringSerializer(), FAKE_AVRO) {
          @Override
          public synchronized java.util.concurrent.Future<
                  org.apache.kafka.clients.producer.RecordMetadata>
              send(
                  org.apache.kafka.clients.producer.ProducerRecord<String, Event> record,
                  org.apache.kafka.clients.producer.Callback callback) {
            var future = super.send(record, callback);
            if (record.key().equals("a")) {
              completeNext();
            } else {
              errorNext(new TimeoutException("expired after 60000 ms"));
            }
            return future;
          }
        };
    ProduceReport report =
        new EventProducer(mock, "events", 10)
            .produce(input(), InputFormat.JSONL, ValidationRules.defaults(), ProgressListener.NONE);
    assertThat(report.produced()).isEqualTo(1);
    assertThat(report.failedCount()).isEqualTo(1);
    assertThat(report.failed())
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.line()).isEqualTo(3);
              assertThat(f.reason()).contains("not delivered", "expired after 60000 ms");
            });
    assertThat(report.allProduced()).isFalse();
  }

  @Test
  void aSerializerFailureStopsTheRun() throws IOException {
    Serializer<Event> broken =
        (topic, e) -> {
          throw new SerializationException("no schema id: registry unreachable");
        };
    MockProducer<String, Event> mock =
        new MockProducer<>(true, null, new StringSerializer(), broken);
    ProduceReport report =
        new EventProducer(mock, "events", 10)
            .produce(input(), InputFormat.JSONL, ValidationRules.defaults(), ProgressListener.NONE);
    assertThat(report.produced()).isZero();
    assertThat(report.abortReason())
        .isEqualTo("stopped at line 1: no schema id: registry unreachable");
  }

  @Test
  void deliveryGuaranteesCannotBeWeakenedButThroughputCanBeTuned() {
    Map<String, Object> props =
        EventProducer.producerProps(
            LooplineConfig.of(
                Map.of(
                    "kafka.acks", "1",
                    "kafka.enable.idempotence", "false",
                    "kafka.linger.ms", "50",
                    "kafka.max.in.flight.requests.per.connection", "20",
                    "security.protocol", "SASL_SSL")));
    assertThat(props)
        .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
        .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true")
        .containsEntry(ProducerConfig.LINGER_MS_CONFIG, "50")
        .containsEntry(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5")
        .containsEntry("security.protocol", "SASL_SSL");
  }
}
