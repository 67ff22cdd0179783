package dev.loopline.feedback;

import dev.loopline.avro.Forgotten;
import dev.loopline.config.LooplineConfig;
import dev.loopline.serde.AvroSerdes;
import dev.loopline.topics.Topics;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code loopline forget <event-id>...}: for personal-data requests. In one transaction, writes a
 * {@code Forgotten} marker per id to the compacted {@code forgotten} topic (retraining and backtest
 * skip those ids) and a tombstone to {@code feedback} (compaction then removes the text). The
 * collector also reads {@code forgotten}: it drops the held event text and ignores later records
 * for the id.
 */
@Command(
    name = "forget",
    mixinStandardHelpOptions = true,
    description =
        "Remove events' text from 'feedback' (tombstone) and record their ids on 'forgotten'.")
public final class ForgetCommand implements Callable<Integer> {

  private final Supplier<LooplineConfig> global;
  private final Clock clock;

  @Spec CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "EVENT-ID", description = "Event ids to forget.")
  List<String> eventIds = new ArrayList<>();

  @Option(names = "--by", description = "Who asked (recorded). Default: ${DEFAULT-VALUE}.")
  String requestedBy = System.getProperty("user.name", "cli");

  @Option(names = "--reason", description = "Why (recorded), e.g. a ticket number.")
  String reason = "";

  @Option(names = "--config", paramLabel = "FILE", description = "Properties file.")
  Path configFile;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a setting.")
  Map<String, String> overrides = new LinkedHashMap<>();

  public ForgetCommand() {
    this(null);
  }

  public ForgetCommand(Supplier<LooplineConfig> global) {
    this(global, Clock.systemUTC());
  }

  ForgetCommand(Supplier<LooplineConfig> global, Clock clock) {
    this.global = global;
    this.clock = clock;
  }

  @Override
  public Integer call() {
    LinkedHashSet<String> ids = new LinkedHashSet<>();
    for (String id : eventIds) {
      if (id == null || id.isBlank()) {
        throw new CommandLine.ParameterException(spec.commandLine(), "event ids must not be blank");
      }
      ids.add(id.trim());
    }
    LooplineConfig config = CommandConfig.resolve(global, configFile, overrides);
    Topics topics = Topics.from(config);
    try {
      forget(config, topics, ids);
    } catch (KafkaException e) {
      spec.commandLine()
          .getErr()
          .println("loopline forget: could not record the request: " + e.getMessage());
      return 1;
    }
    spec.commandLine()
        .getOut()
        .printf(
            "forgot %d event(s): tombstoned on '%s', recorded on '%s'%n",
            ids.size(), topics.feedback(), topics.forgotten());
    return 0;
  }

  private void forget(LooplineConfig config, Topics topics, Iterable<String> ids) {
    Map<String, Object> props = new LinkedHashMap<>(config.kafkaClientProps());
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "loopline-forget-" + UUID.randomUUID());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
    Serializer<Forgotten> forgotten =
        AvroSerdes.specific(Forgotten.class, config.clientAndSerdeProps(), false).serializer();
    Instant now = clock.instant();
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      producer.initTransactions();
      producer.beginTransaction();
      try {
        for (String id : ids) {
          Forgotten marker =
              Forgotten.newBuilder()
                  .setEventId(id)
                  .setRequestedAt(now)
                  .setRequestedBy(requestedBy)
                  .setReason(reason == null ? "" : reason)
                  .build();
          producer.send(
              new ProducerRecord<>(
                  topics.forgotten(),
                  null,
                  now.toEpochMilli(),
                  id,
                  forgotten.serialize(topics.forgotten(), marker)));
          producer.send(
              new ProducerRecord<String, byte[]>(
                  topics.feedback(), null, now.toEpochMilli(), id, (byte[]) null));
        }
        producer.commitTransaction();
      } catch (KafkaException e) {
        producer.abortTransaction();
        throw e;
      } finally {
        producer.close(Duration.ofSeconds(10));
      }
    }
  }

  public static void main(String[] args) {
    int rc =
        new CommandLine(new ForgetCommand())
            .setExecutionExceptionHandler(
                (ex, cmd, parsed) -> {
                  if (ex instanceof LooplineConfig.ConfigException) {
                    cmd.getErr().println("loopline forget: " + ex.getMessage());
                    return 2;
                  }
                  throw ex;
                })
            .setParameterExceptionHandler(
                (ex, a) -> {
                  ex.getCommandLine().getErr().println("loopline forget: " + ex.getMessage());
                  return 2;
                })
            .execute(args);
    System.exit(rc);
  }
}
