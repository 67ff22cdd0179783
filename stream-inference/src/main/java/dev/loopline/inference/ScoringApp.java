package dev.loopline.inference;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loopline.avro.Deployment;
import dev.loopline.avro.Prediction;
import dev.loopline.config.LooplineConfig;
import dev.loopline.inference.model.DeploymentWatcher;
import dev.loopline.inference.model.HotSwapper;
import dev.loopline.inference.model.Models;
import dev.loopline.inference.model.ServingModel;
import dev.loopline.inference.model.StoreModelSource;
import dev.loopline.inference.ops.OpsServer;
import dev.loopline.inference.ops.ScoringMetrics;
import dev.loopline.inference.topology.DeadLetterHandlers;
import dev.loopline.inference.topology.EventDecoder;
import dev.loopline.inference.topology.ScoringTopology;
import dev.loopline.model.policy.DecisionPolicy;
import dev.loopline.serde.AvroSerdes;
import dev.loopline.topics.TopicAdmin;
import dev.loopline.topics.TopicSpec;
import dev.loopline.topics.Topics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scoring app, wired: topics, the deployment watcher, the ops endpoint and, once the first
 * model serves, the Kafka Streams instance running {@link ScoringTopology}. Until a model serves no
 * event is consumed, so none is lost: events wait in Kafka and are scored when one arrives.
 * Embeddable ({@code loopline up}) through {@link #start(LooplineConfig)} and {@link #close()}.
 */
public final class ScoringApp implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ScoringApp.class);

  /** TensorFlow inter-op threads; -1 runs every op on the calling (stream) thread. */
  public static final String TF_INTEROP_THREADS = "scoring.tensorflow.interop.threads";

  /** TensorFlow intra-op threads per op. */
  public static final String TF_INTRAOP_THREADS = "scoring.tensorflow.intraop.threads";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final LooplineConfig config;
  private final ScoringSettings settings;
  private final Topics topics;
  private final DecisionPolicy policy;
  private final PrometheusMeterRegistry registry;
  private final ScoringMetrics metrics;
  private final Models models = new Models();
  private final Instant startedAt = Instant.now();
  private final HotSwapper swapper;
  private final ExecutorService modelThreads;
  private OpsServer ops;
  private DeploymentWatcher watcher;
  private volatile KafkaStreams streams;
  private volatile Instant streamsStartedAt;
  private KafkaStreamsMetrics streamsMetrics;
  private volatile boolean closed;

  private ScoringApp(LooplineConfig config) {
    this.config = config;
    this.settings = ScoringSettings.from(config);
    this.topics = Topics.from(config);
    this.policy = DecisionPolicy.fromConfig(config.asMap());
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.metrics = new ScoringMetrics(registry);
    this.swapper =
        new HotSwapper(
            models,
            StoreModelSource.fromConfig(config, settings.workDir(), policy, Clock.systemUTC()),
            metrics,
            settings.shadowSampleRate(),
            this::ensureRoutedTopics);
    this.modelThreads = modelThreads(settings);
  }

  /**
   * The pool that featurizes and scores full batches while the stream threads go on reading and
   * writing ({@code scoring.model.threads}, default one per stream thread; 0: none, every batch is
   * scored on its stream thread). Daemon threads named after the application id.
   */
  private static ExecutorService modelThreads(ScoringSettings settings) {
    if (settings.modelThreads() == 0) {
      return null;
    }
    AtomicInteger n = new AtomicInteger();
    return Executors.newFixedThreadPool(
        settings.modelThreads(),
        r -> {
          Thread t = new Thread(r, settings.applicationId() + "-model-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  /**
   * Creates the topics, starts the ops endpoint and the deployment watcher; stream threads start
   * when the first deployed version has loaded.
   */
  public static ScoringApp start(LooplineConfig config) {
    ScoringApp app = new ScoringApp(config);
    try {
      app.startInternal();
    } catch (RuntimeException e) {
      app.close();
      throw e;
    }
    return app;
  }

  private void startInternal() {
    LOG.info(
        "scoring app '{}' for model '{}': {}, {} stream thread(s), {} model thread(s), batches of"
            + " up to {} events / {} ms, policy {}",
        settings.applicationId(),
        settings.modelName(),
        settings.exactlyOnce() ? "exactly-once (v2)" : "at-least-once",
        settings.threads(),
        settings.modelThreads(),
        settings.batchMaxSize(),
        settings.batchMaxWaitMs(),
        policy);
    tensorflowThreads(config);
    TopicAdmin.ensureTopics(
        config.kafkaClientProps(), topics.core(), replicationFactor(), Duration.ofSeconds(60));
    ops = OpsServer.start(settings.httpPort(), registry, this::status);
    LOG.info("scoring HTTP endpoint on port {} (/health, /ready, /metrics)", ops.port());
    Map<String, Object> consumerProps = new HashMap<>(config.kafkaClientProps());
    consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    Serde<Deployment> deployments =
        AvroSerdes.specific(Deployment.class, config.clientAndSerdeProps(), false);
    watcher =
        new DeploymentWatcher(
                () ->
                    new KafkaConsumer<>(
                        consumerProps, new StringDeserializer(), deployments.deserializer()),
                topics.modelDeployments(),
                settings.modelName(),
                swapper,
                this::startStreams)
            .start();
  }

  /**
   * TensorFlow's thread pools for the sessions DJL creates from now on in this JVM (DJL reads the
   * two system properties at session creation; an explicit {@code -D} wins). Default: every op runs
   * on the calling stream thread ({@code inter = -1}, {@code intra = 1}); parallelism comes from
   * stream threads and partitions. Measured with the scoring benchmark's model (2 cores, loaded
   * machine): featurize + predict took 22.5 us of process CPU per event against 30-36 us with
   * TensorFlow's default pools, whose hand-offs also wait for a core under load.
   */
  public static void tensorflowThreads(LooplineConfig config) {
    setIfAbsent("ai.djl.tensorflow.num_interop_threads", config.get(TF_INTEROP_THREADS, "-1"));
    setIfAbsent("ai.djl.tensorflow.num_intraop_threads", config.get(TF_INTRAOP_THREADS, "1"));
  }

  private static void setIfAbsent(String property, String value) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, value);
    }
    LOG.info("{}={}", property, System.getProperty(property));
  }

  private short replicationFactor() {
    return (short) config.getInt("topic.replication.factor", 1);
  }

  /** Creates {@code routed.<slug>} for every label the policy may auto-route in this version. */
  private void ensureRoutedTopics(ServingModel model) {
    List<TopicSpec> specs =
        policy.autoRoutableLabels(model.labels()).stream()
            .map(l -> new TopicSpec(topics.routed(l), topics.partitions(), TopicSpec.DELETE))
            .toList();
    TopicAdmin.ensureTopics(
        config.kafkaClientProps(), specs, replicationFactor(), Duration.ofSeconds(60));
  }

  /** The topology this app runs (also used by the benchmark and tests). */
  public Topology topology() {
    Map<String, Object> serdeProps = config.clientAndSerdeProps();
    return ScoringTopology.build(
        settings,
        topics,
        models,
        policy,
        EventDecoder.serde(serdeProps),
        AvroSerdes.specific(Prediction.class, serdeProps, false),
        metrics,
        Clock.systemUTC(),
        modelThreads);
  }

  /** Kafka Streams settings: {@link #baseStreamsProperties}, app id, state, DLQ handlers. */
  Properties streamsProperties() {
    Properties p = baseStreamsProperties(config);
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, settings.applicationId());
    p.put(StreamsConfig.STATE_DIR_CONFIG, settings.stateDir().toString());
    p.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, Topics.dlq(topics.events()));
    p.put(
        StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        DeadLetterHandlers.Deserialization.class);
    p.put(
        StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
        DeadLetterHandlers.Processing.class);
    p.put(DeadLetterHandlers.METRICS_CONFIG, metrics);
    // Anything under scoring.streams wins, also over the app id and the handlers above.
    p.putAll(config.withPrefix(ScoringSettings.STREAMS_PREFIX));
    return p;
  }

  /**
   * The Kafka Streams settings that do not depend on this app's topology: client and security
   * settings, processing guarantee, stream threads, replication factor, offset reset, this module's
   * producer defaults ({@link ScoringSettings#PRODUCER_DEFAULTS}), then anything under {@code
   * scoring.streams.*}. Public so that a benchmark's baseline (a plain pass-through) runs with
   * exactly the settings the scoring app runs with.
   */
  public static Properties baseStreamsProperties(LooplineConfig config) {
    ScoringSettings settings = ScoringSettings.from(config);
    Properties p = new Properties();
    p.putAll(config.kafkaClientProps());
    p.put(
        StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
        settings.exactlyOnce() ? StreamsConfig.EXACTLY_ONCE_V2 : StreamsConfig.AT_LEAST_ONCE);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, settings.threads());
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, config.getInt("topic.replication.factor", 1));
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    // Every task reads one partition of one topic, so there is nothing to align across partitions;
    // with idling enabled (0, the default) Kafka Streams 4.2 also formats trace-log strings with
    // String.format on every process loop (PartitionGroup.readyToProcess), ~2% of the stream
    // thread in the scoring profile.
    p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
    ScoringSettings.PRODUCER_DEFAULTS.forEach((k, v) -> p.put(StreamsConfig.producerPrefix(k), v));
    p.putAll(config.withPrefix(ScoringSettings.STREAMS_PREFIX));
    return p;
  }

  private synchronized void startStreams() {
    if (closed || streams != null) {
      return;
    }
    KafkaStreams s = new KafkaStreams(topology(), streamsProperties());
    s.setUncaughtExceptionHandler(
        e -> {
          LOG.error("stream thread failed; replacing it (uncommitted events are read again)", e);
          return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
    s.setStateListener((now, before) -> LOG.info("kafka streams state {} -> {}", before, now));
    streamsMetrics = new KafkaStreamsMetrics(s);
    streamsMetrics.bindTo(registry);
    streams = s;
    streamsStartedAt = Instant.now();
    s.start();
    LOG.info("stream threads started: scoring {} with v{}", topics.events(), servingVersion());
  }

  private int servingVersion() {
    ServingModel m = models.serving().peek();
    return m == null ? -1 : m.version();
  }

  /** What /health and /ready report. */
  OpsServer.Status status() {
    ServingModel m = models.serving().peek();
    ServingModel shadow = models.shadow().peek();
    KafkaStreams s = streams;
    KafkaStreams.State state = s == null ? null : s.state();
    boolean ready = m != null && state == KafkaStreams.State.RUNNING;
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("status", ready ? "serving" : m == null ? "waiting-for-model" : "starting");
    out.put("model", settings.modelName());
    if (m == null) {
      out.put(
          "detail",
          "no deployment of model '"
              + settings.modelName()
              + "' has loaded yet; events wait in Kafka and are scored once one does");
    } else {
      out.put("servingVersion", m.version());
      out.put("servingSince", m.since().toString());
      out.put("featurizerFingerprint", m.metadata().featurizerFingerprint());
    }
    if (shadow != null) {
      out.put("shadowVersion", shadow.version());
      out.put("shadowSampleRate", models.shadowSampleRate());
    }
    out.put("streamsState", state == null ? "NOT_STARTED" : state.name());
    if (streamsStartedAt != null) {
      out.put("streamsStartedAt", streamsStartedAt.toString());
    }
    out.put("startedAt", startedAt.toString());
    out.put("pendingInBatches", metrics.pending());
    out.put("meanBatchSize", metrics.meanBatchSize());
    if (watcher != null && watcher.failure() != null) {
      out.put("deploymentWatcherFailure", watcher.failure());
    }
    if (swapper.lastRejection() != null) {
      out.put("lastRejection", swapper.lastRejection());
      out.put("lastRejectionAt", String.valueOf(swapper.lastRejectionAt()));
    }
    try {
      return new OpsServer.Status(ready, JSON.writeValueAsString(out));
    } catch (Exception e) {
      return new OpsServer.Status(ready, "{\"status\":\"error\"}");
    }
  }

  public int httpPort() {
    return ops == null ? -1 : ops.port();
  }

  public ScoringMetrics metrics() {
    return metrics;
  }

  public Models models() {
    return models;
  }

  /** The Kafka Streams instance once started, else null. */
  public KafkaStreams streams() {
    return streams;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (streams != null) {
      // A clean close commits, and the commit flushes the pending batch first.
      streams.close(Duration.ofSeconds(60));
    }
    if (modelThreads != null) {
      // After the stream threads: their last commit waited for every batch in flight.
      modelThreads.shutdownNow();
    }
    if (streamsMetrics != null) {
      streamsMetrics.close();
    }
    if (watcher != null) {
      watcher.close();
    }
    models.close();
    if (ops != null) {
      ops.close();
    }
    LOG.info("scoring app stopped");
  }
}
