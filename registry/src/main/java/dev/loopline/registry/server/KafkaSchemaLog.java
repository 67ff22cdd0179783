package dev.loopline.registry.server;

import dev.loopline.topics.TopicAdmin;
import dev.loopline.topics.TopicSpec;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's durable log: a compacted, single-partition Kafka topic read from the start on
 * every start (read_committed) and followed while running. Writes go through an idempotent producer
 * and return only once this instance's reader has applied them, so an answer is never ahead of the
 * state every other instance will rebuild from the same log.
 */
final class KafkaSchemaLog implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaSchemaLog.class);

  private final TopicPartition partition;
  private final RegistryState state;
  private final Duration timeout;
  private final KafkaProducer<byte[], byte[]> producer;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Thread reader;
  private final Object progress = new Object();
  private volatile long position; // next offset to apply
  private volatile Throwable failure;
  private volatile boolean running = true;

  KafkaSchemaLog(
      Map<String, Object> kafkaProps, String topic, RegistryState state, Duration timeout) {
    this.partition = new TopicPartition(topic, 0);
    this.state = state;
    this.timeout = timeout;
    ensureTopic(kafkaProps, topic, timeout);

    Map<String, Object> p = new HashMap<>(kafkaProps);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "schema-registry-producer-" + topic);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    this.producer = new KafkaProducer<>(p);

    Map<String, Object> c = new HashMap<>(kafkaProps);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.remove(ConsumerConfig.GROUP_ID_CONFIG);
    c.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "schema-registry-reader-" + topic);
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    this.consumer = new KafkaConsumer<>(c);
    consumer.assign(List.of(partition));
    consumer.seekToBeginning(List.of(partition));
    long end = consumer.endOffsets(List.of(partition), timeout).get(partition);

    this.reader = new Thread(this::follow, "schema-registry-reader-" + topic);
    reader.setDaemon(true);
    reader.start();
    try {
      awaitApplied(end);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    LOG.info("registry state loaded from {} ({} records)", partition, end);
  }

  private static void ensureTopic(Map<String, Object> kafkaProps, String topic, Duration timeout) {
    short rf;
    Admin admin = Admin.create(kafkaProps);
    try {
      int brokers =
          admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS).size();
      rf = (short) Math.max(1, Math.min(3, brokers));
    } catch (ExecutionException | TimeoutException e) {
      throw new KafkaException(
          "cannot reach Kafka at " + kafkaProps.get("bootstrap.servers") + " within " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("interrupted", e);
    } finally {
      admin.close(Duration.ofSeconds(1));
    }
    TopicAdmin.ensureTopics(
        kafkaProps, List.of(new TopicSpec(topic, 1, TopicSpec.COMPACTED)), rf, timeout);
  }

  private void follow() {
    try {
      while (running) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          state.apply(r.key(), r.value(), r.offset());
        }
        long pos = consumer.position(partition);
        if (pos != position) {
          synchronized (progress) {
            position = pos;
            progress.notifyAll();
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (Throwable t) {
      if (running) {
        LOG.error("schema log reader failed; the registry can no longer answer", t);
        failure = t;
        synchronized (progress) {
          progress.notifyAll();
        }
      }
    } finally {
      consumer.close(Duration.ofSeconds(2));
    }
  }

  /** Appends a record and returns once it has been applied to the state. */
  void append(byte[] key, byte[] value) {
    RecordMetadata md;
    try {
      md =
          producer
              .send(new ProducerRecord<>(partition.topic(), 0, key, value))
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new ApiException(
          500, ApiException.STORE_ERROR, "Error while writing to the schema log: " + e.getCause());
    } catch (TimeoutException e) {
      throw new ApiException(
          500, ApiException.OPERATION_TIMEOUT, "Write to the schema log timed out");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiException(500, ApiException.STORE_ERROR, "Interrupted");
    }
    awaitApplied(md.offset() + 1);
  }

  private void awaitApplied(long offset) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (progress) {
      while (position < offset) {
        if (failure != null) {
          throw new ApiException(
              500, ApiException.STORE_ERROR, "Schema log reader failed: " + failure);
        }
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          throw new ApiException(
              500,
              ApiException.OPERATION_TIMEOUT,
              "Timed out waiting for the schema log to reach offset " + offset);
        }
        try {
          progress.wait(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new ApiException(500, ApiException.STORE_ERROR, "Interrupted");
        }
      }
    }
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      reader.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close(Duration.ofSeconds(2));
  }
}
