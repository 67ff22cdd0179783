package dev.loopline.inference;

import dev.loopline.config.LooplineConfig;
import dev.loopline.config.LooplineConfig.ConfigException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The scoring app's settings, read once from {@link LooplineConfig} so every knob has one name, one
 * default and one validation, and the topology and the app never parse strings themselves.
 *
 * @param applicationId Kafka Streams application id (consumer group, transactional id prefix)
 * @param modelName the model whose deployments this app serves ({@code model.name})
 * @param exactlyOnce EOS v2 when true (default), at-least-once otherwise
 * @param threads stream threads
 * @param modelThreads threads that featurize and score full batches while the stream threads go on
 *     reading and writing (up to 4 batches in flight per task); 0 scores on the stream threads
 * @param batchMaxSize a batch is scored as soon as it holds this many events
 * @param batchMaxWaitMs ... or once its oldest event waited this long (wall clock)
 * @param maxTextChars events with longer text go to the DLQ
 * @param maxAttributes events with more attributes go to the DLQ
 * @param maxAttributeChars events with a longer attribute key or value go to the DLQ
 * @param shadowSampleRate share of events scored in shadow when the deployment names no rate
 * @param httpPort port of the health/metrics endpoint; 0 picks a free one
 * @param workDir where artifacts are fetched and unpacked, one fresh directory per version
 * @param stateDir Kafka Streams state directory
 */
public record ScoringSettings(
    String applicationId,
    String modelName,
    boolean exactlyOnce,
    int threads,
    int modelThreads,
    int batchMaxSize,
    long batchMaxWaitMs,
    int maxTextChars,
    int maxAttributes,
    int maxAttributeChars,
    double shadowSampleRate,
    int httpPort,
    Path workDir,
    Path stateDir) {

  public static final String APPLICATION_ID = "scoring.application.id";
  public static final String PROCESSING_GUARANTEE = "scoring.processing.guarantee";
  public static final String THREADS = "scoring.threads";
  public static final String MODEL_THREADS = "scoring.model.threads";
  public static final String BATCH_MAX_SIZE = "scoring.batch.max.size";
  public static final String BATCH_MAX_WAIT_MS = "scoring.batch.max.wait.ms";
  public static final String MAX_TEXT_CHARS = "scoring.event.text.max.chars";
  public static final String MAX_ATTRIBUTES = "scoring.event.attributes.max.count";
  public static final String MAX_ATTRIBUTE_CHARS = "scoring.event.attributes.max.chars";
  public static final String SHADOW_SAMPLE_RATE = "scoring.shadow.sample.rate";
  public static final String HTTP_PORT = "scoring.http.port";
  public static final String WORK_DIR = "scoring.work.dir";
  public static final String STATE_DIR = "scoring.state.dir";

  /** Settings under this prefix go to Kafka Streams verbatim (e.g. {@code commit.interval.ms}). */
  public static final String STREAMS_PREFIX = "scoring.streams.";

  /**
   * Producer settings this module sets on top of Kafka Streams' own defaults (which already set
   * {@code linger.ms=100}); {@code scoring.streams.producer.*} overrides them.
   *
   * <p>{@code batch.size} 128 KiB instead of Kafka's 16 KiB: under exactly-once a transaction lasts
   * one commit interval (100 ms), and at 10k-50k events/s a partition's share of it is 50-250 KB,
   * so 16 KiB batches split it into many small produce requests; each costs the broker and the
   * client a fixed amount of CPU. On the scoring benchmark (one embedded broker, 2 cores, loaded
   * machine) 128 KiB cut the broker's and client's CPU per event by a third to a half for the
   * scoring app and more for a pass-through, wherever the rate was high enough for a partition's
   * share of a transaction to exceed 16 KiB (module README). A batch buffer is taken from {@code
   * buffer.memory} (32 MiB) per partition being written; a partition that sees little traffic still
   * sends after {@code linger.ms}.
   */
  public static final java.util.Map<String, Object> PRODUCER_DEFAULTS =
      java.util.Map.of("batch.size", 131_072);

  /** Settings under this prefix configure the decision policy (model-core's DecisionPolicy). */
  public static final String POLICY_PREFIX = "policy.";

  public ScoringSettings {
    require(threads >= 1, THREADS + " must be at least 1");
    require(modelThreads >= 0, MODEL_THREADS + " must not be negative");
    require(batchMaxSize >= 1, BATCH_MAX_SIZE + " must be at least 1");
    require(batchMaxWaitMs >= 1, BATCH_MAX_WAIT_MS + " must be at least 1");
    require(maxTextChars >= 1, MAX_TEXT_CHARS + " must be at least 1");
    require(maxAttributes >= 0, MAX_ATTRIBUTES + " must not be negative");
    require(maxAttributeChars >= 1, MAX_ATTRIBUTE_CHARS + " must be at least 1");
    require(
        shadowSampleRate >= 0 && shadowSampleRate <= 1,
        SHADOW_SAMPLE_RATE + " must be between 0 and 1");
    require(httpPort >= 0 && httpPort <= 65535, HTTP_PORT + " must be a port number or 0");
  }

  /** Threads that run featurize + predict: the model threads, or the stream threads without. */
  public int modelCallThreads() {
    return modelThreads > 0 ? modelThreads : threads;
  }

  public static ScoringSettings from(LooplineConfig c) {
    String appId = c.get(APPLICATION_ID, "loopline-scoring");
    String guarantee = c.get(PROCESSING_GUARANTEE, "exactly_once_v2").toLowerCase(Locale.ROOT);
    boolean eos;
    switch (guarantee) {
      case "exactly_once_v2", "exactly-once", "exactly_once" -> eos = true;
      case "at_least_once", "at-least-once" -> eos = false;
      default ->
          throw new ConfigException(
              PROCESSING_GUARANTEE
                  + " must be exactly_once_v2 or at_least_once, got '"
                  + guarantee
                  + "'");
    }
    Path home = Path.of(System.getProperty("user.home"), ".loopline");
    int threads = c.getInt(THREADS, 1);
    return new ScoringSettings(
        appId,
        c.get("model.name", "tickets"),
        eos,
        threads,
        c.getInt(MODEL_THREADS, threads),
        c.getInt(BATCH_MAX_SIZE, 256),
        c.getLong(BATCH_MAX_WAIT_MS, 20),
        c.getInt(MAX_TEXT_CHARS, 100_000),
        c.getInt(MAX_ATTRIBUTES, 64),
        c.getInt(MAX_ATTRIBUTE_CHARS, 1_024),
        c.getDouble(SHADOW_SAMPLE_RATE, 0.1),
        c.getInt(HTTP_PORT, 8083),
        Path.of(c.get(WORK_DIR, home.resolve("serving").resolve(appId).toString())),
        Path.of(c.get(STATE_DIR, home.resolve("streams-state").toString())));
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new ConfigException(message);
    }
  }
}
