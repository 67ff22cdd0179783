package dev.loopline.embedded;

import dev.loopline.net.FreePorts;
import dev.loopline.topics.ShutdownSafeExit;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka broker (KRaft, one combined broker+controller node, replication factor 1) inside
 * this JVM, so tests and {@code loopline up} need no Docker and no separate install.
 *
 * <p>Two modes, one API. Without a data directory it runs on Kafka's own {@code
 * KafkaClusterTestKit} in a temporary directory deleted on close (tests). With a data directory it
 * runs Kafka's production server class ({@code KafkaRaftServer}) on that directory, formatting it
 * only the first time, so a second start resumes the same cluster with its topics and data (the
 * test kit cannot reopen a formatted directory). Broker settings are tuned for a small heap and
 * fast tests: internal topics RF 1, no initial rebalance delay, an 8 MiB cleaner buffer.
 */
public final class EmbeddedKafka implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
  private static final String LISTENER = "PLAINTEXT";
  private static final String CONTROLLER = "CONTROLLER";

  /**
   * How to start the broker.
   *
   * @param dataDir null: a temporary directory deleted on close; else a persistent directory
   * @param port client port; 0 picks a free one ({@code loopline up} uses 9092)
   * @param brokerOverrides broker settings on top of the defaults
   */
  public record Options(Path dataDir, int port, Map<String, String> brokerOverrides) {
    public Options {
      brokerOverrides = Map.copyOf(brokerOverrides);
    }

    /** Temporary directory, ephemeral port, default settings. */
    public static Options defaults() {
      return new Options(null, 0, Map.of());
    }

    public Options withDataDir(Path dir) {
      return new Options(dir, port, brokerOverrides);
    }

    public Options withPort(int port) {
      return new Options(dataDir, port, brokerOverrides);
    }

    public Options withBrokerOverrides(Map<String, String> overrides) {
      return new Options(dataDir, port, overrides);
    }
  }

  /** Broker defaults that keep a one-node cluster small and tests fast. */
  static Map<String, String> defaults() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "5");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "5");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("default.replication.factor", "1");
    p.put("min.insync.replicas", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("log.cleaner.dedupe.buffer.size", "8388608");
    // Abort transactions of dead producers soon after their (possibly low) transaction.timeout.ms.
    p.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000");
    p.put("num.network.threads", "2");
    p.put("num.io.threads", "4");
    p.put("background.threads", "4");
    p.put("num.recovery.threads.per.data.dir", "1");
    return p;
  }

  private final KafkaClusterTestKit testKit;
  private final KafkaRaftServer server;
  private final String bootstrapServers;

  private EmbeddedKafka(KafkaClusterTestKit testKit, KafkaRaftServer server, String bootstrap) {
    this.testKit = testKit;
    this.server = server;
    this.bootstrapServers = bootstrap;
  }

  /** Starts the broker and returns once it accepts clients. */
  public static EmbeddedKafka start(Options options) {
    // At exit the test kit's temp-dir hook races the broker's close: see ShutdownSafeExit.
    ShutdownSafeExit.install();
    try {
      EmbeddedKafka kafka =
          options.dataDir() == null ? startTestKit(options) : startPersistent(options);
      LOG.info(
          "Kafka broker (KRaft) listening on {}{}",
          kafka.bootstrapServers,
          options.dataDir() == null ? "" : ", data in " + options.dataDir());
      return kafka;
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the embedded Kafka broker: " + e, e);
    }
  }

  private static EmbeddedKafka startTestKit(Options options) throws Exception {
    TestKitNodes nodes =
        new TestKitNodes.Builder()
            .setCombined(true)
            .setNumBrokerNodes(1)
            .setNumControllerNodes(1)
            .setBootstrapMetadataVersion(MetadataVersion.LATEST_PRODUCTION)
            .build();
    KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes);
    // Our own client listener name: the test kit pre-binds its default one to a random port,
    // which would ignore a fixed port.
    String controllerListener = nodes.controllerListenerName().value();
    builder.setConfigProp(
        "listeners",
        LISTENER + "://localhost:" + options.port() + "," + controllerListener + "://localhost:0");
    builder.setConfigProp(
        "listener.security.protocol.map",
        LISTENER
            + ":PLAINTEXT,"
            + controllerListener
            + ":PLAINTEXT,"
            + nodes.brokerListenerName().value()
            + ":PLAINTEXT");
    builder.setConfigProp("inter.broker.listener.name", LISTENER);
    Map<String, String> props = defaults();
    props.putAll(options.brokerOverrides());
    props.forEach(builder::setConfigProp);
    KafkaClusterTestKit kit = builder.build();
    try {
      kit.format();
      kit.startup();
      kit.waitForReadyBrokers();
      int port =
          kit.brokers().values().iterator().next().boundPort(ListenerName.normalised(LISTENER));
      return new EmbeddedKafka(kit, null, "localhost:" + port);
    } catch (Exception e) {
      kit.close();
      throw e;
    }
  }

  private static EmbeddedKafka startPersistent(Options options) throws Exception {
    Path logDir = options.dataDir().toAbsolutePath().resolve("kraft-combined-logs");
    Files.createDirectories(logDir);
    int port = options.port() == 0 ? freePort() : options.port();
    int controllerPort = freePort();
    Properties p = new Properties();
    p.putAll(defaults());
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.voters", "1@localhost:" + controllerPort);
    p.put(
        "listeners",
        LISTENER + "://localhost:" + port + "," + CONTROLLER + "://localhost:" + controllerPort);
    p.put("advertised.listeners", LISTENER + "://localhost:" + port);
    p.put("listener.security.protocol.map", LISTENER + ":PLAINTEXT," + CONTROLLER + ":PLAINTEXT");
    p.put("controller.listener.names", CONTROLLER);
    p.put("inter.broker.listener.name", LISTENER);
    p.put("log.dirs", logDir.toString());
    p.putAll(options.brokerOverrides());
    KafkaConfig config = new KafkaConfig(p, false);
    if (!Files.exists(logDir.resolve("meta.properties"))) {
      new Formatter()
          .setPrintStream(new PrintStream(PrintStream.nullOutputStream()))
          .setNodeId(1)
          .setClusterId(Uuid.randomUuid().toString())
          .setDirectories(List.of(logDir.toString()))
          .setMetadataLogDirectory(logDir.toString())
          .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
          .setControllerListenerName(CONTROLLER)
          .run();
      LOG.info("formatted new KRaft storage in {}", logDir);
    }
    KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
    try {
      server.startup();
    } catch (RuntimeException e) {
      server.shutdown();
      throw e;
    }
    EmbeddedKafka kafka = new EmbeddedKafka(null, server, "localhost:" + port);
    kafka.awaitReady();
    return kafka;
  }

  /** A persistent broker answers metadata requests once it has registered and been unfenced. */
  private void awaitReady() {
    Map<String, Object> props = Map.of("bootstrap.servers", bootstrapServers);
    try (var admin = org.apache.kafka.clients.admin.Admin.create(props)) {
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (true) {
        try {
          if (!admin.describeCluster().nodes().get().isEmpty()) {
            return;
          }
        } catch (Exception e) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("broker not ready after 60 s: " + e, e);
          }
        }
        Thread.sleep(100);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** A port below the ephemeral range, so no outgoing connection takes it first (FreePorts). */
  private static int freePort() {
    return FreePorts.one();
  }

  /** {@code host:port} for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  @Override
  public void close() {
    try {
      if (testKit != null) {
        testKit.close();
      } else {
        server.shutdown();
        server.awaitShutdown();
      }
    } catch (Exception e) {
      LOG.warn("error while stopping the embedded broker", e);
    }
  }
}
