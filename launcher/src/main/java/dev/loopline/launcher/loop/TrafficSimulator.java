package dev.loopline.launcher.loop;

import dev.loopline.avro.Event;
import dev.loopline.config.LooplineConfig;
import dev.loopline.launcher.EmbeddedLoop;
import dev.loopline.launcher.sim.GeneratedTicket;
import dev.loopline.launcher.sim.TicketGenerator;
import dev.loopline.serde.AvroSerdes;
import dev.loopline.topics.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Synthetic support tickets at a steady rate, stamped with the wall clock (record timestamp =
 * occurredAt), the wording drifting from ticket {@code demo.drift.after.events} on. Ticket {@code
 * i} depends only on the seed and {@code i}, so the ground truth is a function of the event id
 * ({@link #labelOf}) and a second start continues after the highest index found at the tail of
 * {@code events}: nothing is sent twice, nothing skipped.
 */
final class TrafficSimulator implements EmbeddedLoop.Stage {

  private static final Logger LOG = LoggerFactory.getLogger(TrafficSimulator.class);

  private final DemoSettings demo;
  private final TicketGenerator generator;
  private final AtomicLong sent = new AtomicLong();
  private volatile long nextIndex;
  private volatile long firstIndex;
  private volatile boolean stopped;
  private KafkaProducer<String, Event> producer;
  private Thread thread;

  TrafficSimulator(DemoSettings demo, List<String> labels) {
    this.demo = demo;
    TicketGenerator.Settings s = TicketGenerator.Settings.withLabels(demo.seed(), labels);
    if (demo.driftAfterEvents() >= 0) {
      s = s.withDriftAtIndex(demo.driftAfterEvents());
    }
    this.generator = new TicketGenerator(s);
  }

  @Override
  public String name() {
    return "traffic simulator";
  }

  /** The true label of a simulated event, null for any other id. */
  String labelOf(String eventId) {
    long i = generator.indexOf(eventId);
    return i < 0 ? null : generator.labelAt(i);
  }

  /** Whether ticket {@code i}'s wording may have drifted. */
  boolean afterDrift(String eventId) {
    long i = generator.indexOf(eventId);
    return demo.driftAfterEvents() >= 0 && i >= demo.driftAfterEvents();
  }

  long sent() {
    return sent.get();
  }

  /** The index the next event gets (= events sent in all runs). */
  long nextIndex() {
    return nextIndex;
  }

  /** The index this run started at (0 on a first start). */
  long firstIndex() {
    return firstIndex;
  }

  @Override
  public EmbeddedLoop.Running start(LooplineConfig config) {
    String topic = Topics.from(config).events();
    nextIndex = resumeIndex(config, topic);
    firstIndex = nextIndex;
    if (nextIndex > 0) {
      LOG.info("traffic resumes at ticket {}", nextIndex);
    }
    Map<String, Object> props = new HashMap<>(config.kafkaClientProps());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    producer =
        new KafkaProducer<>(
            props,
            new StringSerializer(),
            AvroSerdes.specific(Event.class, config.clientAndSerdeProps(), false).serializer());
    thread = new Thread(() -> run(topic), "loopline-traffic");
    thread.setDaemon(true);
    thread.start();
    return new EmbeddedLoop.Running(
        List.of(
            new EmbeddedLoop.Endpoint(
                "Traffic simulator",
                "events",
                String.format(
                    "%s/s, drift from ticket %d%s",
                    trim(demo.eventsPerSecond()),
                    demo.driftAfterEvents(),
                    nextIndex > 0 ? ", resumed at " + nextIndex : ""))),
        config,
        this::stop);
  }

  private void run(String topic) {
    long startNanos = System.nanoTime();
    long startIndex = nextIndex;
    double nanosPerEvent = 1e9 / demo.eventsPerSecond();
    try {
      while (!stopped && (demo.maxEvents() < 0 || nextIndex < demo.maxEvents())) {
        long due = startNanos + (long) ((nextIndex - startIndex) * nanosPerEvent);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
          continue;
        }
        Instant now = Instant.now();
        GeneratedTicket t = generator.at(nextIndex, now);
        Event e = t.event();
        producer.send(
            new ProducerRecord<>(topic, null, now.toEpochMilli(), e.getId(), e),
            (md, ex) -> {
              if (ex != null) {
                LOG.warn("event {} not sent: {}", e.getId(), ex.toString());
              }
            });
        sent.incrementAndGet();
        nextIndex++;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      if (!stopped) {
        LOG.warn("traffic stopped: {}", e.toString());
      }
    }
  }

  /** Highest simulated index at the tail of {@code events}, plus one (0 when none). */
  private long resumeIndex(LooplineConfig config, String topic) {
    Map<String, Object> props = new HashMap<>(config.kafkaClientProps());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    long max = -1;
    try (KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      for (PartitionInfo p : c.partitionsFor(topic, Duration.ofSeconds(30))) {
        parts.add(new TopicPartition(topic, p.partition()));
      }
      c.assign(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      Map<TopicPartition, Long> left = new HashMap<>();
      for (TopicPartition tp : parts) {
        if (end.get(tp) > 0) {
          c.seek(tp, Math.max(0, end.get(tp) - 64));
          left.put(tp, end.get(tp));
        }
      }
      long deadline = System.currentTimeMillis() + 30_000;
      while (!left.isEmpty()) {
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("could not read the tail of '" + topic + "'");
        }
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
          max = Math.max(max, generator.indexOf(r.key()));
        }
        left.entrySet().removeIf(en -> c.position(en.getKey()) >= en.getValue());
      }
    }
    return max + 1;
  }

  private void stop() throws InterruptedException {
    stopped = true;
    if (thread != null) {
      thread.join(10_000);
    }
    if (producer != null) {
      producer.close(Duration.ofSeconds(30));
    }
    LOG.info("traffic stopped after ticket {} ({} sent in this run)", nextIndex - 1, sent.get());
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }
}
