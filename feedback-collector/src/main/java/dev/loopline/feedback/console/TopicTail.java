package dev.loopline.feedback.console;

import dev.loopline.config.LooplineConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A console-side follower of whole topics: a read_committed consumer with no group, assigned every
 * partition, polled on its own daemon thread that hands each record to a handler until closed. The
 * live feed and the model registry view differ only in where they start and what they do with a
 * record.
 */
final class TopicTail implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TopicTail.class);

  private final KafkaConsumer<String, byte[]> consumer;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private Thread thread;

  /**
   * {@code offsetReset}: where to go when a position falls out of the log ("earliest"/"latest").
   */
  TopicTail(LooplineConfig config, String clientId, String offsetReset) {
    Map<String, Object> props = new HashMap<>(config.kafkaClientProps());
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, offsetReset);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    this.consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
  }

  /**
   * Assigns every partition of {@code topics}, from the beginning or from the current end; the end
   * positions are resolved now, so nothing written after this call is skipped.
   */
  void assign(List<String> topics, boolean fromEnd) {
    List<TopicPartition> tps = new ArrayList<>();
    for (String t : topics) {
      List<PartitionInfo> infos = consumer.partitionsFor(t, Duration.ofSeconds(30));
      if (infos != null) {
        infos.forEach(p -> tps.add(new TopicPartition(t, p.partition())));
      }
    }
    consumer.assign(tps);
    if (fromEnd) {
      consumer.seekToEnd(tps);
      tps.forEach(tp -> consumer.position(tp, Duration.ofSeconds(30)));
    } else {
      consumer.seekToBeginning(tps);
    }
  }

  /** Starts polling on a daemon thread; {@code stoppedMessage} is logged if it fails. */
  void start(
      String threadName,
      Duration poll,
      Consumer<ConsumerRecord<String, byte[]>> handler,
      String stoppedMessage) {
    thread =
        new Thread(
            () -> {
              try {
                while (running.get()) {
                  for (ConsumerRecord<String, byte[]> r : consumer.poll(poll)) {
                    handler.accept(r);
                  }
                }
              } catch (WakeupException e) {
                // closing
              } catch (RuntimeException e) {
                LOG.error(stoppedMessage, e);
              } finally {
                consumer.close(Duration.ofSeconds(5));
              }
            },
            threadName);
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void close() {
    running.set(false);
    consumer.wakeup();
    if (thread == null) {
      consumer.close(Duration.ofSeconds(5));
      return;
    }
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
