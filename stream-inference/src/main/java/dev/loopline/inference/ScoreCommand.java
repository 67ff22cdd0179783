package dev.loopline.inference;

import dev.loopline.config.LooplineConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code loopline score}: runs the scoring app against the configured cluster until interrupted.
 * Configuration comes from the usual layers (defaults, {@code --config} file, {@code LOOPLINE_*}
 * environment, {@code --set key=value}).
 */
@Command(
    name = "score",
    mixinStandardHelpOptions = true,
    description = "Score events in real time with the deployed model version (Kafka Streams).")
public final class ScoreCommand implements Callable<Integer> {

  @Option(names = "--config", paramLabel = "FILE", description = "Properties file.")
  Path configFile;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description = "Override a setting, e.g. --set scoring.batch.max.size=512 (repeatable).")
  Map<String, String> overrides = new LinkedHashMap<>();

  @Override
  public Integer call() throws Exception {
    LooplineConfig config;
    ScoringApp app;
    try {
      config = LooplineConfig.load(configFile, System.getenv(), overrides);
      app = ScoringApp.start(config);
    } catch (LooplineConfig.ConfigException | IllegalArgumentException e) {
      System.err.println("loopline score: " + e.getMessage());
      return 2;
    } catch (org.apache.kafka.common.KafkaException e) {
      System.err.println("loopline score: cannot reach the cluster: " + e.getMessage());
      return 1;
    } catch (java.io.IOException e) {
      System.err.println("loopline score: cannot read " + configFile + ": " + e.getMessage());
      return 2;
    } catch (dev.loopline.model.artifact.ArtifactException e) {
      System.err.println("loopline score: " + e.getMessage());
      return 2;
    }
    CountDownLatch done = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  app.close();
                  done.countDown();
                },
                "loopline-score-shutdown"));
    done.await();
    return 0;
  }

  /** The command with its one-line handling of bad arguments (what {@link #main} runs). */
  static CommandLine commandLine() {
    return new CommandLine(new ScoreCommand())
        .setParameterExceptionHandler(
            (ex, a) -> {
              ex.getCommandLine().getErr().println("loopline score: " + ex.getMessage());
              return 2;
            });
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
