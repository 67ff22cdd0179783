package dev.loopline.launcher;

import ch.qos.logback.classic.Level;
import dev.loopline.config.LooplineConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code loopline} command: one entry point for the embedded platform, producing events,
 * inspecting topics and generating demo traffic, plus the commands other modules contribute (see
 * {@link ContributedCommands}).
 *
 * <p>Connection settings are global options, accepted before or after the subcommand, and layered
 * through {@link LooplineConfig#load} (defaults, then {@code --config}, then {@code LOOPLINE_*}
 * environment variables, then flags), so every client a command builds sees the same SASL/TLS and
 * registry settings. Errors print one line, {@code loopline: <message>}, with the exit codes of
 * {@link ExitCodes}.
 */
@Command(
    name = "loopline",
    scope = ScopeType.INHERIT,
    mixinStandardHelpOptions = true,
    versionProvider = LooplineCli.Version.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = "Score, collect, retrain: the Loopline platform from the command line.",
    subcommands = {
      UpCommand.class,
      ProduceCommand.class,
      TopicsCommand.class,
      GenerateCommand.class
    },
    footer = {
      "",
      "Connection settings: flags, then -D key=value, override LOOPLINE_* environment variables",
      "(LOOPLINE_BOOTSTRAP_SERVERS -> bootstrap.servers), which override the --config file.",
      "Exit codes: 0 ok, 1 unexpected error, 2 usage/config error, 3 rejected input, 4 send failed."
    })
public final class LooplineCli implements Runnable {

  @Option(
      names = "--config",
      paramLabel = "<file>",
      description = "Properties file with connection and platform settings.")
  Path configFile;

  @Option(
      names = "--bootstrap-servers",
      paramLabel = "<host:port,...>",
      description = "Kafka bootstrap servers (default: the embedded platform, localhost:9092).")
  String bootstrapServers;

  @Option(
      names = "--registry-url",
      paramLabel = "<url>",
      description = "Schema registry URL (default: the embedded platform, http://localhost:8081).")
  String registryUrl;

  @Option(
      names = "-D",
      paramLabel = "<key=value>",
      description = "Any setting, e.g. -D security.protocol=SASL_SSL (repeatable).")
  Map<String, String> defines = new LinkedHashMap<>();

  @Option(
      names = "--verbose",
      description = "Log more, and print stack traces of unexpected errors.")
  boolean verbose;

  @Spec CommandSpec spec;

  private final Map<String, String> env;
  private LooplineConfig config;

  LooplineCli(Map<String, String> env) {
    this.env = env;
  }

  public static void main(String[] args) {
    System.exit(
        run(
            args,
            new PrintStream(System.out, true, StandardCharsets.UTF_8),
            new PrintStream(System.err, true, StandardCharsets.UTF_8),
            System.getenv()));
  }

