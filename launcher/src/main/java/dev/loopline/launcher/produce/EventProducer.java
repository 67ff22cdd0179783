package dev.loopline.launcher.produce;

import dev.loopline.avro.Event;
import dev.loopline.config.LooplineConfig;
import dev.loopline.serde.AvroSerdes;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The {@code produce} path: read and validate records, Avro-encode them in the Confluent wire
 * format, and send them keyed by event id with the record timestamp set to {@code occurredAt}.
 *
 * <p>Each input record becomes exactly one Kafka record or one rejection, so nothing is half
 * written; the producer runs with {@code acks=all} and idempotence so a retried batch is not
 * duplicated. A record the broker does not acknowledge is reported with its line number; a failure
 * of the serializer (e.g. the registry is unreachable) stops the run, since every later record
 * would fail the same way.
 */
public final class EventProducer {

  private final Producer<String, Event> producer;
  private final String topic;
  private final int maxListed;

  /**
   * @param maxListed how many rejections and failures to keep in the report (all are counted)
   */
  public EventProducer(Producer<String, Event> producer, String topic, int maxListed) {
    this.producer = producer;
    this.topic = topic;
    this.maxListed = maxListed;
  }

  /**
   * Producer settings for {@code produce}: throughput defaults the user may override with {@code
   * kafka.*}, the connection and security settings from the one config layer, and the delivery
   * guarantees, which the user may not weaken.
   */
  public static Map<String, Object> producerProps(LooplineConfig config) {
    Map<String, Object> props = new HashMap<>();
    props.put(ProducerConfig.LINGER_MS_CONFIG, "10");
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
    props.putAll(config.kafkaClientProps());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    Object inFlight = props.get(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION);
    if (inFlight == null || Integer.parseInt(inFlight.toString().trim()) > 5) {
      props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
    }
    return props;
  }

  /** A producer of events with our Avro serde, configured from {@code config}. */
  public static KafkaProducer<String, Event> kafkaProducer(LooplineConfig config) {
    Serializer<Event> value =
        AvroSerdes.specific(Event.class, config.registryClientProps(), false).serializer();
    return new KafkaProducer<>(producerProps(config), new StringSerializer(), value);
  }

  /** Reads {@code in} to the end, producing every valid record; flushes before returning. */
  public ProduceReport produce(
      InputStream in, InputFormat format, ValidationRules rules, ProgressListener progress)
      throws IOException {
    return produce(format.open(in, rules), progress);
  }

  public ProduceReport produce(EventSource source, ProgressListener progress) throws IOException {
    long start = System.nanoTime();
    AtomicLong acked = new AtomicLong();
    List<ParsedLine.Rejected> rejected = new ArrayList<>();
    long rejectedCount = 0;
    List<ParsedLine.Rejected> failed = Collections.synchronizedList(new ArrayList<>());
    AtomicLong failedCount = new AtomicLong();
    String abort = null;
    long records = 0;
    try {
      ParsedLine parsed;
      while ((parsed = source.next()) != null) {
        records++;
        if (parsed instanceof ParsedLine.Rejected r) {
          rejectedCount++;
          if (rejected.size() < maxListed) {
            rejected.add(r);
          }
        } else if (parsed instanceof ParsedLine.Valid v) {
          Event event = v.event();
          long line = v.line();
          ProducerRecord<String, Event> record =
              new ProducerRecord<>(
                  topic, null, event.getOccurredAt().toEpochMilli(), event.getId(), event);
          try {
            producer.send(
                record,
                (metadata, error) -> {
                  if (error == null) {
                    acked.incrementAndGet();
                  } else {
                    failedCount.incrementAndGet();
                    if (failed.size() < maxListed) {
                      failed.add(new ParsedLine.Rejected(line, "not delivered: " + error));
                    }
                  }
                });
          } catch (KafkaException e) {
            // Serialization or a closed producer: every later record would fail the same way.
            abort = "stopped at line " + line + ": " + e.getMessage() + causeOf(e);
            break;
          }
        }
        if ((records & 255) == 0) {
          progress.progress(records, source.bytesRead());
        }
      }
    } finally {
      producer.flush();
      progress.progress(records, source.bytesRead());
      progress.done();
    }
    List<ParsedLine.Rejected> failedSorted = new ArrayList<>(failed);
    failedSorted.sort((a, b) -> Long.compare(a.line(), b.line()));
    return new ProduceReport(
        acked.get(),
        List.copyOf(rejected),
        rejectedCount,
        List.copyOf(failedSorted),
        failedCount.get(),
        abort,
        Duration.ofNanos(System.nanoTime() - start));
  }

  private static String causeOf(Throwable e) {
    Throwable c = e.getCause();
    return c == null || c.getMessage() == null ? "" : " (" + c.getMessage() + ")";
  }
}
