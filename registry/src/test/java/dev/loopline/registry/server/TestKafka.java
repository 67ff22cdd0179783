package dev.loopline.registry.server;

import dev.loopline.topics.ShutdownSafeExit;
import java.util.Map;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * One real KRaft broker per test JVM for the registry's integration tests (the embedded module
 * depends on this one, so it cannot be used here). Closed by a shutdown hook.
 */
final class TestKafka {

  private static KafkaClusterTestKit kit;

  private TestKafka() {}

  static synchronized String bootstrapServers() {
    if (kit == null) {
      // Closed by a shutdown hook that races the test kit's own temp-dir deletion hook; without
      // this the broker could halt the test JVM with 1 after every test passed.
      ShutdownSafeExit.install();
      try {
        KafkaClusterTestKit k =
            new KafkaClusterTestKit.Builder(
                    new TestKitNodes.Builder()
                        .setCombined(true)
                        .setNumBrokerNodes(1)
                        .setNumControllerNodes(1)
                        .setBootstrapMetadataVersion(MetadataVersion.LATEST_PRODUCTION)
                        .build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("log.cleaner.dedupe.buffer.size", "8388608")
                .build();
        k.format();
        k.startup();
        k.waitForReadyBrokers();
        Runtime.getRuntime()
            .addShutdownHook(
                new Thread(
                    () -> {
                      try {
                        k.close();
                      } catch (Exception e) {
                        // JVM is exiting
                      }
                    }));
        kit = k;
      } catch (Exception e) {
        throw new IllegalStateException("cannot start the test broker", e);
      }
    }
    return kit.bootstrapServers();
  }

  static Map<String, Object> clientProps() {
    return Map.of("bootstrap.servers", bootstrapServers());
  }
}
