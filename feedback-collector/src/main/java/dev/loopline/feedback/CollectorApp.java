package dev.loopline.feedback;

import dev.loopline.avro.Correction;
import dev.loopline.avro.Event;
import dev.loopline.avro.Forgotten;
import dev.loopline.avro.LabeledExample;
import dev.loopline.avro.Prediction;
import dev.loopline.config.LooplineConfig;
import dev.loopline.feedback.console.OpsConsole;
import dev.loopline.feedback.http.CollectorHttpServer;
import dev.loopline.feedback.query.FeedbackQueries;
import dev.loopline.feedback.query.StoreAccess;
import dev.loopline.feedback.topology.CollectorMetrics;
import dev.loopline.feedback.topology.FeedbackSerdes;
import dev.loopline.feedback.topology.FeedbackStores;
import dev.loopline.feedback.topology.FeedbackTopology;
import dev.loopline.registry.client.RegistryClient;
import dev.loopline.serde.AvroSerdes;
import dev.loopline.topics.TopicAdmin;
import dev.loopline.topics.TopicSpec;
import dev.loopline.topics.Topics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The feedback collector, wired: topics, the Kafka Streams instance running {@link
 * FeedbackTopology} (exactly-once v2), metrics, and the HTTP endpoint with health, readiness,
 * Prometheus metrics and the read API. Embeddable ({@code loopline up}) through {@link
 * #start(LooplineConfig)} and {@link #close()}.
 */
public final class CollectorApp implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CollectorApp.class);

  private final LooplineConfig config;
  private final CollectorConfig settings;
  private final Topics topics;
  private final PrometheusMeterRegistry registry;
  private final CollectorMetrics metrics;
  private final Instant startedAt = Instant.now();
  private KafkaStreams streams;
  private KafkaStreamsMetrics streamsMetrics;
  private JvmGcMetrics gcMetrics;
  private CollectorHttpServer http;
  private OpsConsole console;
  private boolean closed;

  private CollectorApp(LooplineConfig config) {
    this.config = config;
    this.settings = CollectorConfig.from(config);
    this.topics = Topics.from(config);
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.metrics = new CollectorMetrics(registry);
  }

  /** Creates the topics, starts the stream threads and the HTTP endpoint. */
  public static CollectorApp start(LooplineConfig config) {
    CollectorApp app = new CollectorApp(config);
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
        "feedback collector '{}': retention {}, prediction grace {}, implicit confirmation {}",
        settings.applicationId(),
        settings.retention(),
        settings.predictionGrace(),
        settings.implicitEnabled() ? "ON after " + settings.implicitWindow() : "off");
    List<TopicSpec> specs = new ArrayList<>(topics.core());
    if (specs.stream().noneMatch(s -> s.name().equals(settings.dlqTopic()))) {
      specs.add(new TopicSpec(settings.dlqTopic(), 1, TopicSpec.DELETE));
    }
    TopicAdmin.ensureTopics(
        config.kafkaClientProps(), specs, replicationFactor(), Duration.ofSeconds(60));

    streams = new KafkaStreams(topology(), streamsProperties());
    streams.setUncaughtExceptionHandler(
        e -> {
          LOG.error("stream thread failed; replacing it (uncommitted input is read again)", e);
          return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
    streams.setStateListener(
        (now, before) -> LOG.info("kafka streams state {} -> {}", before, now));
    streamsMetrics = new KafkaStreamsMetrics(streams);
    streamsMetrics.bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    gcMetrics = new JvmGcMetrics();
    gcMetrics.bindTo(registry);
    for (String store :
        List.of(
            FeedbackStores.EVENTS,
            FeedbackStores.PREDICTIONS,
            FeedbackStores.CORRECTIONS,
            FeedbackStores.TRIAGE)) {
      Gauge.builder("loopline.collector.store.entries", () -> approximateEntries(store))
          .description("Approximate entries in a local state store")
          .tag("store", store)
          .register(registry);
    }
    FeedbackQueries queries = new FeedbackQueries(StoreAccess.of(streams));
    console = OpsConsole.start(config, topics, queries, settings.modelName());
    http =
        CollectorHttpServer.start(
            settings.httpPort(),
            registry,
            this::status,
            queries,
            settings.modelName(),
            console::configure);
    LOG.info(
        "collector HTTP endpoint on port {} (/health, /ready, /metrics, /api/..., console at"
            + " /console/)",
        http.port());
    streams.start();
  }

  /** The topology this app runs, with the registry-backed serdes. */
  public Topology topology() {
    Map<String, Object> serdeProps = config.clientAndSerdeProps();
    RegistryClient client = RegistryClient.fromConfig(serdeProps);
    FeedbackSerdes serdes =
        new FeedbackSerdes(
            AvroSerdes.specific(Event.class, serdeProps, false, client),
            AvroSerdes.specific(Prediction.class, serdeProps, false, client),
            AvroSerdes.specific(Correction.class, serdeProps, false, client),
            AvroSerdes.specific(LabeledExample.class, serdeProps, false, client),
            AvroSerdes.specific(Forgotten.class, serdeProps, false, client));
    return FeedbackTopology.build(settings, topics, serdes, metrics);
  }

  Properties streamsProperties() {
    Properties p = CollectorStreamsConfig.of(config, settings);
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) replicationFactor());
    p.putAll(config.withPrefix(CollectorConfig.PREFIX + "streams."));
    return p;
  }

  private short replicationFactor() {
    return (short) config.getInt("topic.replication.factor", 1);
  }

  private double approximateEntries(String store) {
    try {
      return streams
          .store(StoreQueryParameters.fromNameAndType(store, QueryableStoreTypes.keyValueStore()))
          .approximateNumEntries();
    } catch (RuntimeException e) {
      return Double.NaN; // not queryable during start-up or a rebalance
    }
  }

  /** What /health and /ready report. */
  CollectorHttpServer.Status status() {
    KafkaStreams.State state = streams == null ? null : streams.state();
    boolean ready = state == KafkaStreams.State.RUNNING;
    Map<String, Object> out = new LinkedHashMap<>();
    out.put(
        "status", ready ? "collecting" : state == KafkaStreams.State.ERROR ? "failed" : "starting");
    out.put("applicationId", settings.applicationId());
    out.put("streamsState", state == null ? "NOT_STARTED" : state.name());
    out.put("startedAt", startedAt.toString());
    out.put("retention", settings.retention().toString());
    out.put("implicitConfirmation", settings.implicitEnabled());
    out.put("consoleLiveClients", console == null ? 0 : console.liveClients());
    return new CollectorHttpServer.Status(ready, out);
  }

  public int httpPort() {
    return http == null ? -1 : http.port();
  }

  public KafkaStreams streams() {
    return streams;
  }

  public PrometheusMeterRegistry meterRegistry() {
    return registry;
  }

  /** The HTTP server, for the ops console to add its routes to. */
  public CollectorHttpServer http() {
    return http;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (streams != null) {
      // Leaving the group lets a restarted or remaining instance take the partitions at once
      // instead of after the session timeout; collector.leave.group.on.close=false keeps the
      // membership for rolling restarts.
      streams.close(
          CloseOptions.timeout(Duration.ofSeconds(60))
              .withGroupMembershipOperation(
                  config.getBoolean("collector.leave.group.on.close", true)
                      ? CloseOptions.GroupMembershipOperation.LEAVE_GROUP
                      : CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP));
    }
    if (streamsMetrics != null) {
      streamsMetrics.close();
    }
    if (gcMetrics != null) {
      gcMetrics.close();
    }
    if (http != null) {
      http.close();
    }
    if (console != null) {
      console.close();
    }
    registry.close();
    LOG.info("feedback collector stopped");
  }
}
