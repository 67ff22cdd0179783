package dev.loopline.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * The time bound on served predictions: a CreateTime stamp (the event's, as the scoring app writes
 * it) must lie in [from, to); LogAppendTime stamps say nothing of the event and never exclude.
 */
class PredictionDeserializerTest {

  private static ConsumerRecord<byte[], byte[]> at(long ts, TimestampType type) {
    return new ConsumerRecord<>(
        "predictions",
        0,
        0,
        ts,
        type,
        0,
        1,
        null,
        new byte[] {0},
        new RecordHeaders(),
        Optional.empty());
  }

  @Test
  void createTimeStampsOutsideTheRangeAreSkipped() {
    PredictionDeserializer d = new PredictionDeserializer(Map.of(), "m", 1_000, 2_000);
    assertThat(d.inRange(at(999, TimestampType.CREATE_TIME))).isFalse();
    assertThat(d.inRange(at(1_000, TimestampType.CREATE_TIME))).isTrue();
    assertThat(d.inRange(at(1_999, TimestampType.CREATE_TIME))).isTrue();
    assertThat(d.inRange(at(2_000, TimestampType.CREATE_TIME))).isFalse();
    assertThat(d.inRange(at(5_000, TimestampType.LOG_APPEND_TIME))).isTrue();
    assertThat(d.inRange(at(5, TimestampType.NO_TIMESTAMP_TYPE))).isTrue();
  }

  @Test
  void withoutARangeNothingIsSkipped() {
    PredictionDeserializer d = new PredictionDeserializer(Map.of(), "m");
    assertThat(d.inRange(at(Long.MIN_VALUE, TimestampType.CREATE_TIME))).isTrue();
    assertThat(d.inRange(at(Long.MAX_VALUE - 1, TimestampType.CREATE_TIME))).isTrue();
  }
}
