package dev.loopline.launcher.loop;

import dev.loopline.avro.Correction;
import dev.loopline.avro.Prediction;
import dev.loopline.config.LooplineConfig;
import dev.loopline.launcher.EmbeddedLoop;
import dev.loopline.launcher.sim.SimulatedAgent;
import dev.loopline.serde.AvroSerdes;
import dev.loopline.topics.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The support team: reads what was served ({@code predictions}, read_committed, consumer group
 * {@code loopline-sim-agent}), asks {@link SimulatedAgent} what a person would do with it given the
 * true label (resolve a triage or audit item, re-route a wrong auto-route, confirm a right one) and
 * sends that {@link Correction} to {@code corrections} when its {@code correctedAt} comes (a
 * scheduled executor: realistic, compressed delays). Offsets are committed only below the oldest
 * correction still waiting, so a stop loses no reaction: a second start sends those again (same
 * correction, the agent is deterministic per event id).
 */
final class AgentSimulator implements EmbeddedLoop.Stage {

  private static final Logger LOG = LoggerFactory.getLogger(AgentSimulator.class);
  static final String GROUP = "loopline-sim-agent";

  private final SimulatedAgent agent;
  private final Function<String, String> truth;
  private final AtomicLong sent = new AtomicLong();
  private final Map<TopicPartition, TreeMap<Long, Integer>> pending = new HashMap<>();
  private ScheduledExecutorService timers;
  private KafkaConsumer<String, Prediction> consumer;
  private KafkaProducer<String, Correction> producer;
  private volatile boolean stopped;
  private Thread thread;

  AgentSimulator(DemoSettings demo, List<String> labels, Function<String, String> truth) {
    SimulatedAgent.Settings d = SimulatedAgent.Settings.defaults(demo.seed() + 2, labels);
    this.agent =
        new SimulatedAgent(
            new SimulatedAgent.Settings(
                d.seed(),
                d.labels(),
                demo.rerouteShare(),
                demo.confirmShare(),
                d.errorRate(),
                demo.queueDelay(),
                demo.rerouteDelay(),
                demo.confirmDelay(),
                d.agents()));
    this.truth = truth;
  }

  @Override
  public String name() {
    return "simulated agent";
  }

  /** Corrections sent in this run. */
  long sent() {
    return sent.get();
  }

  @Override
  public EmbeddedLoop.Running start(LooplineConfig config) {
    Topics topics = Topics.from(config);
    Map<String, Object> c = new HashMap<>(config.kafkaClientProps());
    c.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    consumer =
        new KafkaConsumer<>(
            c,
            new StringDeserializer(),
            AvroSerdes.specific(Prediction.class, config.clientAndSerdeProps(), false)
                .deserializer());
    Map<String, Object> p = new HashMap<>(config.kafkaClientProps());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    producer =
        new KafkaProducer<>(
            p,
            new StringSerializer(),
            AvroSerdes.specific(Correction.class, config.clientAndSerdeProps(), false)
                .serializer());
    timers = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "loopline-agent-timers"));
    consumer.subscribe(List.of(topics.predictions()));
    thread = daemon(() -> run(topics.corrections()), "loopline-agent");
    thread.start();
    return new EmbeddedLoop.Running(List.of(), config, this::stop);
  }

  private void run(String correctionsTopic) {
    long lastCommit = System.currentTimeMillis();
    try {
      while (!stopped) {
        for (ConsumerRecord<String, Prediction> r : consumer.poll(Duration.ofMillis(500))) {
          handle(r, correctionsTopic);
        }
        if (System.currentTimeMillis() - lastCommit > 1000) {
          commitBelowPending();
          lastCommit = System.currentTimeMillis();
        }
      }
    } catch (WakeupException e) {
      // stopping
    } catch (RuntimeException e) {
      if (!stopped) {
        LOG.warn("simulated agent stopped: {}", e.toString());
      }
    }
  }

  private void handle(ConsumerRecord<String, Prediction> r, String topic) {
    Prediction pr = r.value();
    String label = pr == null ? null : truth.apply(pr.getEventId());
    if (label == null) {
      return;
    }
    Optional<Correction> reaction = agent.react(pr, label);
    if (reaction.isEmpty()) {
      return;
    }
    Correction corr = reaction.get();
    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
    long offset = r.offset();
    synchronized (pending) {
      pending.computeIfAbsent(tp, k -> new TreeMap<>()).merge(offset, 1, Integer::sum);
    }
    long delay = Math.max(0, corr.getCorrectedAt().toEpochMilli() - System.currentTimeMillis());
    timers.schedule(() -> send(topic, corr, tp, offset), delay, TimeUnit.MILLISECONDS);
  }

  private void send(String topic, Correction corr, TopicPartition tp, long offset) {
    // correctedAt is when the person acted; stamp the record with it (it is now, give or take).
    Correction c =
        corr.getCorrectedAt().isAfter(Instant.now())
            ? corr
            : Correction.newBuilder(corr).setCorrectedAt(Instant.now()).build();
    producer.send(
        new ProducerRecord<>(topic, null, c.getCorrectedAt().toEpochMilli(), c.getEventId(), c),
        (md, ex) -> {
          if (ex != null) {
            LOG.warn("correction of {} not sent: {}", c.getEventId(), ex.toString());
            return;
          }
          sent.incrementAndGet();
          synchronized (pending) {
            TreeMap<Long, Integer> m = pending.get(tp);
            if (m != null && m.merge(offset, -1, Integer::sum) == 0) {
              m.remove(offset);
            }
          }
        });
  }

  /** Commits each partition's position, or the oldest offset with a correction still waiting. */
  private void commitBelowPending() {
    Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
    for (TopicPartition tp : consumer.assignment()) {
      long pos = consumer.position(tp);
      synchronized (pending) {
        TreeMap<Long, Integer> m = pending.get(tp);
        if (m != null && !m.isEmpty()) {
          pos = Math.min(pos, m.firstKey());
        }
      }
      commit.put(tp, new OffsetAndMetadata(pos));
    }
    if (!commit.isEmpty()) {
      consumer.commitSync(commit, Duration.ofSeconds(10));
    }
  }

  private void stop() throws InterruptedException {
    stopped = true;
    if (timers != null) {
      // Corrections not yet due are dropped; their offsets were not committed.
      timers.shutdownNow();
      timers.awaitTermination(5, TimeUnit.SECONDS);
    }
    if (producer != null) {
      producer.close(Duration.ofSeconds(10));
    }
    if (thread != null) {
      thread.join(5_000);
    }
    if (consumer != null) {
      try {
        commitBelowPending();
      } catch (RuntimeException e) {
        LOG.debug("final commit of the agent's offsets failed: {}", e.toString());
      }
      consumer.close(Duration.ofSeconds(5));
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