  /** Runs one command line; returns the exit code instead of exiting (tests call this). */
  public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
    return run(args, out, err, env, ContributedCommands.CLASS_NAMES);
  }

  static int run(
      String[] args,
      PrintStream out,
      PrintStream err,
      Map<String, String> env,
      List<String> contributed) {
    LooplineCli top = new LooplineCli(env);
    CommandLine cl = commandLine(top, contributed);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  /** The command tree with the built-in and the contributed subcommands and the error policy. */
  static CommandLine commandLine(LooplineCli top, List<String> contributed) {
    CommandLine cl = new CommandLine(top);
    ContributedCommands.addTo(cl, top::config, contributed);
    shareGlobalOptions(cl);
    cl.setParameterExceptionHandler(
        (ex, args) -> {
          String cmd = ex.getCommandLine().getCommandSpec().qualifiedName();
          ex.getCommandLine()
              .getErr()
              .println("loopline: " + oneLine(ex.getMessage()) + " (see '" + cmd + " --help')");
          return ExitCodes.USAGE;
        });
    cl.setExecutionExceptionHandler((ex, cmdLine, parseResult) -> top.fail(ex, cmdLine));
    cl.setExecutionStrategy(
        parseResult -> {
          top.applyLogLevel();
          return new CommandLine.RunLast().execute(parseResult);
        });
    return cl;
  }

  /**
   * Lets every subcommand accept the global options after its name too ({@code loopline topics
   * --bootstrap-servers h:9092}), bound to the same fields. Picocli's inherited options would do
   * this, but refuse a subcommand that declares an option of the same name (a contributed command
   * that also runs on its own may have its own {@code --config}); here the subcommand's own option
   * wins and the others are still shared.
   */
  static void shareGlobalOptions(CommandLine top) {
    List<OptionSpec> globals =
        top.getCommandSpec().options().stream()
            .filter(o -> !o.usageHelp() && !o.versionHelp())
            .toList();
    top.getSubcommands().values().forEach(sub -> share(sub, globals));
  }

  private static void share(CommandLine cl, List<OptionSpec> globals) {
    CommandSpec spec = cl.getCommandSpec();
    for (OptionSpec global : globals) {
      if (Arrays.stream(global.names()).noneMatch(spec.optionsMap()::containsKey)) {
        spec.addOption(OptionSpec.builder(global).build());
      }
    }
    cl.getSubcommands().values().forEach(sub -> share(sub, globals));
  }

  /**
   * The configuration every command uses: defaults, {@code --config}, environment, then {@code -D}
   * and the connection flags. Built once, on first use, after the options are parsed.
   */
  public LooplineConfig config() {
    if (config == null) {
      Map<String, String> overrides = new LinkedHashMap<>(defines);
      if (bootstrapServers != null) {
        overrides.put(LooplineConfig.BOOTSTRAP_SERVERS, bootstrapServers);
      }
      if (registryUrl != null) {
        overrides.put(LooplineConfig.REGISTRY_URL, registryUrl);
      }
      try {
        config = LooplineConfig.load(configFile, env, overrides);
      } catch (NoSuchFileException e) {
        throw new UserError("config file not found: " + configFile);
      } catch (IOException | IllegalArgumentException e) {
        throw new UserError("cannot read config file " + configFile + ": " + e.getMessage());
      }
    }
    return config;
  }

  /** True when the user asked for details (more logging, stack traces). */
  public boolean verbose() {
    return verbose;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
  }

  private void applyLogLevel() {
    if (verbose
        && LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)
            instanceof ch.qos.logback.classic.Logger root) {
      root.setLevel(Level.INFO);
    }
  }

  private int fail(Exception ex, CommandLine cmdLine) {
    PrintWriter err = cmdLine.getErr();
    Throwable userError = userError(ex);
    if (userError instanceof CommandLine.ParameterException pe) {
      String cmd = pe.getCommandLine().getCommandSpec().qualifiedName();
      err.println("loopline: " + oneLine(pe.getMessage()) + " (see '" + cmd + " --help')");
      return ExitCodes.USAGE;
    }
    if (userError != null) {
      err.println("loopline: " + oneLine(userError.getMessage()));
      if (verbose) {
        ex.printStackTrace(err);
      }
      return ExitCodes.USAGE;
    }
    err.println(
        "loopline: unexpected error: "
            + oneLine(ex.getClass().getSimpleName() + ": " + ex.getMessage())
            + (verbose ? "" : " (run with --verbose for details)"));
    if (verbose) {
      ex.printStackTrace(err);
    }
    return ExitCodes.UNEXPECTED;
  }

  /** The first user-facing error in the cause chain, or null. */
  static Throwable userError(Throwable ex) {
    for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof UserError
          || t instanceof LooplineConfig.ConfigException
          || t instanceof CommandLine.ParameterException) {
        return t;
      }
    }
    return null;
  }

  static String oneLine(String message) {
    if (message == null || message.isBlank()) {
      return "(no message)";
    }
    String s = message.strip().replaceAll("\\s*\\R\\s*", " ");
    return s.length() > 400 ? s.substring(0, 400) + "..." : s;
  }

  /** Prints the build's version (from the jar manifest when packaged). */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = LooplineCli.class.getPackage().getImplementationVersion();
      return new String[] {"loopline " + (v == null ? "0.1.0-SNAPSHOT" : v)};
    }
  }
}
