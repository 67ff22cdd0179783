package dev.loopline.registry.server;

import dev.loopline.config.LooplineConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs the registry as its own process: {@code java -cp ... RegistryServerMain --bootstrap-servers
 * localhost:9092 --port 8081}. Kafka security settings come from the one config layer ({@code
 * --config} file, {@code LOOPLINE_*} environment). Prints one line {@code schema registry listening
 * on <url>} on stdout once it answers, and runs until terminated.
 */
@Command(
    name = "registry",
    mixinStandardHelpOptions = true,
    description = "Confluent-REST-compatible schema registry, durable on a compacted Kafka topic.")
public final class RegistryServerMain implements Callable<Integer> {

  @Option(names = "--bootstrap-servers", description = "Kafka bootstrap servers (default: config)")
  String bootstrapServers;

  @Option(names = "--config", description = "Loopline properties file (Kafka security settings)")
  Path configFile;

  @Option(names = "--host", defaultValue = "localhost", description = "Interface to listen on")
  String host;

  @Option(names = "--port", defaultValue = "8081", description = "Port (0 = any free port)")
  int port;

  @Option(names = "--topic", defaultValue = "_schemas", description = "Log topic")
  String topic;

  @Option(
      names = "--compatibility",
      defaultValue = "BACKWARD",
      description = "Default compatibility level")
  String compatibility;

  @Option(
      names = "--user",
      description = "Require basic auth: user=password (repeatable)",
      mapFallbackValue = "")
  Map<String, String> users = new HashMap<>();

  @Override
  public Integer call() throws Exception {
    CompatibilityLevel level = CompatibilityLevel.parse(compatibility);
    if (level == null) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "--compatibility: unknown level '" + compatibility + "'");
    }
    Map<String, String> overrides = new HashMap<>();
    if (bootstrapServers != null) {
      overrides.put(LooplineConfig.BOOTSTRAP_SERVERS, bootstrapServers);
    }
    LooplineConfig config = LooplineConfig.load(configFile, System.getenv(), overrides);
    RegistryServer server =
        RegistryServer.start(
            RegistryServer.Options.of(config.kafkaClientProps())
                .withHost(host)
                .withPort(port)
                .withTopic(topic)
                .withDefaultCompatibility(level)
                .withBasicAuthUsers(users));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  stopped.countDown();
                },
                "registry-shutdown"));
    System.out.println("schema registry listening on " + server.url());
    System.out.flush();
    stopped.await();
    return 0;
  }

  public static void main(String[] args) {
    // Quiet Kafka client/broker logs on stderr unless the user brings a logback config.
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "loopline-registry-logback.xml");
    }
    CommandLine cli = new CommandLine(new RegistryServerMain());
    cli.setParameterExceptionHandler(
        (ex, a) -> {
          System.err.println("registry: " + ex.getMessage());
          return 2;
        });
    cli.setExecutionExceptionHandler(
        (ex, c, parsed) -> {
          System.err.println("registry: " + ex.getMessage());
          return 1;
        });
    System.exit(cli.execute(args));
  }
}
