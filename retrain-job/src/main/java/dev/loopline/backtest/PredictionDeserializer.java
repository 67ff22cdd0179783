package dev.loopline.backtest;

import dev.loopline.avro.LabelProbability;
import dev.loopline.avro.Prediction;
import dev.loopline.registry.client.RegistryClient;
import dev.loopline.serde.AvroBinaryReader;
import dev.loopline.serde.AvroSerdes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes {@code predictions} into "what actually served" records for one model name; shadow
 * predictions (which never routed) and other models' predictions are skipped. Records whose writer
 * schema has the compiled {@code Prediction}'s layout are read by {@link ServedReader}, the rest
 * (and any record it cannot read) by the registry deserializer. One instance per reading thread.
 */
public class PredictionDeserializer implements KafkaRecordDeserializationSchema<BacktestRecord> {

  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(PredictionDeserializer.class);

  private final HashMap<String, Object> serdeConfig;
  private final String modelName;
  private final long from;
  private final long to;
  private transient Deserializer<Prediction> deserializer;
  private transient RegistryClient client;
  private transient ServedReader reader;

  /** Per writer schema id: whether {@link ServedReader} reads its layout. */
  private transient Map<Integer, Boolean> layouts;

  private transient long viaRegistry;

  /** Every served prediction, whatever its timestamp. */
  public PredictionDeserializer(Map<String, Object> serdeConfig, String modelName) {
    this(serdeConfig, modelName, Long.MIN_VALUE, Long.MAX_VALUE);
  }

  /**
   * Only predictions of events in {@code [from, to)} (epoch millis): the scoring app stamps each
   * prediction with its event's timestamp, so records with a CreateTime outside the range are
   * skipped before they are decoded (LogAppendTime records are all decoded).
   */
  public PredictionDeserializer(
      Map<String, Object> serdeConfig, String modelName, long from, long to) {
    this.serdeConfig = new HashMap<>(serdeConfig);
    this.modelName = modelName;
    this.from = from;
    this.to = to;
  }

  /** Whether {@code record} may be the prediction of an event in the range. */
  boolean inRange(ConsumerRecord<?, ?> record) {
    return record.timestampType() != TimestampType.CREATE_TIME
        || (record.timestamp() >= from && record.timestamp() < to);
  }

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    client = RegistryClient.fromConfig(serdeConfig);
    deserializer = AvroSerdes.specific(Prediction.class, serdeConfig, false, client).deserializer();
    reader = new ServedReader(modelName);
    layouts = new HashMap<>();
  }

  /** Records the registry deserializer decoded (or failed to), not {@link ServedReader}. */
  long viaRegistry() {
    return viaRegistry;
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<BacktestRecord> out) {
    if (record.value() == null || !inRange(record)) {
      return;
    }
    if (knownLayout(record.value())) {
      try {
        BacktestRecord r = reader.read(record.value());
        if (r != null) {
          out.collect(r);
        }
        return;
      } catch (RuntimeException e) {
        // Not well-formed: the registry deserializer below says why.
      }
    }
    viaRegistry++;
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

  /** Whether {@code data}'s writer schema has the layout {@link ServedReader} reads. */
  private boolean knownLayout(byte[] data) {
    int id = AvroBinaryReader.schemaId(data);
    if (id < 0) {
      return false;
    }
    Boolean known = layouts.get(id);
    if (known == null) {
      try {
        known = ServedReader.knownLayout(client.schemaById(id));
      } catch (RuntimeException e) {
        return false; // the registry deserializer asks again and reports
      }
      layouts.put(id, known);
    }
    return known;
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
