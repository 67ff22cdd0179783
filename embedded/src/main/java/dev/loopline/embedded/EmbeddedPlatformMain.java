package dev.loopline.embedded;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs the embedded platform on its own (broker, registry, core topics) until terminated, and
 * prints where everything listens. {@code loopline up} does the same plus the apps.
 */
@Command(
    name = "platform",
    mixinStandardHelpOptions = true,
    description =
        "Start an embedded Kafka broker (KRaft), the schema registry and the core topics.")
public final class EmbeddedPlatformMain implements Callable<Integer> {

  @Option(names = "--kafka-port", defaultValue = "9092", description = "Broker port (0 = any)")
  int kafkaPort;

  @Option(names = "--registry-port", defaultValue = "8081", description = "Registry port (0 = any)")
  int registryPort;

  @Option(
      names = "--data-dir",
      description = "Persistent broker storage (default: temporary, deleted on exit)")
  Path dataDir;

  @Override
  public Integer call() throws Exception {
    EmbeddedPlatform platform =
        EmbeddedPlatform.start(
            EmbeddedPlatform.Options.forTests()
                .withDataDir(dataDir)
                .withPorts(kafkaPort, registryPort));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  platform.close();
                  stopped.countDown();
                },
                "platform-shutdown"));
    System.out.println(platform.describe());
    System.out.flush();
    stopped.await();
    return 0;
  }

  public static void main(String[] args) {
    // Quiet Kafka client/broker logs on stderr unless the user brings a logback config.
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "loopline-embedded-logback.xml");
    }
    CommandLine cli = new CommandLine(new EmbeddedPlatformMain());
    cli.setParameterExceptionHandler(
        (ex, a) -> {
          System.err.println("platform: " + ex.getMessage());
          return 2;
        });
    cli.setExecutionExceptionHandler(
        (ex, c, parsed) -> {
          System.err.println("platform: " + ex.getMessage());
          return 1;
        });
    System.exit(cli.execute(args));
  }
}
