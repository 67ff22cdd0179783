package dev.loopline.launcher;

import dev.loopline.config.LooplineConfig;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Stand-ins for commands other modules contribute, registered by class name in tests. */
final class TestCommands {

  private TestCommands() {}

  /** Uses the Supplier constructor, like ScoreCommand will. */
  @Command(name = "hello", description = "Says where Kafka is.")
  public static final class Hello implements Callable<Integer> {
    private final Supplier<LooplineConfig> config;

    @Spec CommandSpec spec;

    @Option(names = "--fail", description = "unexpected | config | usage")
    String fail;

    public Hello(Supplier<LooplineConfig> config) {
      this.config = config;
    }

    @Override
    public Integer call() {
      if ("unexpected".equals(fail)) {
        throw new IllegalStateException("boom");
      }
      if ("config".equals(fail)) {
        throw new LooplineConfig.ConfigException("scoring.batch.max.size must be an integer");
      }
      if ("usage".equals(fail)) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--x needs a value");
      }
      spec.commandLine().getOut().println("kafka at " + config.get().bootstrapServers());
      return 0;
    }
  }

  /** No-argument constructor. */
  @Command(name = "plain")
  public static final class Plain implements Callable<Integer> {
    @Override
    public Integer call() {
      return 0;
    }
  }

  /**
   * Declares its own --config and standard help options, as commands that also run standalone do
   * (feedback-collector's CollectCommand): must still register.
   */
  @Command(name = "standalone", mixinStandardHelpOptions = true)
  public static final class Standalone implements Callable<Integer> {
    @Option(names = "--config")
    java.nio.file.Path config;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      spec.commandLine().getOut().println("config " + config);
      return 0;
    }
  }

  /** Clashes with a built-in command: must be skipped, not replace it. */
  @Command(name = "topics")
  public static final class Clash implements Callable<Integer> {
    @Override
    public Integer call() {
      return 42;
    }
  }
}
