package dev.loopline.launcher;

import dev.loopline.config.LooplineConfig;
import java.lang.reflect.Constructor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * The one place that lists the picocli commands other modules contribute to {@code loopline}.
 *
 * <p>The launcher depends on every module, but the modules cannot depend on the launcher, so a
 * contributed command is an ordinary picocli {@code @Command} class in its own module, named here
 * and loaded reflectively: a class that is not on the class path yet is skipped, so the CLI works
 * while those modules are being written. A contributed class either has a public constructor taking
 * a {@code Supplier<LooplineConfig>} (the configuration built from the global options, resolved
 * when the command runs) or a public no-argument constructor. It signals user errors by throwing
 * {@link CommandLine.ParameterException} or {@link LooplineConfig.ConfigException} (one line, exit
 * 2); anything else is reported as unexpected (exit 1).
 */
public final class ContributedCommands {

  private static final Logger LOG = LoggerFactory.getLogger(ContributedCommands.class);

  /** Contributed command classes, in the order they appear in {@code loopline --help}. */
  public static final List<String> CLASS_NAMES =
      List.of(
          "dev.loopline.inference.ScoreCommand",
          "dev.loopline.feedback.CollectCommand",
          "dev.loopline.feedback.ForgetCommand",
          "dev.loopline.retrain.RetrainCommand",
          "dev.loopline.retrain.ModelsCommand",
          "dev.loopline.backtest.BacktestCommand");

  private ContributedCommands() {}

  /**
   * Adds each class in {@code classNames} that is on the class path as a subcommand of {@code top};
   * returns the names of the commands added.
   */
  static List<String> addTo(
      CommandLine top, Supplier<LooplineConfig> config, List<String> classNames) {
    List<String> added = new ArrayList<>();
    ClassLoader loader = ContributedCommands.class.getClassLoader();
    for (String className : classNames) {
      Class<?> type;
      try {
        type = Class.forName(className, false, loader);
      } catch (ClassNotFoundException | LinkageError e) {
        LOG.debug("contributed command {} is not on the class path", className);
        continue;
      }
      try {
        Object command = instantiate(type, config);
        CommandLine sub = new CommandLine(command);
        String name = sub.getCommandName();
        if (top.getSubcommands().containsKey(name)) {
          LOG.warn("contributed command {} ({}) clashes with an existing command", name, className);
          continue;
        }
        top.addSubcommand(name, sub);
        added.add(name);
      } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
        LOG.warn("cannot register contributed command {}: {}", className, e.toString());
      }
    }
    return added;
  }

  private static Object instantiate(Class<?> type, Supplier<LooplineConfig> config)
      throws ReflectiveOperationException {
    try {
      Constructor<?> withConfig = type.getConstructor(Supplier.class);
      return withConfig.newInstance(config);
    } catch (NoSuchMethodException e) {
      return type.getConstructor().newInstance();
    }
  }
}
