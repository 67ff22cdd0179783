package dev.loopline.launcher;

import dev.loopline.launcher.produce.EventWriter;
import dev.loopline.launcher.produce.InputFormat;
import dev.loopline.launcher.sim.GeneratedTicket;
import dev.loopline.launcher.sim.TicketGenerator;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code loopline generate}: synthetic support tickets for demos and tests, as JSONL or CSV. */
@Command(
    name = "generate",
    sortOptions = false,
    description = {
      "Write synthetic support tickets (seeded, reproducible) as JSONL or CSV.",
      "The output is ready for 'loopline produce'; --truth also writes the true labels."
    })
public final class GenerateCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = {"-n", "--count"},
      defaultValue = "1000",
      paramLabel = "<n>",
      description = "Number of tickets (default: ${DEFAULT-VALUE}).")
  long count;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "-",
      paramLabel = "<file>",
      description = "Output file, or - for stdout (default).")
  String output;

  @Option(
      names = "--format",
      paramLabel = "<jsonl|csv>",
      description = "Output format (default: from the file extension, else jsonl).")
  String format;

  @Option(
      names = "--seed",
      defaultValue = "42",
      paramLabel = "<n>",
      description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--labels",
      split = ",",
      paramLabel = "<label>",
      description = "Comma-separated labels (default: Billing,Technical,Account,Shipping).")
  List<String> labels;

  @Option(
      names = "--drift-at",
      paramLabel = "<index|instant>",
      description =
          "From this ticket index (or ISO-8601 instant) on, the first two labels' vocabulary shifts.")
  String driftAt;

  @Option(
      names = "--start",
      paramLabel = "<instant|now>",
      description = "occurredAt of the first ticket (default: 2026-01-05T08:00:00Z).")
  String start;

  @Option(
      names = "--mean-gap-ms",
      defaultValue = "6000",
      paramLabel = "<ms>",
      description = "Mean time between tickets in milliseconds (default: ${DEFAULT-VALUE}).")
  long meanGapMillis;

  @Option(
      names = "--truth",
      paramLabel = "<file>",
      description = "Also write id,label (CSV) with each ticket's true label.")
  Path truth;

  @Override
  public Integer call() throws IOException {
    if (count < 0) {
      throw new UserError("--count must not be negative");
    }
    if (meanGapMillis < 0) {
      throw new UserError("--mean-gap-ms must not be negative");
    }
    TicketGenerator.Settings settings = settings();
    InputFormat outFormat = outputFormat();
    Writer out = writer();
    Writer truthOut = truth == null ? null : Files.newBufferedWriter(truth, StandardCharsets.UTF_8);
    try {
      EventWriter events = new EventWriter(out, outFormat, TicketGenerator.ATTRIBUTES);
      if (truthOut != null) {
        truthOut.write("id,label\n");
      }
      TicketGenerator generator = new TicketGenerator(settings);
      for (long i = 0; i < count; i++) {
        GeneratedTicket t = generator.next();
        events.write(t.event());
        if (truthOut != null) {
          truthOut.write(t.event().getId() + "," + t.label() + "\n");
        }
      }
    } finally {
      out.flush();
      if (!output.equals("-")) {
        out.close();
      }
      if (truthOut != null) {
        truthOut.close();
      }
    }
    return ExitCodes.OK;
  }

  private TicketGenerator.Settings settings() {
    List<String> ls =
        labels == null
            ? TicketGenerator.DEFAULT_LABELS
            : labels.stream().map(String::strip).toList();
    if (ls.isEmpty() || ls.stream().anyMatch(String::isEmpty)) {
      throw new UserError("--labels must name at least one non-empty label");
    }
    if (new HashSet<>(ls).size() != ls.size()) {
      throw new UserError("--labels must be distinct: " + ls);
    }
    TicketGenerator.Settings s =
        TicketGenerator.Settings.withLabels(seed, ls).withMeanGap(Duration.ofMillis(meanGapMillis));
    if (start != null) {
      s = s.withStart(start.equalsIgnoreCase("now") ? Instant.now() : instant("--start", start));
    }
    if (driftAt != null) {
      if (driftAt.chars().allMatch(Character::isDigit) && !driftAt.isEmpty()) {
        s = s.withDriftAtIndex(Long.parseLong(driftAt));
      } else {
        s = s.withDriftAtTime(instant("--drift-at", driftAt));
      }
    }
    return s;
  }

  private static Instant instant(String option, String value) {
    try {
      return Instant.parse(value);
    } catch (DateTimeException e) {
      throw new UserError(option + " must be an ISO-8601 instant, got '" + value + "'");
    }
  }

  private InputFormat outputFormat() {
    if (format != null) {
      return Arrays.stream(InputFormat.values())
          .filter(f -> f.name().equalsIgnoreCase(format))
          .findFirst()
          .orElseThrow(() -> new UserError("--format must be jsonl or csv, got '" + format + "'"));
    }
    return output.equals("-")
        ? InputFormat.JSONL
        : InputFormat.fromFileName(output.toLowerCase(Locale.ROOT)).orElse(InputFormat.JSONL);
  }

  private Writer writer() throws IOException {
    if (output.equals("-")) {
      return spec.commandLine().getOut();
    }
    try {
      return new BufferedWriter(
          new OutputStreamWriter(Files.newOutputStream(Path.of(output)), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UserError("cannot write " + output + ": " + e.getMessage());
    }
  }
}
