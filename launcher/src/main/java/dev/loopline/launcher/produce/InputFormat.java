package dev.loopline.launcher.produce;

import java.io.InputStream;
import java.util.Locale;
import java.util.Optional;

/** The input formats {@code produce} reads. */
public enum InputFormat {
  JSONL,
  CSV;

  /**
   * The format a file name implies ({@code .jsonl}, {@code .ndjson}, {@code .json}, {@code .csv}).
   */
  public static Optional<InputFormat> fromFileName(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    if (n.endsWith(".gz")) {
      n = n.substring(0, n.length() - 3);
    }
    if (n.endsWith(".jsonl") || n.endsWith(".ndjson") || n.endsWith(".json")) {
      return Optional.of(JSONL);
    }
    if (n.endsWith(".csv")) {
      return Optional.of(CSV);
    }
    return Optional.empty();
  }

  /** A validating reader of this format. */
  public EventSource open(InputStream in, ValidationRules rules) {
    return switch (this) {
      case JSONL -> new JsonlEventSource(in, rules);
      case CSV -> new CsvEventSource(in, rules);
    };
  }
}
