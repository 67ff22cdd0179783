package dev.loopline.registry.server;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A schema registry that speaks Confluent's REST API, durable on a compacted Kafka topic. The
 * platform needs one (Avro in the Confluent wire format everywhere) and Confluent's server is not
 * on the Maven Central we can reach; this one is small enough to embed in-process (tests, {@code
 * loopline up}) and also runs as a process ({@link RegistryServerMain}).
 *
 * <p>Any number of instances may share one topic: each rebuilds its state from the log on start and
 * follows it; registrations are decided by the order of the log (see {@code RegistryState}).
 */
public final class RegistryServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RegistryServer.class);

  /**
   * How to start a registry.
   *
   * @param kafkaProps Kafka client settings (bootstrap servers, security) for the log topic
   * @param host interface to listen on
   * @param port port to listen on; 0 picks a free one
   * @param topic the log topic, created compacted when missing
   * @param defaultCompatibility level used until {@code PUT /config} sets one
   * @param basicAuthUsers user to password; empty means no authentication
   * @param timeout how long a write may wait for Kafka
   */
  public record Options(
      Map<String, Object> kafkaProps,
      String host,
      int port,
      String topic,
      CompatibilityLevel defaultCompatibility,
      Map<String, String> basicAuthUsers,
      Duration timeout) {

    public Options {
      kafkaProps = Map.copyOf(kafkaProps);
      basicAuthUsers = Map.copyOf(basicAuthUsers);
    }

    /** localhost, an ephemeral port, {@code _schemas}, BACKWARD, no auth, 30 s. */
    public static Options of(Map<String, Object> kafkaProps) {
      return new Options(
          kafkaProps,
          "localhost",
          0,
          "_schemas",
          CompatibilityLevel.BACKWARD,
          Map.of(),
          Duration.ofSeconds(30));
    }

    public Options withHost(String host) {
      return new Options(
          kafkaProps, host, port, topic, defaultCompatibility, basicAuthUsers, timeout);
    }

    public Options withPort(int port) {
      return new Options(
          kafkaProps, host, port, topic, defaultCompatibility, basicAuthUsers, timeout);
    }

    public Options withTopic(String topic) {
      return new Options(
          kafkaProps, host, port, topic, defaultCompatibility, basicAuthUsers, timeout);
    }

    public Options withDefaultCompatibility(CompatibilityLevel level) {
      return new Options(kafkaProps, host, port, topic, level, basicAuthUsers, timeout);
    }

    public Options withBasicAuthUsers(Map<String, String> users) {
      return new Options(kafkaProps, host, port, topic, defaultCompatibility, users, timeout);
    }

    public Options withTimeout(Duration timeout) {
      return new Options(
          kafkaProps, host, port, topic, defaultCompatibility, basicAuthUsers, timeout);
    }
  }

  private final HttpServer http;
  private final ExecutorService executor;
  private final KafkaSchemaLog log;
  private final String host;

  private RegistryServer(
      HttpServer http, ExecutorService executor, KafkaSchemaLog log, String host) {
    this.http = http;
    this.executor = executor;
    this.log = log;
    this.host = host;
  }

  /** Loads the state from the log topic, then starts listening; returns when ready. */
  public static RegistryServer start(Options options) {
    RegistryState state = new RegistryState();
    KafkaSchemaLog log =
        new KafkaSchemaLog(options.kafkaProps(), options.topic(), state, options.timeout());
    try {
      RegistryService service = new RegistryService(state, log, options.defaultCompatibility());
      HttpServer http =
          HttpServer.create(new InetSocketAddress(options.host(), options.port()), 64);
      AtomicInteger n = new AtomicInteger();
      ExecutorService executor =
          Executors.newFixedThreadPool(
              4,
              r -> {
                Thread t = new Thread(r, "schema-registry-http-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
              });
      http.setExecutor(executor);
      http.createContext("/", new RegistryHttpHandler(service, options.basicAuthUsers()));
      http.start();
      RegistryServer server = new RegistryServer(http, executor, log, options.host());
      LOG.info("schema registry listening on {} (log topic {})", server.url(), options.topic());
      return server;
    } catch (IOException e) {
      log.close();
      throw new UncheckedIOException(
          "cannot listen on " + options.host() + ":" + options.port() + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      log.close();
      throw e;
    }
  }

  /**
   * Base URL, e.g. {@code http://localhost:8081}: the {@code schema.registry.url} to give clients.
   */
  public String url() {
    boolean wildcard = host.equals("0.0.0.0") || host.equals("::") || host.isEmpty();
    return "http://" + (wildcard ? "localhost" : host) + ":" + port();
  }

  public int port() {
    return http.getAddress().getPort();
  }

  @Override
  public void close() {
    http.stop(0);
    executor.shutdown();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.close();
  }
}
