package dev.loopline.launcher;

import dev.loopline.config.LooplineConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Admin clients for CLI commands, built from the one config layer, with short timeouts so a wrong
 * address fails in seconds with one line instead of hanging for a minute.
 */
final class KafkaClients {

  private static final long WAIT_SECONDS = 20;

  private KafkaClients() {}

  static Admin admin(LooplineConfig config) {
    Map<String, Object> props = new HashMap<>();
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    props.putAll(config.kafkaClientProps());
    props.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "loopline-cli-admin");
    return Admin.create(props);
  }

  /** Waits for an admin call; turns "cannot reach the cluster" into a one-line user error. */
  static <T> T get(KafkaFuture<T> future, LooplineConfig config) {
    try {
      return future.get(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserError("interrupted");
    } catch (TimeoutException e) {
      throw unreachable(config, e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
        throw unreachable(config, e.getCause());
      }
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /** Fails with a user error unless {@code topic} exists. */
  static void requireTopic(Admin admin, String topic, LooplineConfig config) {
    try {
      get(admin.describeTopics(List.of(topic)).allTopicNames(), config);
    } catch (UnknownTopicOrPartitionException e) {
      throw new UserError(
          "topic '"
              + topic
              + "' does not exist at "
              + config.bootstrapServers()
              + " (start the platform with 'loopline up', or create it)");
    }
  }

  private static UserError unreachable(LooplineConfig config, Throwable cause) {
    return new UserError(
        "cannot reach Kafka at "
            + config.bootstrapServers()
            + " (is 'loopline up' running? set --bootstrap-servers): "
            + cause.getMessage(),
        cause);
  }
}
