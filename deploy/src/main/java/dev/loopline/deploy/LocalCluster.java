package dev.loopline.deploy;

import dev.loopline.config.LooplineConfig;
import dev.loopline.net.FreePorts;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real multi-process Loopline cluster on this machine, started from the Maven jars: KRaft brokers
 * (combined broker+controller nodes, a static quorum; replication factor 3 and min ISR 2 with three
 * nodes), the schema registry, scoring instances and collector instances, each its own JVM.
 *
 * <p>It exists so that the scripts in {@code deploy/local/} and the fault tests start exactly the
 * same processes: {@link LocalClusterMain} (called by {@code cluster.sh}) starts them and leaves
 * them running; the tests start, kill -9 and restart them one by one through this class.
 *
 * <p>Layout under the run directory: {@code config/} (one properties file per process, plus {@code
 * loopline.properties} for clients), {@code data/<process>/}, {@code logs/<process>.log}, {@code
 * pids/<process>.pid}. Storage is formatted once; a restart keeps the data.
 */
public final class LocalCluster implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LocalCluster.class);
  private static final String LISTENER = "PLAINTEXT";
  private static final String CONTROLLER = "CONTROLLER";
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /**
   * What to start and how.
   *
   * @param runDir where configs, data, logs and pid files live
   * @param classpath the class path of every child process (deploy's runtime class path)
   * @param brokers number of KRaft nodes (each broker and controller)
   * @param basePort 0: free ports everywhere (tests); otherwise brokers on basePort.., controllers
   *     on basePort+100.., registry on basePort+200, scoring on basePort+300.., collectors on
   *     basePort+400..
   * @param brokerOverrides extra broker settings (e.g. {@code transaction.max.timeout.ms})
   * @param appSettings extra Loopline settings for the apps and clients ({@code scoring.*}, ...)
   * @param jvmOptions extra JVM options for every child ({@code -D...} for the TF natives)
   */
  public record Options(
      Path runDir,
      String classpath,
      int brokers,
      int scoringInstances,
      int collectorInstances,
      int basePort,
      Map<String, String> brokerOverrides,
      Map<String, String> appSettings,
      List<String> jvmOptions) {
    public Options {
      runDir = runDir.toAbsolutePath();
      brokerOverrides = Map.copyOf(brokerOverrides);
      appSettings = Map.copyOf(appSettings);
      jvmOptions = List.copyOf(jvmOptions);
      if (brokers < 1) {
        throw new IllegalArgumentException("brokers must be >= 1");
      }
    }
  }

  /**
   * The Flink standalone cluster of a local cluster: what a Flink distribution's {@code lib/} would
   * hold, and the job jar {@code flink run} would ship.
   *
   * @param classpath Flink's runtime jars (deploy's {@code flink-classpath.txt}); the processes get
   *     it after the cluster's own class path, which brings TensorFlow, JavaCPP, DJL and the
   *     Loopline libraries (loaded parent-first: native libraries load once per JVM)
   * @param jobJar the retrain/backtest job jar (deploy's {@code retrain-flink-job.jar}, or
   *     retrain-job's {@code -flink-job} jar): the job's code and the Kafka connector
   */
  public record Flink(String classpath, Path jobJar) {
    public Flink {
      jobJar = jobJar.toAbsolutePath();
    }
  }

  /** Names of the Flink processes (log, pid file, {@link #kill}/{@link #stop}). */
  public static final String JOBMANAGER = "flink-jobmanager";

  public static final String TASKMANAGER = "flink-taskmanager";

  private static final String JM_MAIN =
      "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
  private static final String TM_MAIN = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
  private static final String RETRAIN_MAIN = "dev.loopline.retrain.RetrainCommand";
  private static final String BACKTEST_MAIN = "dev.loopline.backtest.BacktestCommand";
  private static final Pattern TASKMANAGERS = Pattern.compile("\"taskmanagers\"\\s*:\\s*(\\d+)");

  private final Options options;
  private final Ports ports;
  private final Flink flink;
  private final FlinkPorts flinkPorts;
  private final Map<String, Process> processes = new LinkedHashMap<>();

  private LocalCluster(Options options, Ports ports, Flink flink, FlinkPorts flinkPorts) {
    this.options = options;
    this.ports = ports;
    this.flink = flink;
    this.flinkPorts = flinkPorts;
  }

  /** JobManager REST, JobManager RPC, blob server, TaskManager RPC and data ports. */
  record FlinkPorts(int rest, int rpc, int blob, int taskManagerRpc, int taskManagerData) {}

  /** Ports of every process; fixed from {@code basePort}, or free ones (persisted on first use). */
  record Ports(
      List<Integer> brokers,
      List<Integer> controllers,
      int registry,
      List<Integer> scoring,
      List<Integer> collectors) {}

  /**
   * Writes the configuration of every process (once; a second call on the same run directory reuses
   * ports and data) and formats KRaft storage where it is not formatted yet.
   */
  public static LocalCluster prepare(Options o) throws IOException {
    return prepare(o, null);
  }

  /**
   * As {@link #prepare(Options)}, plus a Flink standalone cluster when {@code flink} is not null:
   * its {@code config/flink/config.yaml}, and {@code retrain.flink.mode=remote} with the
   * JobManager's REST address and the job jar in {@code loopline.properties}, so that {@code
   * loopline retrain} (and {@code backtest}) with that config submit to it.
   */
  public static LocalCluster prepare(Options o, Flink flink) throws IOException {
    for (String d : List.of("config", "data", "logs", "pids")) {
      Files.createDirectories(o.runDir().resolve(d));
    }
    Path portsFile = o.runDir().resolve("config/ports.properties");
    Ports ports;
    if (Files.exists(portsFile)) {
      ports = readPorts(portsFile);
    } else {
      ports = allocate(o);
      writePorts(portsFile, ports);
    }
    FlinkPorts fp = null;
    if (flink != null) {
      Path flinkPortsFile = o.runDir().resolve("config/flink-ports.properties");
      if (Files.exists(flinkPortsFile)) {
        fp = readFlinkPorts(flinkPortsFile);
      } else {
        fp = allocateFlink(o.basePort(), ports);
        writeFlinkPorts(flinkPortsFile, fp);
      }
    }
    LocalCluster c = new LocalCluster(o, ports, flink, fp);
    c.writeConfigs();
    if (flink != null) {
      c.writeFlinkConfig();
    }
    return c;
  }

  private static FlinkPorts allocateFlink(int base, Ports taken) {
    if (base == 0) {
      List<Integer> used = new ArrayList<>(taken.brokers());
      used.addAll(taken.controllers());
      used.add(taken.registry());
      used.addAll(taken.scoring());
      used.addAll(taken.collectors());
      List<Integer> f = FreePorts.take(5, used);
      return new FlinkPorts(f.get(0), f.get(1), f.get(2), f.get(3), f.get(4));
    }
    return new FlinkPorts(base + 500, base + 501, base + 502, base + 503, base + 504);
  }

  private static void writeFlinkPorts(Path file, FlinkPorts p) throws IOException {
    Properties props = new Properties();
    props.put("rest", String.valueOf(p.rest()));
    props.put("rpc", String.valueOf(p.rpc()));
    props.put("blob", String.valueOf(p.blob()));
    props.put("taskmanager.rpc", String.valueOf(p.taskManagerRpc()));
    props.put("taskmanager.data", String.valueOf(p.taskManagerData()));
    store(file, props, "ports of the local Flink cluster");
  }

  private static FlinkPorts readFlinkPorts(Path file) throws IOException {
    Properties p = new Properties();
    try (var r = Files.newBufferedReader(file)) {
      p.load(r);
    }
    return new FlinkPorts(
        Integer.parseInt(p.getProperty("rest")),
        Integer.parseInt(p.getProperty("rpc")),
        Integer.parseInt(p.getProperty("blob")),
        Integer.parseInt(p.getProperty("taskmanager.rpc")),
        Integer.parseInt(p.getProperty("taskmanager.data")));
  }

  private static Ports allocate(Options o) {
    int b = o.basePort();
    if (b == 0) {
      // One call: the ports are distinct and none lies in the ephemeral range (FreePorts).
      List<Integer> f =
          FreePorts.take(2 * o.brokers() + 1 + o.scoringInstances() + o.collectorInstances());
      int i = 0;
      List<Integer> brokers = f.subList(i, i += o.brokers());
      List<Integer> controllers = f.subList(i, i += o.brokers());
      int registry = f.get(i++);
      List<Integer> scoring = f.subList(i, i += o.scoringInstances());
      return new Ports(brokers, controllers, registry, scoring, f.subList(i, f.size()));
    }
    return new Ports(
        seq(b, o.brokers()),
        seq(b + 100, o.brokers()),
        b + 200,
        seq(b + 300, o.scoringInstances()),
        seq(b + 400, o.collectorInstances()));
  }

  private static List<Integer> seq(int from, int n) {
    return IntStream.range(0, n).map(i -> from + i).boxed().toList();
  }

  private static void writePorts(Path file, Ports p) throws IOException {
    Properties props = new Properties();
    props.put("brokers", join(p.brokers()));
    props.put("controllers", join(p.controllers()));
    props.put("registry", String.valueOf(p.registry()));
    props.put("scoring", join(p.scoring()));
    props.put("collectors", join(p.collectors()));
    store(file, props, "ports of the local cluster");
  }

  private static Ports readPorts(Path file) throws IOException {
    Properties p = new Properties();
    try (var r = Files.newBufferedReader(file)) {
      p.load(r);
    }
    return new Ports(
        split(p.getProperty("brokers")),
        split(p.getProperty("controllers")),
        Integer.parseInt(p.getProperty("registry")),
        split(p.getProperty("scoring")),
        split(p.getProperty("collectors")));
  }

  private static String join(List<Integer> l) {
    return l.stream().map(String::valueOf).collect(Collectors.joining(","));
  }

  private static List<Integer> split(String s) {
    if (s == null || s.isBlank()) {
      return List.of();
    }
    return java.util.Arrays.stream(s.split(",")).map(Integer::parseInt).toList();
  }

  private static void store(Path file, Properties p, String comment) throws IOException {
    try (Writer w = Files.newBufferedWriter(file)) {
      p.store(w, comment);
    }
  }

  /** {@code host:port,...} of every broker. */
  public String bootstrapServers() {
    return ports.brokers().stream().map(p -> "localhost:" + p).collect(Collectors.joining(","));
  }

  /** The registry's base URL. */
  public String registryUrl() {
    return "http://localhost:" + ports.registry();
  }

  /** HTTP port of scoring instance {@code i} (0-based). */
  public int scoringPort(int i) {
    return ports.scoring().get(i);
  }

  /** Controller listener port of KRaft node {@code i} (0-based). */
  public int controllerPort(int i) {
    return ports.controllers().get(i);
  }

  /** HTTP port of collector instance {@code i} (0-based). */
  public int collectorPort(int i) {
    return ports.collectors().get(i);
  }

  public int brokerCount() {
    return options.brokers();
  }

  /** The replication factor every Loopline topic gets: 3 (or fewer brokers when there are). */
  public int replicationFactor() {
    return Math.min(3, options.brokers());
  }

  /** The client/app configuration of this cluster: what {@code loopline.properties} holds. */
  public LooplineConfig config() {
    return LooplineConfig.of(clientSettings());
  }

  private Map<String, String> clientSettings() {
    Map<String, String> s = new TreeMap<>();
    s.put(LooplineConfig.BOOTSTRAP_SERVERS, bootstrapServers());
    s.put(LooplineConfig.REGISTRY_URL, registryUrl());
    s.put("topic.replication.factor", String.valueOf(replicationFactor()));
    s.put("model.store.uri", options.runDir().resolve("models").toUri().toString());
    if (flink != null) {
      s.put("retrain.flink.mode", "remote");
      s.put("retrain.flink.jobmanager", "localhost:" + flinkPorts.rest());
      s.put("retrain.flink.job.jar", flink.jobJar().toString());
      s.put("retrain.lock.dir", options.runDir().resolve("data/retrain-locks").toString());
      s.put(
          "retrain.work.dir",
          options.runDir().resolve("data/" + TASKMANAGER + "/retrain-work").toString());
      s.put(
          "backtest.work.dir",
          options.runDir().resolve("data/" + TASKMANAGER + "/backtest-work").toString());
    }
    s.putAll(options.appSettings());
    return s;
  }

  private void writeConfigs() throws IOException {
    Path cfg = options.runDir().resolve("config");
    Properties client = new Properties();
    client.putAll(clientSettings());
    store(cfg.resolve("loopline.properties"), client, "clients and apps of the local cluster");
    String voters =
        IntStream.range(0, options.brokers())
            .mapToObj(i -> (i + 1) + "@localhost:" + ports.controllers().get(i))
            .collect(Collectors.joining(","));
    int rf = replicationFactor();
    String minIsr = String.valueOf(Math.min(2, rf));
    for (int i = 0; i < options.brokers(); i++) {
      Path logDir = options.runDir().resolve("data/broker-" + (i + 1));
      Files.createDirectories(logDir);
      Properties p = new Properties();
      p.put("process.roles", "broker,controller");
      p.put("node.id", String.valueOf(i + 1));
      p.put("controller.quorum.voters", voters);
      p.put(
          "listeners",
          LISTENER
              + "://localhost:"
              + ports.brokers().get(i)
              + ","
              + CONTROLLER
              + "://localhost:"
              + ports.controllers().get(i));
      p.put("advertised.listeners", LISTENER + "://localhost:" + ports.brokers().get(i));
      p.put("listener.security.protocol.map", LISTENER + ":PLAINTEXT," + CONTROLLER + ":PLAINTEXT");
      p.put("controller.listener.names", CONTROLLER);
      p.put("inter.broker.listener.name", LISTENER);
      p.put("log.dirs", logDir.toString());
      p.put("default.replication.factor", String.valueOf(rf));
      p.put("min.insync.replicas", minIsr);
      p.put("offsets.topic.replication.factor", String.valueOf(rf));
      p.put("offsets.topic.num.partitions", "6");
      p.put("transaction.state.log.replication.factor", String.valueOf(rf));
      p.put("transaction.state.log.min.isr", minIsr);
      p.put("transaction.state.log.num.partitions", "6");
      p.put("share.coordinator.state.topic.replication.factor", String.valueOf(rf));
      p.put("share.coordinator.state.topic.min.isr", minIsr);
      p.put("group.initial.rebalance.delay.ms", "0");
      p.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000");
      p.put("log.cleaner.dedupe.buffer.size", "8388608");
      p.put("num.network.threads", "2");
      p.put("num.io.threads", "2");
      p.put("background.threads", "2");
      p.put("num.recovery.threads.per.data.dir", "1");
      p.put("num.replica.fetchers", "1");
      p.put("auto.create.topics.enable", "false");
      p.putAll(options.brokerOverrides());
      store(cfg.resolve("broker-" + (i + 1) + ".properties"), p, "KRaft node " + (i + 1));
      if (!Files.exists(logDir.resolve("meta.properties"))) {
        format(i + 1, logDir);
      }
    }
  }

  private void format(int nodeId, Path logDir) throws IOException {
    Path idFile = options.runDir().resolve("config/cluster.id");
    if (!Files.exists(idFile)) {
      Files.writeString(idFile, Uuid.randomUuid().toString());
    }
    try {
      new Formatter()
          .setPrintStream(new PrintStream(PrintStream.nullOutputStream()))
          .setNodeId(nodeId)
          .setClusterId(Files.readString(idFile).trim())
          .setDirectories(List.of(logDir.toString()))
          .setMetadataLogDirectory(logDir.toString())
          .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
          .setControllerListenerName(CONTROLLER)
          .run();
    } catch (Exception e) {
      throw new IOException("cannot format KRaft storage in " + logDir + ": " + e, e);
    }
    LOG.info("formatted KRaft storage of node {} in {}", nodeId, logDir);
  }

  // ---------------------------------------------------------------- processes

  /** Starts KRaft node {@code i} (1-based). Returns without waiting for it to serve. */
  public void startBroker(int i) throws IOException {
    start(
        "broker-" + i,
        List.of("-Xmx256m", "-Xms64m"),
        "kafka.Kafka",
        List.of(options.runDir().resolve("config/broker-" + i + ".properties").toString()));
  }

  /** Starts every broker and waits until all of them are registered and unfenced. */
  public void startBrokers(Duration timeout) throws IOException {
    for (int i = 1; i <= options.brokers(); i++) {
      startBroker(i);
    }
    awaitBrokers(options.brokers(), timeout);
  }

  /** Waits until {@code n} brokers are in the cluster metadata. */
  public void awaitBrokers(int n, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers()))) {
      while (true) {
        try {
          if (admin.describeCluster().nodes().get().size() >= n) {
            return;
          }
        } catch (Exception e) {
          // not up yet
        }
        String dead = deadProcesses("broker-");
        if (!dead.isEmpty() || System.nanoTime() > deadline) {
          throw new IllegalStateException(
              n
                  + " brokers not up after "
                  + Duration.ofNanos(System.nanoTime() - deadline + timeout.toNanos())
                  + "; see "
                  + options.runDir()
                  + "/logs"
                  + dead);
        }
        pause(250);
      }
    }
  }

  /** Starts the registry and waits until it answers. */
  public void startRegistry(Duration timeout) throws IOException {
    start(
        "registry",
        List.of("-Xmx128m"),
        "dev.loopline.registry.server.RegistryServerMain",
        List.of(
            "--config",
            options.runDir().resolve("config/loopline.properties").toString(),
            "--port",
            String.valueOf(ports.registry())));
    awaitHttp(registryUrl() + "/subjects", timeout, false);
  }

  /** Starts scoring instance {@code i} (0-based); waits until its HTTP endpoint answers. */
  public void startScoring(int i, Duration timeout) throws IOException {
    Path cfg =
        appConfig("scoring-" + i, Map.of("scoring.http.port", String.valueOf(scoringPort(i))));
    start(
        "scoring-" + i,
        List.of("-Xmx256m", "-XX:MaxDirectMemorySize=128m"),
        "dev.loopline.inference.ScoreCommand",
        List.of("--config", cfg.toString()));
    awaitHttp("http://localhost:" + scoringPort(i) + "/health", timeout, false);
  }

  /** Starts collector instance {@code i} (0-based); waits until its HTTP endpoint answers. */
  public void startCollector(int i, Duration timeout) throws IOException {
    Path cfg =
        appConfig(
            "collector-" + i, Map.of("collector.http.port", String.valueOf(collectorPort(i))));
    start(
        "collector-" + i,
        List.of("-Xmx192m"),
        "dev.loopline.feedback.CollectCommand",
        List.of("--config", cfg.toString()));
    awaitHttp("http://localhost:" + collectorPort(i) + "/health", timeout, false);
  }

  /** Every process of the cluster, brokers first; each waits for its dependencies. */
  public void startAll(Duration timeout) throws IOException {
    startBrokers(timeout);
    startRegistry(timeout);
    for (int i = 0; i < options.scoringInstances(); i++) {
      startScoring(i, timeout);
    }
    for (int i = 0; i < options.collectorInstances(); i++) {
      startCollector(i, timeout);
    }
    if (flink != null) {
      startFlink(timeout);
    }
  }

  /** An app's config file: the cluster's settings plus its own port and state directories. */
  private Path appConfig(String name, Map<String, String> own) throws IOException {
    Properties p = new Properties();
    p.putAll(clientSettings());
    Path data = options.runDir().resolve("data").resolve(name);
    p.put("scoring.work.dir", data.resolve("work").toString());
    p.put("scoring.state.dir", data.resolve("state").toString());
    p.put("collector.state.dir", data.resolve("state").toString());
    p.putAll(own);
    Path file = options.runDir().resolve("config").resolve(name + ".properties");
    store(file, p, name);
    return file;
  }

  private void start(String name, List<String> heap, String mainClass, List<String> args)
      throws IOException {
    start(name, heap, options.classpath(), mainClass, args);
  }

  private Process start(
      String name, List<String> heap, String classpath, String mainClass, List<String> args)
      throws IOException {
    Process old = processes.get(name);
    if (old != null && old.isAlive()) {
      throw new IllegalStateException(name + " is already running (pid " + old.pid() + ")");
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(heap);
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-Dlogback.configurationFile=loopline-deploy-logback.xml");
    cmd.addAll(options.jvmOptions());
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add(mainClass);
    cmd.addAll(args);
    Path log = options.runDir().resolve("logs").resolve(name + ".log");
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    processes.put(name, p);
    Files.writeString(options.runDir().resolve("pids").resolve(name + ".pid"), p.pid() + "\n");
    LOG.info("started {} (pid {}), log {}", name, p.pid(), log);
    return p;
  }

  // ---------------------------------------------------------------- Flink

  /** Whether this cluster has a Flink standalone cluster ({@link #prepare(Options, Flink)}). */
  public boolean hasFlink() {
    return flink != null;
  }

  /** The JobManager's REST base URL ({@code /overview}, {@code /jobs/overview}, ...). */
  public String flinkRestUrl() {
    return "http://localhost:" + requireFlink().rest();
  }

  private FlinkPorts requireFlink() {
    if (flink == null) {
      throw new IllegalStateException("this local cluster was prepared without Flink");
    }
    return flinkPorts;
  }

  /**
   * Class path of Flink process (or submitter) {@code name}: the job jar first for submitters, the
   * cluster's own class path, then Flink's runtime. SNAPSHOT jars and the job jar are copied to
   * {@code data/<name>/lib/} first, as a Flink distribution's {@code lib/} holds its own copies:
   * the JobManager and TaskManager load user-code dependencies lazily, when a job arrives, and a
   * jar re-installed into {@code ~/.m2} meanwhile (another build) would fail that load with {@code
   * NoClassDefFoundError}.
   */
  private String flinkClasspath(String name, boolean withJobJar) throws IOException {
    Path lib =
        Files.createDirectories(options.runDir().resolve("data").resolve(name).resolve("lib"));
    List<String> out = new ArrayList<>();
    List<String> in = new ArrayList<>();
    if (withJobJar) {
      in.add(flink.jobJar().toString());
    }
    in.addAll(List.of(options.classpath().split(java.io.File.pathSeparator)));
    in.addAll(List.of(flink.classpath().split(java.io.File.pathSeparator)));
    for (String e : in) {
      Path p = Path.of(e);
      boolean mutable = e.endsWith("-SNAPSHOT.jar") || p.toAbsolutePath().equals(flink.jobJar());
      if (mutable && Files.isRegularFile(p)) {
        Path copy = lib.resolve(p.getFileName());
        Files.copy(p, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        out.add(copy.toString());
      } else if (!e.isBlank()) {
        out.add(e);
      }
    }
    return String.join(java.io.File.pathSeparator, out);
  }

  /**
   * {@code config/flink/config.yaml}. Every TaskManager memory component is set explicitly (the
   * {@code taskmanager.sh} script would compute them and pass them as dynamic properties; started
   * as a plain {@code java} process, the TaskManager requires them in the file) and the JVM flags
   * in {@link #startTaskManager} match them: heap 384m, direct 160m, metaspace 192m, about 1.1 GB
   * for the process. Managed memory (192m) is what BATCH mode's sort for the keyed dedupe uses.
   */
  private void writeFlinkConfig() throws IOException {
    FlinkPorts p = flinkPorts;
    Path dir = Files.createDirectories(options.runDir().resolve("config/flink"));
    Path tmp = Files.createDirectories(options.runDir().resolve("data/flink-tmp"));
    Map<String, String> c = new LinkedHashMap<>();
    c.put("jobmanager.rpc.address", "localhost");
    c.put("jobmanager.rpc.port", String.valueOf(p.rpc()));
    c.put("jobmanager.bind-host", "localhost");
    c.put("jobmanager.memory.process.size", "640m");
    c.put("rest.address", "localhost");
    c.put("rest.bind-address", "localhost");
    c.put("rest.port", String.valueOf(p.rest()));
    c.put("blob.server.port", String.valueOf(p.blob()));
    c.put("taskmanager.host", "localhost");
    c.put("taskmanager.bind-host", "localhost");
    c.put("taskmanager.rpc.port", String.valueOf(p.taskManagerRpc()));
    c.put("taskmanager.data.port", String.valueOf(p.taskManagerData()));
    c.put("taskmanager.numberOfTaskSlots", "2");
    c.put("taskmanager.cpu.cores", "2");
    c.put("parallelism.default", "2");
    c.put("taskmanager.memory.framework.heap.size", "64m");
    c.put("taskmanager.memory.task.heap.size", "320m");
    c.put("taskmanager.memory.framework.off-heap.size", "64m");
    c.put("taskmanager.memory.task.off-heap.size", "64m");
    c.put("taskmanager.memory.managed.size", "192m");
    c.put("taskmanager.memory.network.min", "32m");
    c.put("taskmanager.memory.network.max", "32m");
    c.put("taskmanager.memory.jvm-metaspace.size", "192m");
    c.put("taskmanager.memory.jvm-overhead.min", "192m");
    c.put("taskmanager.memory.jvm-overhead.max", "192m");
    // A lost TaskManager is noticed within seconds, not the default 50 s.
    c.put("heartbeat.interval", "2000");
    c.put("heartbeat.timeout", "10000");
    c.put("io.tmp.dirs", tmp.toString());
    c.put("web.submit.enable", "false");
    // Native libraries load once per JVM; user-code class loaders are per job (STACK.md).
    c.put(
        "classloader.parent-first-patterns.additional",
        "org.tensorflow;org.bytedeco;ai.djl;com.google.protobuf");
    StringBuilder yaml =
        new StringBuilder("# Flink standalone cluster of the local Loopline cluster (generated)\n");
    c.forEach((k, v) -> yaml.append(k).append(": ").append(v).append('\n'));
    Files.writeString(dir.resolve("config.yaml"), yaml.toString());
  }

  /** Starts the JobManager and the TaskManager; waits until the TaskManager has registered. */
  public void startFlink(Duration timeout) throws IOException {
    startJobManager(timeout);
    startTaskManager(timeout);
  }

  /** Starts the JobManager (standalone session cluster) and waits until its REST API answers. */
  public void startJobManager(Duration timeout) throws IOException {
    requireFlink();
    start(
        JOBMANAGER,
        List.of("-Xmx320m", "-Xms64m", "-XX:MaxMetaspaceSize=192m", "-XX:MaxDirectMemorySize=128m"),
        flinkClasspath(JOBMANAGER, false),
        JM_MAIN,
        List.of("--configDir", options.runDir().resolve("config/flink").toString()));
    awaitFlinkHttp("/overview", timeout);
  }

  /**
   * Starts the TaskManager and waits until the JobManager lists it. A TaskManager that exits while
   * starting (a CI run saw one exit with 239, the code of Flink's shutdown safeguard, before it
   * registered) is started once more, with its errors logged; a second exit, or no registration
   * within {@code timeout}, fails with both.
   */
  public void startTaskManager(Duration timeout) throws IOException {
    launchTaskManager();
    try {
      awaitTaskManagers(1, timeout);
    } catch (IllegalStateException first) {
      Process p = processes.get(TASKMANAGER);
      if (p == null || p.isAlive()) {
        throw first;
      }
      LOG.warn(
          "{} exited while starting; starting it once more. {}", TASKMANAGER, first.getMessage());
      processes.remove(TASKMANAGER);
      launchTaskManager();
      try {
        awaitTaskManagers(1, timeout);
      } catch (IllegalStateException second) {
        second.addSuppressed(first);
        throw second;
      }
    }
  }

  private void launchTaskManager() throws IOException {
    requireFlink();
    Files.createDirectories(options.runDir().resolve("data/" + TASKMANAGER));
    start(
        TASKMANAGER,
        List.of(
            "-Xmx384m",
            "-Xms384m",
            "-XX:MaxDirectMemorySize=160m",
            "-XX:MaxMetaspaceSize=192m",
            // An OutOfMemoryError ends the TaskManager (a loss the JobManager sees and fails the
            // job on) rather than leaving it half-working.
            "-XX:+ExitOnOutOfMemoryError"),
        flinkClasspath(TASKMANAGER, false),
        TM_MAIN,
        List.of("--configDir", options.runDir().resolve("config/flink").toString()));
  }

  /** Waits until the JobManager's {@code /overview} counts {@code n} TaskManagers. */
  public void awaitTaskManagers(int n, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (taskManagers() != n) {
      String dead = deadProcesses("flink-");
      if (!dead.isEmpty() || System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "Flink did not report " + n + " TaskManager(s) within " + timeout + dead);
      }
      pause(250);
    }
  }

  /** TaskManagers the JobManager counts now; -1 when its REST API does not answer. */
  public int taskManagers() {
    HttpResponse<String> r = get(flinkRestUrl() + "/overview");
    if (r.statusCode() != 200) {
      return -1;
    }
    Matcher m = TASKMANAGERS.matcher(r.body());
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }

  private void awaitFlinkHttp(String path, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (status(flinkRestUrl() + path) != 200) {
      String dead = deadProcesses("flink-");
      if (!dead.isEmpty() || System.nanoTime() > deadline) {
        throw new IllegalStateException(
            flinkRestUrl() + path + " did not answer within " + timeout + dead);
      }
      pause(250);
    }
  }

  /**
   * Starts a {@code retrain} submitter named {@code name} (log {@code logs/<name>.log}): {@code
   * RetrainCommand} in its own JVM with this cluster's {@code loopline.properties}, hence {@code
   * retrain.flink.mode=remote} (the job and its jar go to this cluster's JobManager), {@code
   * --no-progress} and {@code args}. It exits when the job has ended: 0 published, 1 failed, 3 not
   * enough data (see {@code RetrainCommand}).
   */
  public Process submitRetrain(String name, List<String> args) throws IOException {
    return submit(name, RETRAIN_MAIN, args);
  }

  /**
   * As {@link #submitRetrain} for {@code BacktestCommand} ({@code --from}, {@code --to}, {@code
   * --model}, ... in {@code args}): 0 report written, 3 no events, 4 unknown version, 5 no labels.
   */
  public Process submitBacktest(String name, List<String> args) throws IOException {
    return submit(name, BACKTEST_MAIN, args);
  }

  private Process submit(String name, String mainClass, List<String> args) throws IOException {
    requireFlink();
    List<String> cmd = new ArrayList<>();
    cmd.add("--config");
    cmd.add(options.runDir().resolve("config/loopline.properties").toString());
    cmd.add("--no-progress");
    cmd.addAll(args);
    return start(name, List.of("-Xmx256m"), flinkClasspath(name, true), mainClass, cmd);
  }

  /** SIGKILL: no shutdown hook, no flush, no commit. */
  public void kill(String name) throws InterruptedException {
    Process p = processes.get(name);
    if (p != null && p.isAlive()) {
      p.destroyForcibly();
      p.waitFor();
      LOG.info("killed {} (kill -9, pid {})", name, p.pid());
    }
  }

  /** SIGTERM and wait (then SIGKILL after 60 s). */
  public void stop(String name) throws InterruptedException {
    Process p = processes.get(name);
    if (p != null && p.isAlive()) {
      p.destroy();
      if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor();
      }
      LOG.info("stopped {} (pid {})", name, p.pid());
    }
  }

  /** Exit code and last log lines of each process named {@code prefix...} that has exited. */
  public String deadProcesses(String prefix) {
    StringBuilder sb = new StringBuilder();
    processes.forEach(
        (name, p) -> {
          if (name.startsWith(prefix) && !p.isAlive()) {
            sb.append("\n").append(name).append(" exited with ").append(p.exitValue()).append(":");
            try {
              List<String> lines = Files.readAllLines(log(name));
              // The first error lines say why (a fatal error's cause); the tail is often only
              // the thread dump of a JVM that was shutting down.
              List<String> errors = firstErrors(lines, 12);
              if (!errors.isEmpty()) {
                sb.append("\n  first errors:");
                errors.forEach(l -> sb.append("\n  ").append(l));
                sb.append("\n  last lines:");
              }
              lines
                  .subList(Math.max(0, lines.size() - 15), lines.size())
                  .forEach(l -> sb.append("\n  ").append(l));
            } catch (IOException e) {
              sb.append(" (no log: ").append(e.getMessage()).append(')');
            }
          }
        });
    return sb.toString();
  }

  /**
   * Up to {@code max} lines of {@code lines} that report an error: an {@code ERROR} or {@code
   * FATAL} log line, an exception line, or a {@code Caused by:}.
   */
  static List<String> firstErrors(List<String> lines, int max) {
    Pattern error =
        Pattern.compile(
            " (ERROR|FATAL) |^Caused by: |^Exception in thread |^[\\w.$]+(Exception|Error)(: |$)");
    return lines.stream().filter(l -> error.matcher(l).find()).limit(max).toList();
  }

  /** Whether this object started {@code name} and it is still running. */
  public boolean isRunning(String name) {
    Process p = processes.get(name);
    return p != null && p.isAlive();
  }

  /** The log file of {@code name}. */
  public Path log(String name) {
    return options.runDir().resolve("logs").resolve(name + ".log");
  }

  /**
   * Stops everything this object started: apps, then the registry, then all brokers at once (a
   * KRaft node stopped last would wait for a quorum that is already gone).
   */
  @Override
  public void close() {
    List<String> names = new ArrayList<>(processes.keySet());
    names.sort((a, b) -> Integer.compare(order(b), order(a)));
    List<Process> brokers = new ArrayList<>();
    for (String n : names) {
      Process p = processes.get(n);
      if (order(n) == 0) {
        brokers.add(p);
        p.destroy();
        continue;
      }
      try {
        stop(n);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
    for (Process p : brokers) {
      try {
        if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
  }

  private static int order(String name) {
    if (name.startsWith("broker-")) {
      return 0;
    }
    if (name.equals("registry")) {
      return 1;
    }
    // Flink after the apps and submitters, the JobManager after its TaskManager.
    if (name.equals(JOBMANAGER)) {
      return 2;
    }
    return name.equals(TASKMANAGER) ? 3 : 4;
  }

  /** Waits until {@code url} answers (any status, or 200 only when {@code ok}). */
  public static void awaitHttp(String url, Duration timeout, boolean ok) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      int status = status(url);
      if (ok ? status == 200 : status > 0) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(url + " did not answer within " + timeout);
      }
      pause(250);
    }
  }

  /** HTTP status of a GET, or -1 when nothing answers. */
  public static int status(String url) {
    return get(url).statusCode();
  }

  /** A GET; status -1 and an empty body when nothing answers. */
  public static HttpResponse<String> get(String url) {
    try {
      return HTTP.send(
          HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return new NoResponse(url);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new NoResponse(url);
    }
  }

  private static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** The answer when nothing listens. */
  private record NoResponse(String url) implements HttpResponse<String> {
    @Override
    public int statusCode() {
      return -1;
    }

    @Override
    public HttpRequest request() {
      return HttpRequest.newBuilder(URI.create(url)).build();
    }

    @Override
    public java.util.Optional<HttpResponse<String>> previousResponse() {
      return java.util.Optional.empty();
    }

    @Override
    public java.net.http.HttpHeaders headers() {
      return java.net.http.HttpHeaders.of(Map.of(), (a, b) -> true);
    }

    @Override
    public String body() {
      return "";
    }

    @Override
    public java.util.Optional<javax.net.ssl.SSLSession> sslSession() {
      return java.util.Optional.empty();
    }

    @Override
    public URI uri() {
      return URI.create(url);
    }

    @Override
    public HttpClient.Version version() {
      return HttpClient.Version.HTTP_1_1;
    }
  }
}
