package dev.loopline.retrain.job;

import dev.loopline.avro.LabeledExample;
import dev.loopline.serde.AvroSerdes;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes {@code feedback} records (Confluent wire format, via the registry) into {@link
 * FeedbackRecord} POJOs right at the source, so no Avro type enters Flink. A record that cannot be
 * decoded is logged with its topic/partition/offset and passed on marked as a problem, to be
 * counted and excluded; a tombstone (deleted example) is skipped.
 */
public class FeedbackDeserializer implements KafkaRecordDeserializationSchema<FeedbackRecord> {

  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(FeedbackDeserializer.class);

  private final HashMap<String, Object> serdeConfig;
  private transient Deserializer<LabeledExample> deserializer;

  /**
   * @param serdeConfig registry settings ({@code LooplineConfig.registryClientProps()})
   */
  public FeedbackDeserializer(Map<String, Object> serdeConfig) {
    this.serdeConfig = new HashMap<>(serdeConfig);
  }

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    deserializer = AvroSerdes.specific(LabeledExample.class, serdeConfig, false).deserializer();
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<FeedbackRecord> out) {
    if (record.value() == null) {
      return;
    }
    LabeledExample e;
    try {
      e = deserializer.deserialize(record.topic(), record.value());
    } catch (RuntimeException ex) {
      LOG.warn(
          "Undecodable feedback record at {}/{}/{}: {}",
          record.topic(),
          record.partition(),
          record.offset(),
          ex.toString());
      out.collect(
          FeedbackRecord.undecodable(record.partition(), record.offset(), "undecodable: " + ex));
      return;
    }
    out.collect(toRecord(e, record.partition(), record.offset()));
  }

  /** Copies an Avro example into the job's POJO. */
  public static FeedbackRecord toRecord(LabeledExample e, int partition, long offset) {
    return FeedbackRecord.of(
        e.getEventId(),
        e.getText(),
        e.getAttributes(),
        e.getOccurredAt().toEpochMilli(),
        e.getLabel(),
        e.getSource() == null ? "UNKNOWN" : e.getSource().name(),
        e.getLabeledAt().toEpochMilli(),
        partition,
        offset);
  }

  @Override
  public TypeInformation<FeedbackRecord> getProducedType() {
    return TypeInformation.of(FeedbackRecord.class);
  }
}
