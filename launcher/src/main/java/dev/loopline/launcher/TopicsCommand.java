package dev.loopline.launcher;

import dev.loopline.config.LooplineConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code loopline topics}: what is on the cluster, and how many records each topic has seen. */
@Command(
    name = "topics",
    description = "List topics with partition counts, end offsets and cleanup policy.")
public final class TopicsCommand implements Callable<Integer> {

  @ParentCommand LooplineCli cli;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--all", description = "Include internal topics (__consumer_offsets, ...).")
  boolean all;

  /** One row of the listing. */
  public record TopicInfo(String name, int partitions, long endOffsets, String cleanupPolicy) {}

  @Override
  public Integer call() {
    LooplineConfig config = cli.config();
    try (Admin admin = KafkaClients.admin(config)) {
      List<TopicInfo> topics = describe(admin, config, all);
      TextTable table =
          new TextTable(
              List.of("TOPIC", "PARTITIONS", "END OFFSETS", "CLEANUP"), false, true, true, false);
      for (TopicInfo t : topics) {
        table.row(
            t.name(), t.partitions(), String.format("%,d", t.endOffsets()), t.cleanupPolicy());
      }
      spec.commandLine().getOut().print(table.render());
      spec.commandLine().getOut().flush();
    }
    return ExitCodes.OK;
  }

  /** Every topic (internal ones only when asked), sorted by name. */
  static List<TopicInfo> describe(Admin admin, LooplineConfig config, boolean internal) {
    var names =
        KafkaClients.get(
            admin.listTopics(new ListTopicsOptions().listInternal(internal)).names(), config);
    if (names.isEmpty()) {
      return List.of();
    }
    Map<String, TopicDescription> descriptions =
        KafkaClients.get(admin.describeTopics(names).allTopicNames(), config);
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    descriptions
        .values()
        .forEach(
            d ->
                d.partitions()
                    .forEach(
                        p ->
                            request.put(
                                new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> offsets =
        KafkaClients.get(admin.listOffsets(request).all(), config);
    List<ConfigResource> resources = new ArrayList<>();
    names.forEach(n -> resources.add(new ConfigResource(ConfigResource.Type.TOPIC, n)));
    Map<ConfigResource, Config> configs =
        KafkaClients.get(admin.describeConfigs(resources).all(), config);
    Map<String, Long> ends = new TreeMap<>();
    offsets.forEach((tp, info) -> ends.merge(tp.topic(), info.offset(), Long::sum));
    List<TopicInfo> out = new ArrayList<>();
    for (String name : new TreeMap<>(descriptions).keySet()) {
      var entry =
          configs
              .get(new ConfigResource(ConfigResource.Type.TOPIC, name))
              .get(TopicConfig.CLEANUP_POLICY_CONFIG);
      out.add(
          new TopicInfo(
              name,
              descriptions.get(name).partitions().size(),
              ends.getOrDefault(name, 0L),
              entry == null ? "?" : entry.value()));
    }
    return out;
  }
}
