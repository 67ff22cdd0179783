package dev.loopline.backtest;

import dev.loopline.avro.Event;
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
 * Decodes {@code events} records into {@link BacktestRecord}s at the source. Offsets found by
 * timestamp bound the read, but producers may write slightly out of order, so records whose
 * timestamp lies outside {@code [from, to)} are dropped here too. Undecodable records are logged
 * with topic/partition/offset and skipped.
 */
public class EventDeserializer implements KafkaRecordDeserializationSchema<BacktestRecord> {

  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(EventDeserializer.class);

  private final HashMap<String, Object> serdeConfig;
  private final long from;
  private final long to;
  private final String sliceAttribute;
  private transient Deserializer<Event> deserializer;

  public EventDeserializer(
      Map<String, Object> serdeConfig, long from, long to, String sliceAttribute) {
    this.serdeConfig = new HashMap<>(serdeConfig);
    this.from = from;
    this.to = to;
    this.sliceAttribute = sliceAttribute;
  }

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    deserializer = AvroSerdes.specific(Event.class, serdeConfig, false).deserializer();
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<BacktestRecord> out) {
    if (record.value() == null || record.timestamp() < from || record.timestamp() >= to) {
      return;
    }
    Event e;
    try {
      e = deserializer.deserialize(record.topic(), record.value());
    } catch (RuntimeException ex) {
      LOG.warn(
          "Skipping undecodable event at {}/{}/{}: {}",
          record.topic(),
          record.partition(),
          record.offset(),
          ex.toString());
      return;
    }
    out.collect(toRecord(e, sliceAttribute));
  }

  static BacktestRecord toRecord(Event e, String sliceAttribute) {
    BacktestRecord r = new BacktestRecord();
    r.kind = BacktestRecord.EVENT;
    r.eventId = e.getId();
    r.time = e.getOccurredAt().toEpochMilli();
    r.text = e.getText();
    Map<String, String> attrs = e.getAttributes();
    int n = attrs == null ? 0 : attrs.size();
    r.attributeKeys = new String[n];
    r.attributeValues = new String[n];
    if (attrs != null) {
      int i = 0;
      for (Map.Entry<String, String> a : attrs.entrySet()) {
        r.attributeKeys[i] = a.getKey();
        r.attributeValues[i] = a.getValue();
        i++;
      }
      if (sliceAttribute != null) {
        r.slice = attrs.get(sliceAttribute);
      }
    }
    return r;
  }

  @Override
  public TypeInformation<BacktestRecord> getProducedType() {
    return TypeInformation.of(BacktestRecord.class);
  }
}
