package dev.loopline.retrain;

import dev.loopline.avro.ModelVersion;
import dev.loopline.avro.PartitionOffset;
import dev.loopline.config.LooplineConfig;
import dev.loopline.model.store.Sha256;
import dev.loopline.retrain.job.BootstrapFile;
import dev.loopline.retrain.job.FeedbackDeserializer;
import dev.loopline.retrain.job.FeedbackRecord;
import dev.loopline.retrain.job.HoldoutSplit;
import dev.loopline.retrain.job.RetrainJob;
import dev.loopline.retrain.job.RetrainPlan;
import dev.loopline.retrain.job.RetrainResult;
import dev.loopline.retrain.job.RetrainSettings;
import dev.loopline.retrain.registry.ModelHistory;
import dev.loopline.retrain.registry.ModelRegistryReader;
import dev.loopline.retrain.schedule.RetrainLock;
import dev.loopline.topics.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One retraining run as an API (the CLI, the scheduler and the launcher's embedded loop call it):
 * take the lock, read what the model topics say, fix the feedback offsets, plan, run the Flink job
 * and return its result.
 */
public final class RetrainService {

  private static final Logger LOG = LoggerFactory.getLogger(RetrainService.class);
  private static final Duration COUNT_TIMEOUT = Duration.ofSeconds(30);

  private final Function<LooplineConfig, StreamExecutionEnvironment> environments;

  /**
   * @param environments the Flink environment for a run: {@link #defaultEnvironment} (local
   *     MiniCluster, or the cluster {@code flink run} submits to), or a test's MiniCluster
   */
  public RetrainService(Function<LooplineConfig, StreamExecutionEnvironment> environments) {
    this.environments = environments;
  }

  public RetrainService() {
    this(RetrainService::defaultEnvironment);
  }

  /**
   * {@code retrain.flink.mode=local} (default): an in-process MiniCluster, sized small; {@code
   * context}: the environment Flink provides (under {@code flink run}, the cluster); {@code
   * remote}: submit to {@code retrain.flink.jobmanager} (host:port) with {@code
   * retrain.flink.job.jar}.
   */
  public static StreamExecutionEnvironment defaultEnvironment(LooplineConfig c) {
    String mode = c.get("retrain.flink.mode", "local");
    if ("context".equals(mode)) {
      return StreamExecutionEnvironment.getExecutionEnvironment();
    }
    if ("remote".equals(mode)) {
      String jm = c.get("retrain.flink.jobmanager", "localhost:8081");
      int colon = jm.lastIndexOf(':');
      if (colon < 0) {
        throw new LooplineConfig.ConfigException(
            "retrain.flink.jobmanager must be host:port, got '" + jm + "'");
      }
      String jar = c.get("retrain.flink.job.jar");
      if (jar == null) {
        throw new LooplineConfig.ConfigException(
            "retrain.flink.mode=remote needs retrain.flink.job.jar (the -flink-job jar)");
      }
      return StreamExecutionEnvironment.createRemoteEnvironment(
          jm.substring(0, colon), Integer.parseInt(jm.substring(colon + 1)), jar);
    }
    if (!"local".equals(mode)) {
      throw new LooplineConfig.ConfigException(
          "retrain.flink.mode must be local, context or remote, got '" + mode + "'");
    }
    Configuration fc = new Configuration();
    // BATCH mode sorts the keyed dedupe in managed memory: too little spills 100k records to disk.
    fc.set(
        TaskManagerOptions.MANAGED_MEMORY_SIZE,
        MemorySize.parse(c.get("retrain.flink.managed.memory", "256m")));
    fc.set(TaskManagerOptions.NETWORK_MEMORY_MIN, MemorySize.parse("32m"));
    fc.set(TaskManagerOptions.NETWORK_MEMORY_MAX, MemorySize.parse("32m"));
    int parallelism =
        c.getInt(
            RetrainSettings.PARALLELISM, Math.min(2, Runtime.getRuntime().availableProcessors()));
    return StreamExecutionEnvironment.createLocalEnvironment(parallelism, fc);
  }

  /** Runs once unless another run holds the lock (then SKIPPED). */
  public RetrainResult runOnce(LooplineConfig config) throws Exception {
    String name = config.get("model.name");
    Path lockDir =
        Path.of(
            config.get("retrain.lock.dir", System.getProperty("user.home") + "/.loopline/locks"));
    Optional<RetrainLock> lock = RetrainLock.tryAcquire(lockDir, name);
    if (lock.isEmpty()) {
      RetrainResult r =
          RetrainResult.of(
              RetrainResult.Status.SKIPPED,
              name,
              "another retrain of " + name + " is running (lock in " + lockDir + ")");
      LOG.warn(r.reason);
      return r;
    }
    try (RetrainLock held = lock.get()) {
      return runLocked(config, name);
    }
  }

  private RetrainResult runLocked(LooplineConfig config, String name) throws Exception {
    long started = System.currentTimeMillis();
    Topics topics = Topics.from(config);
    ModelHistory history = ModelRegistryReader.read(config, topics, name);
    Map<Integer, Long> offsets = ModelRegistryReader.endOffsets(config, topics.feedback());
    if (offsets.isEmpty()) {
      throw new IllegalStateException("feedback topic '" + topics.feedback() + "' does not exist");
    }
    String bootstrapFile = config.get(RetrainSettings.BOOTSTRAP_FILE);
    if (bootstrapFile != null && !bootstrapFile.isBlank()) {
      // Recorded with the version, so its training ids can be recomputed later.
      config = config.with(RetrainSettings.BOOTSTRAP_SHA256, Sha256.of(Path.of(bootstrapFile)));
    }
    Set<String> forgotten = ModelRegistryReader.liveKeys(config, topics.forgotten());
    RetrainPlan plan = plan(config, history, topics.feedback(), offsets, started, forgotten);
    LOG.info(
        "Retraining {} as v{}: feedback {} up to {}, production {}, split seed {} holdout {}",
        name,
        plan.nextVersion,
        topics.feedback(),
        offsets,
        plan.production == null ? "none" : "v" + plan.production.version(),
        plan.split.seed(),
        plan.split.holdoutFraction());

    List<FeedbackRecord> bootstrap = List.of();
    if (bootstrapFile != null && !bootstrapFile.isBlank()) {
      bootstrap = BootstrapFile.read(Path.of(bootstrapFile));
      LOG.info("Bootstrap file {}: {} examples", bootstrapFile, bootstrap.size());
    }
    RetrainJob job =
        new RetrainJob(feedbackSource(config, topics.feedback(), offsets), bootstrap, plan);
    StreamExecutionEnvironment env = environments.apply(config);
    List<RetrainResult> results = new ArrayList<>();
    try (CloseableIterator<RetrainResult> it =
        job.build(env).executeAndCollect("loopline-retrain " + name + " v" + plan.nextVersion)) {
      it.forEachRemaining(results::add);
    }
    if (results.isEmpty()) {
      throw new IllegalStateException("the retrain job ended without a result");
    }
    return results.get(0);
  }

  /** The Kafka source: earliest to exactly the end offsets fixed at start (recorded in lineage). */
  static KafkaSource<FeedbackRecord> feedbackSource(
      LooplineConfig config, String topic, Map<Integer, Long> offsets) {
    Map<TopicPartition, Long> stop = new HashMap<>();
    offsets.forEach((p, o) -> stop.put(new TopicPartition(topic, p), o));
    Properties props = new Properties();
    config.kafkaClientProps().forEach((k, v) -> props.setProperty(k, String.valueOf(v)));
    return KafkaSource.<FeedbackRecord>builder()
        .setProperties(props)
        .setTopics(topic)
        .setGroupId("loopline-retrain-" + config.get("model.name"))
        .setProperty("commit.offsets.on.checkpoint", "false")
        .setStartingOffsets(OffsetsInitializer.earliest())
        .setBounded(OffsetsInitializer.offsets(stop))
        .setDeserializer(new FeedbackDeserializer(config.registryClientProps()))
        .build();
  }

  /**
   * The plan: next version number, what serves, and the split. The split seed and holdout fraction
   * are sticky: once a version recorded them, later runs reuse them whatever the config says, so a
   * held-out id is never trained on.
   */
  static RetrainPlan plan(
      LooplineConfig config,
      ModelHistory history,
      String feedbackTopic,
      Map<Integer, Long> offsets,
      long startedAt,
      Set<String> forgotten) {
    String name = history.modelName();
    long seed = config.getLong(RetrainSettings.SPLIT_SEED, HoldoutSplit.seedFor(name));
    double fraction = config.getDouble(RetrainSettings.HOLDOUT_FRACTION, 0.2);
    Optional<ModelVersion> latest = history.latest();
    if (latest.isPresent() && latest.get().getLineage() != null) {
      long s = latest.get().getLineage().getSplitSeed();
      double f = latest.get().getLineage().getHoldoutFraction();
      if (s != seed || f != fraction) {
        LOG.warn(
            "Keeping the split of v{} (seed {}, holdout {}) over the configured (seed {}, holdout"
                + " {}): changing it would train on ids held out before",
            latest.get().getVersion(),
            s,
            f,
            seed,
            fraction);
      }
      seed = s;
      fraction = f;
    }
    RetrainPlan.Production production =
        history
            .production()
            .map(
                v ->
                    new RetrainPlan.Production(
                        v.getVersion(),
                        v.getArtifactUri(),
                        v.getSha256(),
                        List.copyOf(v.getLabels()),
                        v.getLineage() == null
                            ? List.of()
                            : List.copyOf(v.getLineage().getParentChain())))
            .orElse(null);
    return new RetrainPlan(
        config,
        name,
        history.nextVersion(),
        RetrainSettings.configuredLabels(config),
        production,
        new HoldoutSplit(seed, fraction),
        config.getDouble(RetrainSettings.RECENT_FRACTION, 0.2),
        feedbackTopic,
        offsets,
        startedAt,
        forgotten);
  }

  /**
   * An upper bound on the feedback records written since the offsets the newest version read: the
   * end-offset delta. It counts transaction markers (the collector writes {@code feedback}
   * exactly-once, so every commit adds one) and aborted records too; {@link #newLabelsSince(
   * LooplineConfig, String, ModelHistory, Map, long)} gives the exact count.
   */
  public static long offsetsSince(ModelHistory history, Map<Integer, Long> endOffsets) {
    Map<Integer, Long> seen = readOffsets(history);
    long n = 0;
    for (Map.Entry<Integer, Long> e : endOffsets.entrySet()) {
      n += Math.max(0, e.getValue() - seen.getOrDefault(e.getKey(), 0L));
    }
    return n;
  }

  /**
   * Feedback records written (and committed) since the offsets the newest version read, up to
   * {@code endOffsets}, for the scheduler's {@code --min-new-labels}. The offset delta overcounts:
   * it includes transaction markers and aborted records. So when it is not zero the records are
   * read back with a {@code read_committed} consumer (keys and values as bytes, nothing decoded)
   * and counted; the count stops at {@code atMost} (what the schedule needs to know: "at least that
   * many"), so a check reads at most that many records whatever the backlog.
   *
   * @param atMost stop counting here (0 or less: count everything)
   * @return the exact count, or {@code atMost} when there are at least that many
   */
  public static long newLabelsSince(
      LooplineConfig config,
      String topic,
      ModelHistory history,
      Map<Integer, Long> endOffsets,
      long atMost) {
    if (offsetsSince(history, endOffsets) == 0) {
      return 0;
    }
    Map<Integer, Long> seen = readOffsets(history);
    Map<String, Object> props = new HashMap<>(config.kafkaClientProps());
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      Map<TopicPartition, Long> stop = new HashMap<>();
      endOffsets.forEach(
          (p, end) -> {
            if (end > seen.getOrDefault(p, 0L)) {
              stop.put(new TopicPartition(topic, p), end);
            }
          });
      c.assign(stop.keySet());
      // A read_committed reader cannot pass an open transaction: stop at its end offsets (the last
      // stable offsets) when they are lower.
      c.endOffsets(stop.keySet(), COUNT_TIMEOUT)
          .forEach((tp, lso) -> stop.merge(tp, lso, Math::min));
      stop.forEach((tp, end) -> c.seek(tp, seen.getOrDefault(tp.partition(), 0L)));
      long n = 0;
      long deadline = System.nanoTime() + COUNT_TIMEOUT.toNanos();
      while (true) {
        stop.entrySet().removeIf(e -> c.position(e.getKey(), COUNT_TIMEOUT) >= e.getValue());
        if (stop.isEmpty() || (atMost > 0 && n >= atMost)) {
          break;
        }
        if (System.nanoTime() > deadline) {
          LOG.warn(
              "counting new records of {} timed out at {} with {} left; using the count so far",
              topic,
              n,
              stop.keySet());
          break;
        }
        c.pause(c.assignment().stream().filter(tp -> !stop.containsKey(tp)).toList());
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          Long end = stop.get(new TopicPartition(r.topic(), r.partition()));
          if (end != null && r.offset() < end) {
            n++;
          }
        }
      }
      return atMost > 0 ? Math.min(n, atMost) : n;
    }
  }

  private static Map<Integer, Long> readOffsets(ModelHistory history) {
    Map<Integer, Long> seen = new HashMap<>();
    history
        .latest()
        .ifPresent(
            v -> {
              for (PartitionOffset po : v.getLineage().getFeedbackOffsets()) {
                seen.put(po.getPartition(), po.getOffset());
              }
            });
    return seen;
  }

  /** When the newest version was made, for the scheduler's interval. */
  public static Instant lastRun(ModelHistory history) {
    return history.latest().map(ModelVersion::getCreatedAt).orElse(null);
  }
}
