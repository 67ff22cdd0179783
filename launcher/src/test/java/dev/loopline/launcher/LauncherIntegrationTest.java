package dev.loopline.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopline.avro.Event;
import dev.loopline.config.LooplineConfig;
import dev.loopline.embedded.EmbeddedPlatform;
import dev.loopline.launcher.produce.EventSource;
import dev.loopline.launcher.produce.InputFormat;
import dev.loopline.launcher.produce.ParsedLine;
import dev.loopline.launcher.produce.ValidationRules;
import dev.loopline.serde.AvroSerdes;
import dev.loopline.topics.TopicAdmin;
import dev.loopline.topics.TopicSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The CLI against a real KRaft broker and registry (the module's shared embedded platform, on
 * ephemeral ports): produce the shipped examples, read them back with our serde, list topics.
 */
@Tag("integration")
class LauncherIntegrationTest {

  private static final Path EXAMPLES = Path.of("..", "examples");
  private static final AtomicInteger GROUPS = new AtomicInteger();
  private static EmbeddedPlatform platform;

  @BeforeAll
  static void platform() {
    platform = EmbeddedPlatform.shared();
  }

  private static String[] connected(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(
        List.of(
            "--bootstrap-servers", platform.bootstrapServers(),
            "--registry-url", platform.registryUrl()));
    return all.toArray(String[]::new);
  }

  private static void createTopic(String name) {
    TopicAdmin.ensureTopics(
        platform.config().kafkaClientProps(),
        List.of(new TopicSpec(name, 3, TopicSpec.DELETE)),
        (short) 1,
        Duration.ofSeconds(30));
  }

  private static List<Event> fileEvents(Path file, InputFormat format) throws IOException {
    List<Event> out = new ArrayList<>();
    try (InputStream in = Files.newInputStream(file)) {
      EventSource source = format.open(in, ValidationRules.defaults());
      ParsedLine p;
      while ((p = source.next()) != null) {
        if (p instanceof ParsedLine.Valid v) {
          out.add(v.event());
        }
      }
    }
    return out;
  }

