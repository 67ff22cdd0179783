package dev.loopline.inference.model;

import dev.loopline.avro.Deployment;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows {@code model-deployments} on its own thread (read_committed, from the beginning, no
 * consumer group): the last record whose key is this app's model name is the deployment in force.
 * On start it reads up to the end before applying, so it loads only the latest deployment, not the
 * history; afterwards every new deployment is applied as it arrives. When the latest deployment's
 * artifact is rejected while nothing serves (a start, or a restart, after a broken version was
 * announced), it falls back to the earlier deployments newest first and serves the first that
 * loads: the version the running instances kept serving. A later deployment replaces it as usual.
 */
public final class DeploymentWatcher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(DeploymentWatcher.class);

  private final Supplier<Consumer<String, Deployment>> consumerFactory;
  private final String topic;
  private final String modelName;
  private final HotSwapper swapper;
  private final Runnable onFirstModel;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile Consumer<String, Deployment> consumer;
  private volatile boolean running = true;
  private volatile boolean caughtUp;
  private volatile String failure;
  private Thread thread;

  /**
   * @param onFirstModel runs once, on the watcher thread, after the first version serves
   */
  public DeploymentWatcher(
      Supplier<Consumer<String, Deployment>> consumerFactory,
      String topic,
      String modelName,
      HotSwapper swapper,
      Runnable onFirstModel) {
    this.consumerFactory = consumerFactory;
    this.topic = topic;
    this.modelName = modelName;
    this.swapper = swapper;
    this.onFirstModel = onFirstModel;
  }

  public DeploymentWatcher start() {
    thread = new Thread(this::run, "loopline-deployment-watcher");
    thread.setDaemon(true);
    thread.start();
    return this;
  }

  /** Why the watcher stopped following deployments, or null while it runs. */
  public String failure() {
    return failure;
  }

  /** True once the watcher has read the deployment topic to its end at least once. */
  public boolean caughtUp() {
    return caughtUp;
  }

  private void run() {
    boolean first = true;
    try (Consumer<String, Deployment> c = consumerFactory.get()) {
      consumer = c;
      List<TopicPartition> parts =
          c.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Deployment latest = null;
      Deployment applied = null;
      LOG.info("watching {} for deployments of model '{}'", topic, modelName);
      while (running) {
        ConsumerRecords<String, Deployment> records = c.poll(Duration.ofMillis(500));
        for (ConsumerRecord<String, Deployment> r : records) {
          if (modelName.equals(r.key()) && r.value() != null) {
            latest = r.value();
            remember(latest);
          }
        }
        if (!caughtUp) {
          Map<TopicPartition, Long> end = c.endOffsets(parts);
          boolean atEnd = true;
          for (TopicPartition tp : parts) {
            atEnd &= c.position(tp) >= end.get(tp);
          }
          if (!atEnd) {
            continue;
          }
          caughtUp = true;
          if (latest == null) {
            LOG.info("no deployment of model '{}' yet: waiting (events wait in Kafka)", modelName);
          }
        }
        if (latest != null && latest != applied) {
          applied = latest;
          boolean serving = swapper.apply(latest);
          if (!serving && !swapper.isServing()) {
            serving = fallBack(latest);
          }
          if (serving && first) {
            first = false;
            onFirstModel.run();
          }
        }
      }
    } catch (WakeupException e) {
      if (running) {
        LOG.error("deployment watcher woken unexpectedly", e);
      }
    } catch (RuntimeException | Error e) {
      LOG.error("deployment watcher failed; hot swap stops, the current model serves on", e);
      failure = e.toString();
    } finally {
      stopped.countDown();
    }
  }

  /** Earlier deployments of this model, oldest first, at most {@link #HISTORY} of them. */
  private final Deque<Deployment> history = new ArrayDeque<>();

  private static final int HISTORY = 20;

  private void remember(Deployment d) {
    history.addLast(d);
    if (history.size() > HISTORY) {
      history.removeFirst();
    }
  }

  /** Tries the deployments before {@code rejected}, newest first, skipping the same artifact. */
  private boolean fallBack(Deployment rejected) {
    Iterator<Deployment> it = history.descendingIterator();
    Set<String> tried = new HashSet<>();
    tried.add(rejected.getVersion() + "@" + rejected.getSha256());
    while (it.hasNext()) {
      Deployment d = it.next();
      if (d == rejected || !tried.add(d.getVersion() + "@" + d.getSha256())) {
        continue;
      }
      LOG.warn(
          "latest deployment of '{}' (v{}) was rejected and no version serves: falling back to"
              + " the earlier deployment of v{} ({})",
          modelName,
          rejected.getVersion(),
          d.getVersion(),
          d.getDeployedAt());
      if (swapper.applyFallback(d)) {
        return true;
      }
    }
    LOG.warn(
        "no earlier deployment of '{}' loads either: waiting for a new deployment (events wait"
            + " in Kafka)",
        modelName);
    return false;
  }

  @Override
  public void close() {
    running = false;
    if (thread == null) {
      return;
    }
    Consumer<String, Deployment> c = consumer;
    if (c != null) {
      c.wakeup();
    }
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
