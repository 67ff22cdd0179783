package dev.loopline.backtest;

import dev.loopline.avro.LabelProbability;
import dev.loopline.avro.Prediction;
import dev.loopline.serde.AvroSerdes;
import java.util.HashMap;
import java.util.List;
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
 * Decodes {@code predictions} into "what actually served" records for one model name; shadow
 * predictions (which never routed) and other models' predictions are skipped.
 */
public class PredictionDeserializer implements KafkaRecordDeserializationSchema<BacktestRecord> {

  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(PredictionDeserializer.class);

  private final HashMap<String, Object> serdeConfig;
  private final String modelName;
  private transient Deserializer<Prediction> deserializer;

  public PredictionDeserializer(Map<String, Object> serdeConfig, String modelName) {
    this.serdeConfig = new HashMap<>(serdeConfig);
    this.modelName = modelName;
  }

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    deserializer = AvroSerdes.specific(Prediction.class, serdeConfig, false).deserializer();
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<BacktestRecord> out) {
    if (record.value() == null) {
      return;
    }
    Prediction p;
    try {
      p = deserializer.deserialize(record.topic(), record.value());
    } catch (RuntimeException ex) {
      LOG.warn(
          "Skipping undecodable prediction at {}/{}/{}: {}",
          record.topic(),
          record.partition(),
          record.offset(),
          ex.toString());
      return;
    }
    if (p.getShadow() || !modelName.equals(p.getModelName())) {
      return;
    }
    out.collect(toRecord(p));
  }

  static BacktestRecord toRecord(Prediction p) {
    BacktestRecord r = new BacktestRecord();
    r.kind = BacktestRecord.SERVED;
    r.eventId = p.getEventId();
    r.time = p.getScoredAt() == null ? 0 : p.getScoredAt().toEpochMilli();
    r.servedVersion = p.getModelVersion();
    r.servedDecision = p.getDecision();
    r.servedTopLabel = p.getTopLabel();
    List<LabelProbability> probs = p.getProbabilities();
    r.servedLabels = new String[probs.size()];
    r.servedProbs = new float[probs.size()];
    for (int i = 0; i < probs.size(); i++) {
      r.servedLabels[i] = probs.get(i).getLabel();
      r.servedProbs[i] = (float) probs.get(i).getProbability();
    }
    return r;
  }

  @Override
  public TypeInformation<BacktestRecord> getProducedType() {
    return TypeInformation.of(BacktestRecord.class);
  }
}