  private static List<ConsumerRecord<String, Event>> consume(String topic, int expected) {
    LooplineConfig config = platform.config();
    Map<String, Object> props = new HashMap<>(config.kafkaClientProps());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "launcher-it-" + GROUPS.incrementAndGet());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<String, Event>> out = new ArrayList<>();
    try (KafkaConsumer<String, Event> consumer =
        new KafkaConsumer<>(
            props,
            new StringDeserializer(),
            AvroSerdes.specific(Event.class, config.registryClientProps(), false).deserializer())) {
      consumer.subscribe(List.of(topic));
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
                return out.size() >= expected;
              });
      // Nothing beyond what was expected shows up.
      consumer.poll(Duration.ofMillis(500)).forEach(out::add);
    }
    return out;
  }

  @Test
  void producesTheShippedExamplesWithKeysTimestampsAndFields() throws IOException {
    Path file = EXAMPLES.resolve("tickets.jsonl");
    List<Event> expected = fileEvents(file, InputFormat.JSONL);
    assertThat(expected).hasSize(300);

    CliRun run = CliRun.run(connected("produce", "--file", file.toString()));
    assertThat(run.err()).isEmpty();
    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).startsWith("produced 300 to 'events', rejected 0, failed 0");

    List<ConsumerRecord<String, Event>> records = consume("events", 300);
    assertThat(records).hasSize(300);
    Map<String, Event> byId = new HashMap<>();
    expected.forEach(e -> byId.put(e.getId(), e));
    for (ConsumerRecord<String, Event> r : records) {
      Event want = byId.get(r.key());
      assertThat(want).as(r.key()).isNotNull();
      assertThat(r.value()).isEqualTo(want);
      assertThat(r.timestamp()).isEqualTo(want.getOccurredAt().toEpochMilli());
    }
    assertThat(records.stream().map(ConsumerRecord::key).distinct()).hasSize(300);

    CliRun topics = CliRun.run(connected("topics"));
    assertThat(topics.exitCode()).isZero();
    assertThat(topics.out())
        .containsPattern("(?m)^events\\s+4\\s+300\\s+delete$")
        .containsPattern("(?m)^feedback\\s+4\\s+0\\s+compact$")
        .doesNotContain("__consumer_offsets");
  }

  @Test
  void csvExampleProducesTheSameEvents() throws IOException {
    createTopic("it-csv");
    Path csv = EXAMPLES.resolve("tickets.csv");
    assertThat(fileEvents(csv, InputFormat.CSV))
        .isEqualTo(fileEvents(EXAMPLES.resolve("tickets.jsonl"), InputFormat.JSONL));
    CliRun run = CliRun.run(connected("produce", "-f", csv.toString(), "--topic", "it-csv"));
    assertThat(run.exitCode()).isZero();
    assertThat(consume("it-csv", 300)).hasSize(300);
  }

  @Test
  void badLinesAreReportedByLineNumberAndTheGoodOnesProduced() {
    createTopic("it-bad-lines");
    CliRun run =
        CliRun.run(
            connected(
                "produce",
                "--file",
                EXAMPLES.resolve("bad-lines.jsonl").toString(),
                "--topic",
                "it-bad-lines"));
    assertThat(run.exitCode()).isEqualTo(ExitCodes.REJECTED);
    assertThat(run.out()).startsWith("produced 4 to 'it-bad-lines', rejected 16, failed 0");
    List<String> lines = run.errLines();
    assertThat(lines)
        .extracting(l -> l.substring(0, l.indexOf(':')))
        .containsExactly(
            "line 2", "line 3", "line 4", "line 5", "line 6", "line 7", "line 8", "line 9",
            "line 10", "line 11", "line 12", "line 14", "line 15", "line 16", "line 19", "line 21");
    assertThat(lines)
        .contains(
            "line 3: not a JSON object",
            "line 4: unknown field 'label' (use --ignore-unknown to drop unknown fields)",
            "line 5: 'id' must be a string, got a number",
            "line 8: missing field 'text'",
            "line 9: 'text' is empty",
            "line 10: 'text' is 70000 bytes, over the limit of 65536 bytes",
            "line 12: invalid UTF-8 at byte 69 of the line",
            "line 21: 'id' is empty");
    List<ConsumerRecord<String, Event>> records = consume("it-bad-lines", 4);
    assertThat(records)
        .extracting(ConsumerRecord::key)
        .containsExactlyInAnyOrder("bad-lines-01", "bad-lines-13", "bad-lines-18", "bad-lines-20");

    // The list of rejects is capped, the count is not.
    CliRun capped =
        CliRun.run(
            connected(
                "produce",
                "--file",
                EXAMPLES.resolve("bad-lines.jsonl").toString(),
                "--topic",
                "it-bad-lines",
                "--max-errors",
                "2"));
    assertThat(capped.errLines()).hasSize(3).last().isEqualTo("... and 14 more rejected lines");
  }

  @Test
  void missingTopicIsAUserError() {
    CliRun run =
        CliRun.run(
            connected(
                "produce",
                "--file",
                EXAMPLES.resolve("tickets.jsonl").toString(),
                "--topic",
                "nope"));
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines())
        .singleElement()
        .asString()
        .startsWith("loopline: topic 'nope' does not exist");
  }

  @Test
  void upStartsThePlatformPrintsWhereItListensAndStopsCleanly() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    AtomicInteger exit = new AtomicInteger(-1);
    PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
    Thread up =
        new Thread(
            () ->
                exit.set(
                    LooplineCli.run(
                        new String[] {
                          "up",
                          "--platform-only",
                          "--temporary",
                          "--kafka-port",
                          "0",
                          "--registry-port",
                          "0"
                        },
                        o,
                        e,
                        Map.of())));
    up.start();
    await()
        .atMost(Duration.ofSeconds(90))
        .until(() -> out.toString(StandardCharsets.UTF_8).contains("Press Ctrl-C to stop"));
    String printed = out.toString(StandardCharsets.UTF_8);
    assertThat(printed)
        .containsPattern("Kafka broker \\(KRaft\\)\\s+bootstrap servers\\s+localhost:\\d+")
        .containsPattern("Schema registry\\s+Confluent REST API\\s+http://[^\\s]+:\\d+")
        .contains("events, predictions");
    up.interrupt();
    up.join(Duration.ofSeconds(60).toMillis());
    assertThat(up.isAlive()).isFalse();
    assertThat(exit.get()).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).endsWith("Loopline stopped.\n");
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
  }
}
