package dev.loopline.embedded;

import dev.loopline.config.LooplineConfig;
import dev.loopline.registry.server.RegistryServer;
import dev.loopline.topics.TopicAdmin;
import dev.loopline.topics.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The platform's infrastructure in one JVM: a KRaft broker, the schema registry on it, and the core
 * topics declared by {@link Topics#core()} (partitions and compaction from the one declaration).
 * {@code loopline up} runs it on 9092/8081 with a persistent data directory; module integration
 * tests share one on ephemeral ports through {@link #shared()}.
 */
public final class EmbeddedPlatform implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPlatform.class);

  /**
   * How to start the platform.
   *
   * @param dataDir null: temporary broker storage, deleted on close; else persistent
   * @param kafkaPort broker port, 0 = any free port
   * @param registryPort registry port, 0 = any free port
   * @param brokerOverrides broker settings on top of {@link EmbeddedKafka}'s defaults
   * @param settings Loopline settings (topic names, {@code topic.partitions}, ...) for the config
   *     and the topic catalog; bootstrap servers and registry URL are set by the platform
   */
  public record Options(
      Path dataDir,
      int kafkaPort,
      int registryPort,
      Map<String, String> brokerOverrides,
      Map<String, String> settings) {

    public Options {
      brokerOverrides = Map.copyOf(brokerOverrides);
      settings = Map.copyOf(settings);
    }

    /** Ephemeral ports, temporary storage: what tests want. */
    public static Options forTests() {
      return new Options(null, 0, 0, Map.of(), Map.of());
    }

    /** 9092 and 8081, persistent storage in {@code dataDir}: what {@code loopline up} wants. */
    public static Options standard(Path dataDir) {
      return new Options(dataDir, 9092, 8081, Map.of(), Map.of());
    }

    public Options withDataDir(Path dir) {
      return new Options(dir, kafkaPort, registryPort, brokerOverrides, settings);
    }

    public Options withPorts(int kafka, int registry) {
      return new Options(dataDir, kafka, registry, brokerOverrides, settings);
    }

    public Options withBrokerOverrides(Map<String, String> overrides) {
      return new Options(dataDir, kafkaPort, registryPort, overrides, settings);
    }

    public Options withSettings(Map<String, String> settings) {
      return new Options(dataDir, kafkaPort, registryPort, brokerOverrides, settings);
    }
  }

  private static final Object SHARED_LOCK = new Object();
  private static EmbeddedPlatform shared;

  private final EmbeddedKafka kafka;
  private final RegistryServer registry;
  private final LooplineConfig config;

  private EmbeddedPlatform(EmbeddedKafka kafka, RegistryServer registry, LooplineConfig config) {
    this.kafka = kafka;
    this.registry = registry;
    this.config = config;
  }

  /** Starts broker, registry and core topics; returns when all are ready. */
  public static EmbeddedPlatform start(Options options) {
    EmbeddedKafka kafka =
        EmbeddedKafka.start(
            new EmbeddedKafka.Options(
                options.dataDir(), options.kafkaPort(), options.brokerOverrides()));
    RegistryServer registry = null;
    try {
      Map<String, String> base = new HashMap<>(options.settings());
      base.put(LooplineConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
      LooplineConfig kafkaOnly = LooplineConfig.of(base);
      registry =
          RegistryServer.start(
              RegistryServer.Options.of(kafkaOnly.kafkaClientProps())
                  .withPort(options.registryPort()));
      LooplineConfig config = kafkaOnly.with(LooplineConfig.REGISTRY_URL, registry.url());
      TopicAdmin.ensureTopics(
          config.kafkaClientProps(), Topics.from(config).core(), (short) 1, Duration.ofSeconds(60));
      EmbeddedPlatform platform = new EmbeddedPlatform(kafka, registry, config);
      LOG.info("{}", platform.describe());
      return platform;
    } catch (RuntimeException e) {
      if (registry != null) {
        registry.close();
      }
      kafka.close();
      throw e;
    }
  }

  /**
   * One platform per JVM for module integration tests: started on first use (ephemeral ports,
   * temporary storage) and closed by a shutdown hook. Tests must not close it; they should use
   * their own topic names or the core topics without assuming they are empty.
   */
  public static EmbeddedPlatform shared() {
    synchronized (SHARED_LOCK) {
      if (shared == null) {
        EmbeddedPlatform p = start(Options.forTests());
        Runtime.getRuntime().addShutdownHook(new Thread(p::close, "embedded-platform-shutdown"));
        shared = p;
      }
      return shared;
    }
  }

  public String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  public String registryUrl() {
    return registry.url();
  }

  /** A config pointing at this platform (bootstrap servers, registry URL, the given settings). */
  public LooplineConfig config() {
    return config;
  }

  /** Where everything listens, for people: printed by {@code loopline up}. */
  public String describe() {
    return "Loopline platform ready\n"
        + "  Kafka bootstrap servers: "
        + bootstrapServers()
        + "\n  Schema registry:         "
        + registryUrl()
        + "\n  Topics:                  "
        + String.join(", ", Topics.from(config).core().stream().map(t -> t.name()).toList());
  }

  @Override
  public void close() {
    registry.close();
    kafka.close();
  }
}
