package dev.loopline.feedback;

import dev.loopline.config.LooplineConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code loopline collect}: runs the feedback collector until interrupted. Configuration comes from
 * the launcher's global options (or defaults, {@code --config}, {@code LOOPLINE_*}), then {@code
 * --set key=value}.
 */
@Command(
    name = "collect",
    mixinStandardHelpOptions = true,
    description =
        "Join corrections with served predictions and events into labeled examples on 'feedback'"
            + " (Kafka Streams); serves /health, /ready, /metrics and /api/*.")
public final class CollectCommand implements Callable<Integer> {

  private final Supplier<LooplineConfig> global;

  @Option(names = "--config", paramLabel = "FILE", description = "Properties file.")
  Path configFile;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description = "Override a setting, e.g. --set collector.retention=7d (repeatable).")
  Map<String, String> overrides = new LinkedHashMap<>();

  @Option(
      names = "--http-port",
      paramLabel = "PORT",
      description = "HTTP port (collector.http.port; 0 = any free port).")
  Integer httpPort;

  public CollectCommand() {
    this(null);
  }

  public CollectCommand(Supplier<LooplineConfig> global) {
    this.global = global;
  }

  @Override
  public Integer call() throws Exception {
    Map<String, String> all = new LinkedHashMap<>(overrides);
    if (httpPort != null) {
      all.put("collector.http.port", httpPort.toString());
    }
    LooplineConfig config = CommandConfig.resolve(global, configFile, all);
    CollectorApp app = CollectorApp.start(config);
    CountDownLatch done = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  app.close();
                  done.countDown();
                },
                "loopline-collect-shutdown"));
    done.await();
    return 0;
  }

  public static void main(String[] args) {
    int rc =
        new CommandLine(new CollectCommand())
            .setExecutionExceptionHandler(
                (ex, cmd, parsed) -> {
                  if (ex instanceof LooplineConfig.ConfigException) {
                    cmd.getErr().println("loopline collect: " + ex.getMessage());
                    return 2;
                  }
                  throw ex;
                })
            .setParameterExceptionHandler(
                (ex, a) -> {
                  ex.getCommandLine().getErr().println("loopline collect: " + ex.getMessage());
                  return 2;
                })
            .execute(args);
    System.exit(rc);
  }
}
