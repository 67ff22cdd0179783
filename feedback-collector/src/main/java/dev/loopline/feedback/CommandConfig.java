package dev.loopline.feedback;

import dev.loopline.config.LooplineConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Resolves a command's configuration: the launcher's global options when it runs under {@code
 * loopline}, else the usual layers read here; then the command's own {@code --set} overrides.
 */
final class CommandConfig {

  private CommandConfig() {}

  static LooplineConfig resolve(
      Supplier<LooplineConfig> global, Path file, Map<String, String> overrides) {
    LooplineConfig base;
    if (global != null && file == null) {
      base = global.get();
    } else {
      try {
        base = LooplineConfig.load(file, System.getenv(), Map.of());
      } catch (IOException e) {
        throw new LooplineConfig.ConfigException("cannot read " + file + ": " + e.getMessage());
      }
      if (global != null) {
        base = base.with(global.get().asMap());
      }
    }
    return overrides.isEmpty() ? base : base.with(overrides);
  }
}
