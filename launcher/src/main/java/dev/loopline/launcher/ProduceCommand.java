package dev.loopline.launcher;

import dev.loopline.avro.Event;
import dev.loopline.config.LooplineConfig;
import dev.loopline.launcher.produce.EventProducer;
import dev.loopline.launcher.produce.InputFormat;
import dev.loopline.launcher.produce.ParsedLine;
import dev.loopline.launcher.produce.ProduceReport;
import dev.loopline.launcher.produce.ProgressBar;
import dev.loopline.launcher.produce.ProgressListener;
import dev.loopline.launcher.produce.ValidationRules;
import dev.loopline.topics.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.zip.GZIPInputStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code loopline produce}: validate a JSONL or CSV file (or stdin) record by record, and produce
 * the valid records to {@code events}; every rejected record is reported with its line number.
 */
@Command(
    name = "produce",
    sortOptions = false,
    description = {
      "Validate events from a JSONL or CSV file (or - for stdin) and produce them to Kafka.",
      "JSONL: {\"id\":..,\"occurredAt\":<ISO-8601 or epoch ms>,\"text\":..,\"attributes\":{..}}",
      "CSV: header id,occurredAt,text[,attr.<name>...] (RFC 4180 quoting).",
      "Key = id, record timestamp = occurredAt, acks=all with idempotence."
    },
    footer = {
      "",
      "Exit codes: 0 all produced; 3 some lines rejected (the rest were produced);",
      "4 some records not delivered; 2 usage/config error; 1 unexpected error."
    })
public final class ProduceCommand implements Callable<Integer> {

  static final String MAX_TEXT_BYTES_KEY = "produce.max.text.bytes";

  @ParentCommand LooplineCli cli;

  @Spec CommandSpec spec;

  @Option(
      names = {"-f", "--file"},
      required = true,
      paramLabel = "<file>",
      description = "Input file (.jsonl, .ndjson, .json, .csv, optionally .gz), or - for stdin.")
  String file;

  @Option(
      names = "--format",
      paramLabel = "<jsonl|csv>",
      description = "Input format (default: from the file extension; required for stdin).")
  String format;

  @Option(
      names = "--topic",
      paramLabel = "<topic>",
      description = "Target topic (default: topic.events, 'events').")
  String topic;

  @Option(
      names = "--ignore-unknown",
      description = "Drop unknown JSON fields / CSV columns instead of rejecting.")
  boolean ignoreUnknown;

  @Option(
      names = "--max-text-bytes",
      paramLabel = "<n>",
      description = "Largest text in UTF-8 bytes (default: produce.max.text.bytes, 65536).")
  Integer maxTextBytes;

  @Option(
      names = "--max-errors",
      paramLabel = "<n>",
      defaultValue = "20",
      description = "How many rejected lines to list (all are counted; default: ${DEFAULT-VALUE}).")
  int maxErrors;

  @Option(
      names = "--progress",
      negatable = true,
      description = "Show a progress bar on stderr (default: when stderr is a terminal).")
  Boolean progress;

  @Override
  public Integer call() throws IOException {
    LooplineConfig config = cli.config();
    InputFormat inputFormat = inputFormat();
    ValidationRules rules = rules(config);
    String target = topic != null ? topic : Topics.from(config).events();
    if (maxErrors < 0) {
      throw new UserError("--max-errors must not be negative");
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (InputStream in = open();
        Admin admin = KafkaClients.admin(config)) {
      KafkaClients.requireTopic(admin, target, config);
      ProgressListener listener =
          showProgress()
              ? new ProgressBar(err, inputSize(), 200, System::nanoTime)
              : ProgressListener.NONE;
      ProduceReport report;
      try (KafkaProducer<String, Event> producer = EventProducer.kafkaProducer(config)) {
        report =
            new EventProducer(producer, target, maxErrors)
                .produce(in, inputFormat, rules, listener);
      }
      print(report, target, out, err);
      if (report.failedCount() > 0 || report.abortReason() != null) {
        return ExitCodes.SEND_FAILED;
      }
      return report.rejectedCount() > 0 ? ExitCodes.REJECTED : ExitCodes.OK;
    }
  }

  private void print(ProduceReport r, String target, PrintWriter out, PrintWriter err) {
    for (ParsedLine.Rejected rej : r.rejected()) {
      err.println("line " + rej.line() + ": " + rej.reason());
    }
    if (r.rejectedCount() > r.rejected().size()) {
      err.println("... and " + (r.rejectedCount() - r.rejected().size()) + " more rejected lines");
    }
    for (ParsedLine.Rejected f : r.failed()) {
      err.println("line " + f.line() + ": " + f.reason());
    }
    if (r.failedCount() > r.failed().size()) {
      err.println("... and " + (r.failedCount() - r.failed().size()) + " more undelivered records");
    }
    if (r.abortReason() != null) {
      err.println("loopline: " + r.abortReason());
    }
    err.flush();
    out.printf(
        Locale.ROOT,
        "produced %d to '%s', rejected %d, failed %d (%.1f s, %,.0f records/s)%n",
        r.produced(),
        target,
        r.rejectedCount(),
        r.failedCount(),
        r.elapsed().toMillis() / 1000.0,
        r.recordsPerSecond());
    out.flush();
  }

  private ValidationRules rules(LooplineConfig config) {
    int max =
        maxTextBytes != null
            ? maxTextBytes
            : config.getInt(MAX_TEXT_BYTES_KEY, ValidationRules.DEFAULT_MAX_TEXT_BYTES);
    if (max < 1) {
      throw new UserError("--max-text-bytes must be positive, got " + max);
    }
    return new ValidationRules(max, ignoreUnknown);
  }

  private InputFormat inputFormat() {
    if (format != null) {
      try {
        return InputFormat.valueOf(format.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new UserError("--format must be jsonl or csv, got '" + format + "'");
      }
    }
    if (file.equals("-")) {
      throw new UserError("reading stdin needs --format jsonl or --format csv");
    }
    return InputFormat.fromFileName(file)
        .orElseThrow(
            () ->
                new UserError(
                    "cannot tell the format of '"
                        + file
                        + "' from its name; add --format jsonl or csv"));
  }

  private InputStream open() throws IOException {
    if (file.equals("-")) {
      return System.in;
    }
    Path path = Path.of(file);
    try {
      InputStream in = Files.newInputStream(path);
      return file.toLowerCase(Locale.ROOT).endsWith(".gz") ? new GZIPInputStream(in, 65536) : in;
    } catch (NoSuchFileException e) {
      throw new UserError("no such file: " + file);
    } catch (IOException e) {
      throw new UserError("cannot read " + file + ": " + e.getMessage());
    }
  }

  private long inputSize() {
    if (file.equals("-") || file.toLowerCase(Locale.ROOT).endsWith(".gz")) {
      return -1;
    }
    try {
      return Files.size(Path.of(file));
    } catch (IOException e) {
      return -1;
    }
  }

  private boolean showProgress() {
    if (progress != null) {
      return progress;
    }
    String tty = System.getProperty("loopline.stderr.tty");
    return tty != null ? Boolean.parseBoolean(tty) : System.console() != null;
  }
}
