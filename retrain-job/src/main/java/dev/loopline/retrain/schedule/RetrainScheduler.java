package dev.loopline.retrain.schedule;

import dev.loopline.config.LooplineConfig;
import dev.loopline.retrain.RetrainService;
import dev.loopline.retrain.job.RetrainResult;
import dev.loopline.retrain.registry.ModelHistory;
import dev.loopline.retrain.registry.ModelRegistryReader;
import dev.loopline.topics.Topics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps retraining on a {@link Schedule}: every check interval it reads how many feedback records
 * arrived since the newest version and when that version was made (from the topics, so a restart
 * picks up where it was), and runs the job when due. Runs are sequential in this loop, and the
 * service's lock keeps any other process from running at the same time.
 */
public final class RetrainScheduler {

  private static final Logger LOG = LoggerFactory.getLogger(RetrainScheduler.class);

  private final RetrainService service;
  private final LooplineConfig config;
  private final Schedule schedule;
  private final Duration checkInterval;
  private final Clock clock;
  private volatile boolean stopped;

  public RetrainScheduler(
      RetrainService service,
      LooplineConfig config,
      Schedule schedule,
      Duration checkInterval,
      Clock clock) {
    this.service = service;
    this.config = config;
    this.schedule = schedule;
    this.checkInterval = checkInterval;
    this.clock = clock;
  }

  /** The check interval: {@code retrain.check.interval} (default 1m), at most {@code every}. */
  public static Duration checkInterval(LooplineConfig c, Schedule s) {
    Duration d = Schedule.parseDuration(c.get("retrain.check.interval", "1m"));
    return s.every() != null && s.every().compareTo(d) < 0 ? s.every() : d;
  }

  /** One check: runs the job if due. */
  public Optional<RetrainResult> checkOnce() throws Exception {
    String name = config.get("model.name");
    Topics topics = Topics.from(config);
    ModelHistory history = ModelRegistryReader.read(config, topics, name);
    Map<Integer, Long> end = ModelRegistryReader.endOffsets(config, topics.feedback());
    // Exact up to what the schedule needs: min-new-labels, or just "anything new" (1).
    long fresh =
        RetrainService.newLabelsSince(
            config, topics.feedback(), history, end, Math.max(1, schedule.minNewLabels()));
    Instant last = RetrainService.lastRun(history);
    Instant now = clock.instant();
    if (!schedule.isDue(now, last, fresh)) {
      LOG.debug("{}: not due ({} new labels, last run {})", name, fresh, last);
      return Optional.empty();
    }
    LOG.info("{}: retrain due ({} new labels, last run {})", name, fresh, last);
    return Optional.of(service.runOnce(config));
  }

  /** Checks until {@link #stop()}; each result goes to {@code results}. Failures are logged. */
  public void run(Consumer<RetrainResult> results) throws InterruptedException {
    while (!stopped) {
      try {
        checkOnce().ifPresent(results);
      } catch (Exception e) {
        LOG.error("Scheduled retrain failed; will check again in {}", checkInterval, e);
      }
      synchronized (this) {
        if (!stopped) {
          wait(checkInterval.toMillis());
        }
      }
    }
  }

  public synchronized void stop() {
    stopped = true;
    notifyAll();
  }
}
