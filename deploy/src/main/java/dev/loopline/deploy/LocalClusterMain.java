package dev.loopline.deploy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cluster.sh up}: starts the local multi-process cluster ({@link LocalCluster}), with a
 * Flink standalone cluster (JobManager + TaskManager) unless {@code --no-flink}, and exits, leaving
 * the processes running with their pids in {@code <run-dir>/pids/}. Stopping is the script's job
 * ({@code cluster.sh down} signals the pids), so nothing has to stay attached.
 */
@Command(
    name = "local-cluster-up",
    mixinStandardHelpOptions = true,
    description =
        "Start KRaft brokers, the registry, scoring and collector instances and a Flink"
            + " JobManager + TaskManager as processes.")
public final class LocalClusterMain implements Callable<Integer> {

  /** System properties handed on to every child (TensorFlow natives, DJL offline mode). */
  private static final List<String> FORWARDED =
      List.of(
          "loopline.natives.dir",
          "ai.djl.offline",
          "OPT_OUT_TRACKING",
          "org.bytedeco.javacpp.pathsFirst",
          "org.bytedeco.javacpp.cachedir");

  @Option(names = "--run-dir", required = true, description = "Data, logs, configs and pids")
  Path runDir;

  @Option(names = "--classpath-file", required = true, description = "Class path of the children")
  Path classpathFile;

  @Option(names = "--classes", description = "Extra class path entries (deploy's own classes)")
  String classes;

  @Option(
      names = "--flink-classpath-file",
      description = "Flink's runtime class path (deploy/target/flink-classpath.txt)")
  Path flinkClasspathFile;

  @Option(
      names = "--job-jar",
      description =
          "The retrain/backtest job jar the Flink cluster is sent (retrain-flink-job.jar)")
  Path jobJar;

  @Option(names = "--no-flink", description = "Do not start the Flink JobManager/TaskManager")
  boolean noFlink;

  @Option(names = "--brokers", defaultValue = "3")
  int brokers;

  @Option(names = "--scoring", defaultValue = "2")
  int scoring;

  @Option(names = "--collectors", defaultValue = "2")
  int collectors;

  @Option(names = "--base-port", defaultValue = "19092")
  int basePort;

  @Option(names = "--set", description = "Loopline setting for apps and clients (repeatable)")
  Map<String, String> settings = new java.util.LinkedHashMap<>();

  @Override
  public Integer call() throws Exception {
    String cp = Files.readString(classpathFile).trim();
    if (classes != null && !classes.isBlank()) {
      cp = classes + java.io.File.pathSeparator + cp;
    }
    List<String> jvm = new ArrayList<>();
    for (String p : FORWARDED) {
      if (System.getProperty(p) != null) {
        jvm.add("-D" + p + "=" + System.getProperty(p));
      }
    }
    LocalCluster.Flink flink = null;
    if (!noFlink) {
      if (flinkClasspathFile == null || jobJar == null) {
        throw new CommandLine.ParameterException(
            new CommandLine(this),
            "--flink-classpath-file and --job-jar are needed (or --no-flink)");
      }
      if (!Files.isRegularFile(jobJar)) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "job jar not found: " + jobJar);
      }
      flink = new LocalCluster.Flink(Files.readString(flinkClasspathFile).trim(), jobJar);
    }
    LocalCluster cluster =
        LocalCluster.prepare(
            new LocalCluster.Options(
                runDir, cp, brokers, scoring, collectors, basePort, Map.of(), settings, jvm),
            flink);
    // Not closed on purpose: the processes outlive this launcher.
    cluster.startAll(Duration.ofMinutes(3));
    System.out.println("bootstrap.servers=" + cluster.bootstrapServers());
    System.out.println("schema.registry.url=" + cluster.registryUrl());
    if (cluster.hasFlink()) {
      System.out.println("flink.rest=" + cluster.flinkRestUrl());
    }
    System.out.println("client config: " + runDir.resolve("config/loopline.properties"));
    return 0;
  }

  public static void main(String[] args) {
    CommandLine cli = new CommandLine(new LocalClusterMain());
    cli.setParameterExceptionHandler(
        (ex, a) -> {
          System.err.println("cluster up: " + ex.getMessage());
          return 2;
        });
    cli.setExecutionExceptionHandler(
        (ex, c, parsed) -> {
          System.err.println("cluster up: " + ex.getMessage());
          return 1;
        });
    System.exit(cli.execute(args));
  }
}
