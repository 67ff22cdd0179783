package dev.loopline.retrain;

import dev.loopline.config.LooplineConfig;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;

/**
 * How this module's commands build their configuration: the launcher's layered config when run
 * under {@code loopline} without their own {@code --config}, otherwise defaults, the file and the
 * environment; a missing or unreadable file is a one-line usage error, never a stack trace.
 */
public final class CommandConfig {

  private CommandConfig() {}

  public static LooplineConfig load(
      CommandLine.Model.CommandSpec spec,
      Path configFile,
      Supplier<LooplineConfig> launcherConfig,
      Map<String, String> overrides) {
    if (configFile == null && launcherConfig != null) {
      return launcherConfig.get().with(overrides);
    }
    try {
      return LooplineConfig.load(configFile, System.getenv(), overrides);
    } catch (NoSuchFileException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "config file not found: " + configFile);
    } catch (IOException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "cannot read config file " + configFile + ": " + e.getMessage());
    }
  }
}
