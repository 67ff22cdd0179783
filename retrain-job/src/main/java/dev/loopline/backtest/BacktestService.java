package dev.loopline.backtest;

import dev.loopline.avro.Lineage;
import dev.loopline.avro.ModelVersion;
import dev.loopline.avro.PartitionOffset;
import dev.loopline.config.LooplineConfig;
import dev.loopline.model.policy.DecisionPolicy;
import dev.loopline.model.scoring.ModelLoader;
import dev.loopline.model.scoring.Scorer;
import dev.loopline.model.store.ModelStores;
import dev.loopline.retrain.job.FeedbackDeserializer;
import dev.loopline.retrain.job.FeedbackRecord;
import dev.loopline.retrain.job.HoldoutSplit;
import dev.loopline.retrain.registry.ModelHistory;
import dev.loopline.retrain.registry.ModelRegistryReader;
import dev.loopline.topics.Topics;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of a backtest: resolves the versions on {@code model-versions} (and what each and
 * its ancestors trained on), verifies their artifacts, finds the replay's start and stop offsets by
 * timestamp per partition, reads {@code forgotten}, runs {@link BacktestJob} and builds the report
 * from its rows.
 */
public final class BacktestService {

  private static final Logger LOG = LoggerFactory.getLogger(BacktestService.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  /**
   * @param models {@code name:version} references, in report order
   * @param policyOverrides {@code policy.*} settings on top of the configured policy
   * @param slice attribute to slice by, or null
   * @param includeTrained keep (and flag) events a version trained on instead of excluding them
   */
  public record Request(
      Instant from,
      Instant to,
      List<String> models,
      Map<String, String> policyOverrides,
      String slice,
      boolean includeTrained) {}

  /** The replay's bounds: partition to [start, stop) offsets. */
  public record Range(Map<Integer, Long> start, Map<Integer, Long> stop) {
    public long records() {
      long n = 0;
      for (Map.Entry<Integer, Long> e : start.entrySet()) {
        n += Math.max(0, stop.get(e.getKey()) - e.getValue());
      }
      return n;
    }
  }

  private final Function<LooplineConfig, StreamExecutionEnvironment> environments;

  public BacktestService(Function<LooplineConfig, StreamExecutionEnvironment> environments) {
    this.environments = environments;
  }

  /** Runs the backtest; throws {@link BacktestException} for the bad inputs it names. */
  public BacktestReport run(LooplineConfig config, Request req) throws Exception {
    if (!req.from().isBefore(req.to())) {
      throw new BacktestException(
          BacktestException.USAGE, "--from " + req.from() + " is not before --to " + req.to());
    }
    Topics topics = Topics.from(config);
    Map<String, String> policySettings = new LinkedHashMap<>(config.asMap());
    policySettings.putAll(req.policyOverrides());
    DecisionPolicy policy;
    try {
      policy = DecisionPolicy.fromConfig(policySettings);
    } catch (IllegalArgumentException e) {
      throw new BacktestException(BacktestException.USAGE, e.getMessage(), e);
    }
    List<String> notes = new ArrayList<>();
    List<VersionSpec> versions = resolve(config, topics, req.models(), notes);
    for (VersionSpec v : versions) {
      try {
        policy.validateLabels(v.labels());
      } catch (IllegalArgumentException e) {
        throw new BacktestException(BacktestException.USAGE, v.key() + ": " + e.getMessage(), e);
      }
    }
    String workDir =
        config.get(
            "backtest.work.dir",
            Path.of(System.getProperty("java.io.tmpdir"), "loopline-backtest").toString());
    Range range = range(config, topics.events(), req.from(), req.to());
    long total = range.records();
    if (total == 0) {
      throw new BacktestException(
          BacktestException.NO_EVENTS,
          "no events on " + topics.events() + " between " + req.from() + " and " + req.to());
    }
    LOG.info(
        "backtest: replaying {} records of {} ({} .. {})",
        total,
        topics.events(),
        range.start(),
        range.stop());
    BacktestProgress.expect(total);
    Set<String> forgotten = ModelRegistryReader.liveKeys(config, topics.forgotten());
    BacktestPlan plan =
        new BacktestPlan(
            versions,
            versions.get(0).name(),
            config.get("model.store.uri"),
            workDir,
            req.slice(),
            forgotten,
            config.getInt("backtest.batch.size", 256),
            policy.toConfig(),
            req.includeTrained(),
            req.from().toString(),
            req.to().toString());
    BacktestJob job = job(config, topics, range, req, plan);
    BacktestReport report;
    // On the local MiniCluster the tasks run in this JVM: their label and served-prediction
    // indexes are read meanwhile, while the versions are verified and the job starts.
    try (AutoCloseable prefetch =
        "local".equals(config.get("retrain.flink.mode", "local"))
            ? job.prefetchIndexes()
            : () -> {}) {
      verify(config, versions, Path.of(workDir));
      StreamExecutionEnvironment env = environments.apply(config);
      report =
          BacktestJob.reportOf(
              job.execute(
                  env, new org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink<>()));
    }
    if (!notes.isEmpty()) {
      List<String> missing = new ArrayList<>(report.missing());
      missing.addAll(notes);
      report =
          new BacktestReport(
              report.from(),
              report.to(),
              report.eventsReplayed(),
              report.labelled(),
              report.forgotten(),
              report.policy(),
              report.sliceAttribute(),
              report.includeTrained(),
              report.versions(),
              report.served(),
              report.comparisons(),
              missing);
    }
    return report;
  }

  /**
   * The job: labels joined locally by the scoring tasks while {@code feedback} holds at most {@code
   * backtest.local.join.max.labels} records (default {@value #LOCAL_JOIN_MAX_LABELS}; every JVM
   * holds them all), else through the keyed join; served predictions only when {@code predictions}
   * holds any, joined locally too while it holds at most {@code backtest.local.join.max.served}
   * records (default {@value #LOCAL_JOIN_MAX_SERVED}) and the labels are local, else by key.
   */
  static BacktestJob job(
      LooplineConfig config, Topics topics, Range range, Request req, BacktestPlan plan) {
    KafkaSource<BacktestRecord> events = eventsSource(config, topics.events(), range, req);
    Range served = servedRange(config, topics.predictions(), req.from());
    KafkaSource<BacktestRecord> predictions =
        served.records() > 0
            ? predictionsSource(config, topics.predictions(), served, req, plan.servedModelName())
            : null;
    Range feedback = bounds(config, topics.feedback());
    long maxLabels = config.getLong(LOCAL_JOIN_MAX_LABELS_KEY, LOCAL_JOIN_MAX_LABELS);
    long maxServed = config.getLong(LOCAL_JOIN_MAX_SERVED_KEY, LOCAL_JOIN_MAX_SERVED);
    if (feedback.records() <= maxLabels) {
      LabelIndex.Spec labels =
          new LabelIndex.Spec(
              topics.feedback(),
              stringProps(config),
              config.registryClientProps(),
              feedback.stop());
      if (predictions == null || served.records() <= maxServed) {
        LOG.info(
            "backtest: {} records on {} and {} on {}: labels and served predictions joined on the"
                + " scoring tasks",
            feedback.records(),
            topics.feedback(),
            served.records(),
            topics.predictions());
        return BacktestJob.localJoin(
            events,
            labels,
            predictions == null
                ? null
                : new ServedIndex.Spec(
                    topics.predictions(),
                    stringProps(config),
                    config.registryClientProps(),
                    served.start(),
                    served.stop(),
                    req.from().toEpochMilli(),
                    req.to().toEpochMilli(),
                    plan.servedModelName()),
            plan);
      }
      LOG.info(
          "backtest: {} records on {}: labels joined on the scoring tasks; {} on {} (more than"
              + " {}={}): served predictions joined by key",
          feedback.records(),
          topics.feedback(),
          served.records(),
          topics.predictions(),
          LOCAL_JOIN_MAX_SERVED_KEY,
          maxServed);
      return new BacktestJob(events, labels, predictions, plan);
    }
    LOG.info(
        "backtest: {} records on {} (more than {}={}): labels joined by key",
        feedback.records(),
        topics.feedback(),
        LOCAL_JOIN_MAX_LABELS_KEY,
        maxLabels);
    return new BacktestJob(events, feedbackSource(config, topics.feedback()), predictions, plan);
  }

  /** Config key: the most feedback records the scoring tasks join locally (see {@link #job}). */
  public static final String LOCAL_JOIN_MAX_LABELS_KEY = "backtest.local.join.max.labels";

  /** Default of {@link #LOCAL_JOIN_MAX_LABELS_KEY}: about 100 MiB of heap per scoring task. */
  public static final long LOCAL_JOIN_MAX_LABELS = 500_000;

  /**
   * Config key: the most records on {@code predictions} the scoring tasks join locally (with the
   * local label join); above it, served predictions are joined by key.
   */
  public static final String LOCAL_JOIN_MAX_SERVED_KEY = "backtest.local.join.max.served";

  /**
   * Default of {@link #LOCAL_JOIN_MAX_SERVED_KEY}: ~50 bytes per id without a usable label (the
   * served version), the whole prediction for labelled ones: ~100 MiB per JVM at the limit.
   */
  public static final long LOCAL_JOIN_MAX_SERVED = 2_000_000;

  /** First and end offsets of every partition of {@code topic} now; empty if it does not exist. */
  static Range bounds(LooplineConfig config, String topic) {
    try (KafkaConsumer<byte[], byte[]> c = consumer(config)) {
      return bounds(c, ModelRegistryReader.partitions(c, topic));
    }
  }

  private static Range bounds(KafkaConsumer<?, ?> c, List<TopicPartition> tps) {
    Map<Integer, Long> start = new TreeMap<>();
    Map<Integer, Long> stop = new TreeMap<>();
    c.beginningOffsets(tps, TIMEOUT).forEach((tp, o) -> start.put(tp.partition(), o));
    c.endOffsets(tps, TIMEOUT).forEach((tp, o) -> stop.put(tp.partition(), o));
    return new Range(start, stop);
  }

  /**
   * Where the served predictions of events in {@code [from, ...)} can be on {@code topic}: the
   * scoring app writes each prediction with its event's timestamp (the event's occurredAt), so on a
   * CreateTime topic none precedes, per partition, the first offset stamped at or after {@code
   * from}; the read runs to the end (a prediction of an event in the range may follow later ones: a
   * replay, a redeployment) and {@link PredictionDeserializer} skips those stamped outside the
   * range. On a LogAppendTime topic (or one whose config cannot be read) from the beginning.
   */
  static Range servedRange(LooplineConfig config, String topic, Instant from) {
    try (KafkaConsumer<byte[], byte[]> c = consumer(config)) {
      List<TopicPartition> tps = ModelRegistryReader.partitions(c, topic);
      Range all = bounds(c, tps);
      if (all.records() == 0 || !createTime(config, topic)) {
        return all;
      }
      Map<Integer, Long> start = new TreeMap<>(all.start());
      Map<Integer, Long> stop = all.stop();
      Map<TopicPartition, Long> query = new HashMap<>();
      tps.forEach(tp -> query.put(tp, from.toEpochMilli()));
      c.offsetsForTimes(query, TIMEOUT)
          .forEach(
              (tp, found) ->
                  start.put(
                      tp.partition(), found == null ? stop.get(tp.partition()) : found.offset()));
      return new Range(start, stop);
    }
  }

  private static KafkaConsumer<byte[], byte[]> consumer(LooplineConfig config) {
    return new KafkaConsumer<>(
        new HashMap<>(config.kafkaClientProps()),
        new ByteArrayDeserializer(),
        new ByteArrayDeserializer());
  }

  /** Whether {@code topic}'s records carry their producers' timestamps ({@code CreateTime}). */
  static boolean createTime(LooplineConfig config, String topic) {
    ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    try (Admin admin = Admin.create(new HashMap<>(config.kafkaClientProps()))) {
      ConfigEntry e =
          admin
              .describeConfigs(List.of(r))
              .all()
              .get(TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
              .get(r)
              .get(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG);
      if (e == null || "CreateTime".equals(e.value())) {
        return true;
      }
      LOG.info("{} is a {} topic: served predictions read from its beginning", topic, e.value());
      return false;
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      LOG.warn(
          "cannot read the config of {} ({}): served predictions read from its beginning",
          topic,
          e.toString());
      return false;
    }
  }

  /** Reads each named version and what it and its ancestors trained on. */
  static List<VersionSpec> resolve(
      LooplineConfig config, Topics topics, List<String> refs, List<String> notes) {
    Map<String, ModelHistory> histories = new HashMap<>();
    List<VersionSpec> out = new ArrayList<>();
    for (String ref : refs) {
      int colon = ref.lastIndexOf(':');
      int version;
      try {
        version = Integer.parseInt(ref.substring(colon + 1));
      } catch (RuntimeException e) {
        version = -1;
      }
      if (colon <= 0 || version < 1) {
        throw new BacktestException(
            BacktestException.USAGE, "--model '" + ref + "' is not <name>:<version>");
      }
      String name = ref.substring(0, colon);
      ModelHistory h =
          histories.computeIfAbsent(name, n -> ModelRegistryReader.read(config, topics, n));
      Optional<ModelVersion> mv = h.version(version);
      if (mv.isEmpty()) {
        throw new BacktestException(
            BacktestException.BAD_VERSION,
            "model "
                + name
                + " has no version "
                + version
                + " on "
                + topics.modelVersions()
                + (h.versions().isEmpty()
                    ? " (no versions at all)"
                    : " (has " + h.versions().keySet() + ")"));
      }
      ModelVersion v = mv.get();
      List<TrainingSet> sets = new ArrayList<>();
      List<Integer> chain = new ArrayList<>();
      chain.add(version);
      if (v.getLineage() != null) {
        chain.addAll(v.getLineage().getParentChain());
      }
      for (int c : chain) {
        Optional<ModelVersion> a = h.version(c);
        if (a.isEmpty() || a.get().getLineage() == null) {
          notes.add(
              ref
                  + ": ancestor v"
                  + c
                  + " is not on "
                  + topics.modelVersions()
                  + ", its training data cannot be excluded");
          continue;
        }
        TrainingSet t = trainingSet(c, a.get().getLineage(), topics.feedback(), ref, notes);
        if (t != null) {
          sets.add(t);
        }
      }
      out.add(
          new VersionSpec(
              name,
              version,
              v.getArtifactUri(),
              v.getSha256(),
              v.getLabels(),
              v.getFeaturizerFingerprint(),
              sets));
    }
    return out;
  }

  private static TrainingSet trainingSet(
      int version, Lineage l, String feedbackTopic, String ref, List<String> notes) {
    if (l.getFeedbackTopic() != null && !l.getFeedbackTopic().equals(feedbackTopic)) {
      notes.add(
          ref
              + ": v"
              + version
              + " trained on topic "
              + l.getFeedbackTopic()
              + ", not "
              + feedbackTopic
              + ": its training data cannot be excluded");
      return null;
    }
    Map<Integer, Long> offsets = new TreeMap<>();
    for (PartitionOffset p : l.getFeedbackOffsets()) {
      offsets.put(p.getPartition(), p.getOffset());
    }
    try {
      return new TrainingSet(
          version, offsets, new HoldoutSplit(l.getSplitSeed(), l.getHoldoutFraction()));
    } catch (IllegalArgumentException e) {
      notes.add(ref + ": v" + version + " lineage has no usable split (" + e.getMessage() + ")");
      return null;
    }
  }

  /** Fetches and loads each artifact once, so a bad one fails before the job starts. */
  static void verify(LooplineConfig config, List<VersionSpec> versions, Path workDir)
      throws Exception {
    Files.createDirectories(workDir);
    Path dir = Files.createTempDirectory(workDir, "verify-");
    try {
      for (VersionSpec v : versions) {
        Path zip;
        try {
          zip =
              ModelStores.forUri(config.get("model.store.uri"))
                  .fetch(URI.create(v.artifactUri()), dir.resolve(v.name() + "-" + v.version()));
        } catch (Exception e) {
          throw new BacktestException(
              BacktestException.BAD_VERSION,
              v.key() + ": artifact " + v.artifactUri() + " cannot be fetched: " + e.getMessage(),
              e);
        }
        try (Scorer s = ModelLoader.load(zip, v.sha256(), dir.resolve("load"), v.labels())) {
          LOG.info("verified {} ({})", v.key(), s.metadata().featurizerFingerprint());
        } catch (RuntimeException e) {
          throw new BacktestException(
              BacktestException.BAD_VERSION,
              v.key() + ": artifact failed verification: " + e.getMessage(),
              e);
        }
      }
    } finally {
      try (var walk = Files.walk(dir)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /**
   * Per partition, the first offset whose timestamp is at or after {@code from} and the first at or
   * after {@code to} (the end offset where there is none): what {@code
   * OffsetsInitializer.timestamp} finds, computed here so that an empty range is reported before a
   * job starts.
   */
  public static Range range(LooplineConfig config, String topic, Instant from, Instant to) {
    try (KafkaConsumer<byte[], byte[]> c = consumer(config)) {
      List<TopicPartition> tps = ModelRegistryReader.partitions(c, topic);
      Map<TopicPartition, Long> end = c.endOffsets(tps, TIMEOUT);
      Map<TopicPartition, Long> qFrom = new HashMap<>();
      Map<TopicPartition, Long> qTo = new HashMap<>();
      for (TopicPartition tp : tps) {
        qFrom.put(tp, from.toEpochMilli());
        qTo.put(tp, to.toEpochMilli());
      }
      Map<TopicPartition, OffsetAndTimestamp> a = c.offsetsForTimes(qFrom, TIMEOUT);
      Map<TopicPartition, OffsetAndTimestamp> b = c.offsetsForTimes(qTo, TIMEOUT);
      Map<Integer, Long> start = new TreeMap<>();
      Map<Integer, Long> stop = new TreeMap<>();
      for (TopicPartition tp : tps) {
        long e = end.get(tp);
        start.put(tp.partition(), a.get(tp) == null ? e : a.get(tp).offset());
        stop.put(tp.partition(), b.get(tp) == null ? e : b.get(tp).offset());
      }
      return new Range(start, stop);
    }
  }

  private static Map<String, String> stringProps(LooplineConfig config) {
    Map<String, String> props = new HashMap<>();
    config.kafkaClientProps().forEach((k, v) -> props.put(k, String.valueOf(v)));
    return props;
  }

  static KafkaSource<BacktestRecord> eventsSource(
      LooplineConfig config, String topic, Range range, Request req) {
    Map<TopicPartition, Long> start = new HashMap<>();
    Map<TopicPartition, Long> stop = new HashMap<>();
    range.start().forEach((p, o) -> start.put(new TopicPartition(topic, p), o));
    range.stop().forEach((p, o) -> stop.put(new TopicPartition(topic, p), o));
    java.util.Properties props = new java.util.Properties();
    props.putAll(stringProps(config));
    return KafkaSource.<BacktestRecord>builder()
        .setProperties(props)
        .setTopics(topic)
        .setGroupId("loopline-backtest")
        .setStartingOffsets(OffsetsInitializer.offsets(start))
        .setBounded(OffsetsInitializer.offsets(stop))
        .setDeserializer(
            new EventDeserializer(
                config.registryClientProps(),
                req.from().toEpochMilli(),
                req.to().toEpochMilli(),
                req.slice()))
        .build();
  }

  static KafkaSource<FeedbackRecord> feedbackSource(LooplineConfig config, String topic) {
    java.util.Properties props = new java.util.Properties();
    props.putAll(stringProps(config));
    return KafkaSource.<FeedbackRecord>builder()
        .setProperties(props)
        .setTopics(topic)
        .setGroupId("loopline-backtest")
        .setStartingOffsets(OffsetsInitializer.earliest())
        .setBounded(OffsetsInitializer.latest())
        .setDeserializer(new FeedbackDeserializer(config.registryClientProps()))
        .build();
  }

  static KafkaSource<BacktestRecord> predictionsSource(
      LooplineConfig config, String topic, Range served, Request req, String modelName) {
    Map<TopicPartition, Long> start = new HashMap<>();
    Map<TopicPartition, Long> stop = new HashMap<>();
    served.start().forEach((p, o) -> start.put(new TopicPartition(topic, p), o));
    served.stop().forEach((p, o) -> stop.put(new TopicPartition(topic, p), o));
    java.util.Properties props = new java.util.Properties();
    props.putAll(stringProps(config));
    return KafkaSource.<BacktestRecord>builder()
        .setProperties(props)
        .setTopics(topic)
        .setGroupId("loopline-backtest")
        .setStartingOffsets(OffsetsInitializer.offsets(start))
        .setBounded(OffsetsInitializer.offsets(stop))
        .setDeserializer(
            new PredictionDeserializer(
                config.registryClientProps(),
                modelName,
                req.from().toEpochMilli(),
                req.to().toEpochMilli()))
        .build();
  }
}
