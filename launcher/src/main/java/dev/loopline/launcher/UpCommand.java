package dev.loopline.launcher;

import dev.loopline.embedded.EmbeddedPlatform;
import dev.loopline.launcher.loop.DemoLoop;
import dev.loopline.topics.TopicSpec;
import dev.loopline.topics.Topics;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code loopline up}: the whole loop on one machine: the platform (a KRaft broker, the schema
 * registry and the core topics), then {@link DemoLoop}'s stages (version 1 from a seed set, the
 * scoring app, the collector and its console, the retrain scheduler, synthetic traffic with drift
 * and a simulated agent, and a status line). {@code --platform-only} starts just the platform.
 * Stops cleanly on Ctrl-C (stages in reverse order); a second start on the same data directory
 * resumes.
 */
@Command(
    name = "up",
    sortOptions = false,
    description = {
      "Start the whole loop: Kafka broker, schema registry, core topics, version 1 from a seed"
          + " set, scoring app, feedback collector and console, retrain scheduler, synthetic"
          + " traffic with drift and a simulated agent.",
      "Prints where everything listens, then a status line every few seconds, until Ctrl-C.",
      "Demo settings: -D demo.events.per.second=20 -D demo.drift.after.events=1500"
          + " -D demo.retrain.every=90s -D demo.retrain.min.new.labels=300 (see the README)."
    })
public final class UpCommand implements Callable<Integer> {

  @ParentCommand LooplineCli cli;

  @Spec CommandSpec spec;

  @Option(
      names = "--kafka-port",
      defaultValue = "9092",
      paramLabel = "<port>",
      description = "Broker port, 0 = any free port (default: ${DEFAULT-VALUE}).")
  int kafkaPort;

  @Option(
      names = "--registry-port",
      defaultValue = "8081",
      paramLabel = "<port>",
      description = "Schema registry port, 0 = any free port (default: ${DEFAULT-VALUE}).")
  int registryPort;

  @Option(
      names = "--data-dir",
      paramLabel = "<dir>",
      description = "Broker storage, kept across runs (default: ~/.loopline/data).")
  Path dataDir;

  @Option(names = "--fresh", description = "Delete the data directory first: start empty.")
  boolean fresh;

  @Option(
      names = "--temporary",
      description = "Use temporary storage, deleted on exit (ignores --data-dir).")
  boolean temporary;

  @Option(
      names = "--platform-only",
      description = "Start only the broker, the registry and the core topics.")
  boolean platformOnly;

  private final CountDownLatch stop = new CountDownLatch(1);

  @Override
  public Integer call() throws Exception {
    checkPort("--kafka-port", kafkaPort);
    checkPort("--registry-port", registryPort);
    Path dir = temporary ? null : dataDir != null ? dataDir : defaultDataDir();
    if (dir != null) {
      if (fresh) {
        deleteRecursively(dir);
      }
      Files.createDirectories(dir);
    }
    PrintWriter out = spec.commandLine().getOut();
    out.println(
        "Starting Loopline"
            + (dir == null ? " (temporary storage)" : " (data in " + dir + ")")
            + " ...");
    out.flush();
    Path loopDir = null;
    if (!platformOnly) {
      loopDir = dir == null ? Files.createTempDirectory("loopline-loop") : dir.resolve("loop");
    }
    Path tempLoopDir = dir == null ? loopDir : null;
    EmbeddedLoop loop;
    try {
      loop = EmbeddedLoop.start(cli.config(), stages(dir, loopDir, out));
    } catch (RuntimeException e) {
      deleteQuietly(tempLoopDir);
      throw explain(e);
    }
    Thread hook =
        new Thread(
            () -> {
              loop.close();
              deleteQuietly(tempLoopDir);
              stop.countDown();
            },
            "loopline-up-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    out.println();
    out.print(table(loop.endpoints()));
    out.println();
    out.println(
        wrap(
            "Topics: "
                + String.join(
                    ", ", Topics.from(loop.config()).core().stream().map(TopicSpec::name).toList()),
            100));
    out.println();
    if (platformOnly) {
      out.println("Try:  bin/loopline produce --file examples/tickets.jsonl");
      out.println("      bin/loopline topics");
    } else {
      out.println(
          "Watch accuracy drop when the drift starts, corrections pile up, a retrain publish");
      out.println(
          "a new version, the app swap it in, and accuracy recover (status every few seconds).");
    }
    out.println("Loopline is up. Press Ctrl-C to stop.");
    out.flush();
    try {
      stop.await();
      // Stopped by the shutdown hook (Ctrl-C / SIGTERM): the JVM is exiting.
    } catch (InterruptedException e) {
      // Stopped in-process (tests, embedding): close here (before restoring the interrupt flag,
      // which would abort the clients' own shutdown) and unregister the hook.
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException ignored) {
        // Already shutting down.
      }
      loop.close();
      deleteQuietly(tempLoopDir);
      Thread.currentThread().interrupt();
    }
    out.println("Loopline stopped.");
    out.flush();
    return ExitCodes.OK;
  }

  /** The components of the loop, in start order ({@code loopDir} null: the platform only). */
  List<EmbeddedLoop.Stage> stages(Path dir, Path loopDir, PrintWriter out) {
    EmbeddedPlatform.Options options =
        EmbeddedPlatform.Options.standard(dir).withPorts(kafkaPort, registryPort);
    List<EmbeddedLoop.Stage> stages = new ArrayList<>();
    stages.add(new PlatformStage(options));
    if (loopDir != null) {
      stages.addAll(new DemoLoop(loopDir, kafkaPort == 0, out).stages());
    }
    return stages;
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try {
      deleteRecursively(dir);
    } catch (IOException | RuntimeException e) {
      // Temporary files; the OS cleans its temp directory.
    }
  }

  static String table(List<EmbeddedLoop.Endpoint> endpoints) {
    TextTable t = new TextTable(List.of("COMPONENT", "WHAT", "WHERE"));
    endpoints.forEach(e -> t.row(e.component(), e.what(), e.where()));
    return t.render();
  }

  /** Breaks a long line after commas so it fits a terminal; continuation lines are indented. */
  static String wrap(String text, int width) {
    StringBuilder sb = new StringBuilder();
    int lineStart = 0;
    for (String part : text.split("(?<=, )")) {
      if (sb.length() - lineStart + part.length() > width && sb.length() > lineStart) {
        sb.append('\n').append("        ");
        lineStart = sb.length() - 8;
      }
      sb.append(part);
    }
    return sb.toString();
  }

  static Path defaultDataDir() {
    return Path.of(System.getProperty("user.home"), ".loopline", "data");
  }

  private static void checkPort(String option, int port) {
    if (port < 0 || port > 65535) {
      throw new UserError(option + " must be between 0 and 65535, got " + port);
    }
  }

  private RuntimeException explain(RuntimeException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException) {
        return new UserError(
            "a port is already in use (Kafka "
                + kafkaPort
                + ", registry "
                + registryPort
                + "): is another 'loopline up' running? Use --kafka-port/--registry-port",
            e);
      }
      String m = String.valueOf(t.getMessage());
      if (m.contains("Address already in use")) {
        return new UserError("a port is already in use: " + m, e);
      }
      if (m.contains(".lock") || m.contains("lock file")) {
        return new UserError(
            "the data directory is in use by another broker (another 'loopline up'?): " + m, e);
      }
    }
    return e;
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.delete(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
              if (exc != null) {
                throw exc;
              }
              Files.delete(d);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
