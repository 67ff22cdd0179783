package dev.loopline.topics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the platform's topics from their {@link TopicSpec} declarations, on any cluster (the
 * embedded broker or a real one, with the security settings of {@code
 * LooplineConfig.kafkaClientProps()}).
 *
 * <p>Idempotent: missing topics are created, existing ones get the declared configs where they
 * differ (skipped with a warning when the cluster does not allow it; partition counts are never
 * changed: that would move keys between partitions; a mismatch is logged). Then it waits until
 * every partition answers {@code listOffsets(latest)}, because producing right after {@code
 * createTopics} can silently lose records (KAFKA-15591).
 */
public final class TopicAdmin {

  private static final Logger LOG = LoggerFactory.getLogger(TopicAdmin.class);

  private TopicAdmin() {}

  /**
   * Ensures every topic in {@code specs} exists with its partitions and configs and is ready to
   * take writes.
   *
   * @throws KafkaException when the cluster refuses or does not answer within {@code timeout}
   */
  public static void ensureTopics(
      Map<String, Object> adminProps,
      Collection<TopicSpec> specs,
      short replicationFactor,
      Duration timeout) {
    if (specs.isEmpty()) {
      return;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Admin admin = Admin.create(adminProps)) {
      Set<String> existing =
          admin.listTopics().names().get(remaining(deadline), TimeUnit.NANOSECONDS);
      List<NewTopic> toCreate = new ArrayList<>();
      List<TopicSpec> toAlter = new ArrayList<>();
      for (TopicSpec spec : specs) {
        if (existing.contains(spec.name())) {
          toAlter.add(spec);
        } else {
          toCreate.add(
              new NewTopic(spec.name(), spec.partitions(), replicationFactor)
                  .configs(spec.configs()));
        }
      }
      if (!toCreate.isEmpty()) {
        var results = admin.createTopics(toCreate).values();
        for (var e : results.entrySet()) {
          try {
            e.getValue().get(remaining(deadline), TimeUnit.NANOSECONDS);
            LOG.info("created topic {}", e.getKey());
          } catch (ExecutionException ex) {
            if (!(ex.getCause() instanceof TopicExistsException)) {
              throw new KafkaException(
                  "cannot create topic " + e.getKey() + ": " + ex.getCause().getMessage(),
                  ex.getCause());
            }
          }
        }
      }
      alignExisting(admin, toAlter, deadline);
      awaitWritable(admin, specs, deadline);
    } catch (ExecutionException e) {
      throw new KafkaException("topic administration failed: " + e.getCause().getMessage(), e);
    } catch (TimeoutException e) {
      throw new KafkaException("topic administration timed out after " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("interrupted while creating topics", e);
    }
  }

  private static void alignExisting(Admin admin, List<TopicSpec> specs, long deadline)
      throws ExecutionException, InterruptedException, TimeoutException {
    if (specs.isEmpty()) {
      return;
    }
    Map<String, TopicDescription> descriptions =
        admin
            .describeTopics(specs.stream().map(TopicSpec::name).toList())
            .allTopicNames()
            .get(remaining(deadline), TimeUnit.NANOSECONDS);
    List<ConfigResource> resources = new ArrayList<>();
    for (TopicSpec spec : specs) {
      int actual = descriptions.get(spec.name()).partitions().size();
      if (actual != spec.partitions()) {
        LOG.warn(
            "topic {} has {} partitions, declared {}; left as is",
            spec.name(),
            actual,
            spec.partitions());
      }
      if (!spec.configs().isEmpty()) {
        resources.add(new ConfigResource(ConfigResource.Type.TOPIC, spec.name()));
      }
    }
    if (resources.isEmpty()) {
      return;
    }
    Map<ConfigResource, Config> current =
        admin.describeConfigs(resources).all().get(remaining(deadline), TimeUnit.NANOSECONDS);
    Map<ConfigResource, Collection<AlterConfigOp>> ops = new HashMap<>();
    for (TopicSpec spec : specs) {
      ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, spec.name());
      Config have = current.get(r);
      List<AlterConfigOp> set = new ArrayList<>();
      spec.configs()
          .forEach(
              (k, v) -> {
                ConfigEntry e = have == null ? null : have.get(k);
                if (e == null || !v.equals(e.value())) {
                  set.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET));
                }
              });
      if (!set.isEmpty()) {
        ops.put(r, set);
      }
    }
    if (ops.isEmpty()) {
      return;
    }
    try {
      admin.incrementalAlterConfigs(ops).all().get(remaining(deadline), TimeUnit.NANOSECONDS);
      LOG.info("updated configs of existing topics: {}", ops);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof AuthorizationException)) {
        throw e;
      }
      // Topics managed by someone else on a locked-down cluster: run with what is there.
      LOG.warn("not allowed to update topic configs {}: {}", ops, e.getCause().getMessage());
    }
  }

  /** KAFKA-15591: a partition is writable once listOffsets(latest) succeeds on it. */
  private static void awaitWritable(Admin admin, Collection<TopicSpec> specs, long deadline)
      throws InterruptedException, TimeoutException {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (TopicSpec spec : specs) {
      for (int p = 0; p < spec.partitions(); p++) {
        request.put(new TopicPartition(spec.name(), p), OffsetSpec.latest());
      }
    }
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try {
        Map<TopicPartition, OffsetSpec> pending = new HashMap<>(request);
        admin.listOffsets(pending).all().get(remaining(deadline), TimeUnit.NANOSECONDS);
        return;
      } catch (ExecutionException e) {
        last = e;
        Thread.sleep(50);
      }
    }
    throw new TimeoutException(
        "partitions not ready for writes (listOffsets): "
            + (last == null ? "" : last.getMessage()));
  }

  private static long remaining(long deadline) throws TimeoutException {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      throw new TimeoutException("deadline passed");
    }
    return left;
  }
}
