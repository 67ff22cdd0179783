package dev.loopline.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LooplineCliTest {

  private static final List<String> TEST_COMMANDS =
      List.of(
          TestCommands.Hello.class.getName(),
          "dev.loopline.nowhere.MissingCommand",
          TestCommands.Plain.class.getName(),
          TestCommands.Standalone.class.getName(),
          TestCommands.Clash.class.getName());

  @Test
  void helpListsEveryCommandAndEveryCommandHasHelp() {
    CliRun top = CliRun.run("--help");
    assertThat(top.exitCode()).isZero();
    assertThat(top.out()).contains("up", "produce", "topics", "generate", "--bootstrap-servers");
    for (String cmd : List.of("up", "produce", "topics", "generate")) {
      CliRun help = CliRun.run(cmd, "--help");
      assertThat(help.exitCode()).as(cmd).isZero();
      assertThat(help.out()).as(cmd).contains("Usage: loopline " + cmd, "--registry-url");
    }
  }

  @Test
  void badArgumentsPrintOneLineAndExit2() {
    CliRun unknown = CliRun.run("produce", "--file", "x.jsonl", "--nope");
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.errLines())
        .containsExactly("loopline: Unknown option: '--nope' (see 'loopline produce --help')");

    CliRun none = CliRun.run();
    assertThat(none.exitCode()).isEqualTo(2);
    assertThat(none.errLines())
        .containsExactly("loopline: missing command (see 'loopline --help')");

    CliRun missingFile = CliRun.run("produce", "--file", "does-not-exist.jsonl");
    assertThat(missingFile.exitCode()).isEqualTo(2);
    assertThat(missingFile.errLines())
        .containsExactly("loopline: no such file: does-not-exist.jsonl");

    CliRun format = CliRun.run("produce", "--file", "events.txt");
    assertThat(format.exitCode()).isEqualTo(2);
    assertThat(format.errLines()).singleElement().asString().contains("cannot tell the format");

    CliRun stdin = CliRun.run("produce", "--file", "-");
    assertThat(stdin.errLines())
        .containsExactly("loopline: reading stdin needs --format jsonl or --format csv");

    CliRun config = CliRun.run("--config", "/no/such/loopline.properties", "topics");
    assertThat(config.exitCode()).isEqualTo(2);
    assertThat(config.errLines())
        .containsExactly("loopline: config file not found: /no/such/loopline.properties");

    CliRun badCount = CliRun.run("generate", "--count", "many");
    assertThat(badCount.exitCode()).isEqualTo(2);
    assertThat(badCount.errLines()).hasSize(1);
  }

  @Test
  void unreachableKafkaIsAOneLineUserError() {
    CliRun r =
        CliRun.run(
            "topics",
            "--bootstrap-servers",
            "127.0.0.1:1",
            "-D",
            "kafka.default.api.timeout.ms=1500",
            "-D",
            "kafka.request.timeout.ms=1000");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.errLines())
        .singleElement()
        .asString()
        .startsWith("loopline: cannot reach Kafka at 127.0.0.1:1");
  }

  @Test
  void everyModulesCommandIsOnTheRealCli() {
    CliRun help = CliRun.run(Map.of(), ContributedCommands.CLASS_NAMES, "--help");
    assertThat(help.exitCode()).isZero();
    assertThat(help.out()).contains("score", "collect", "forget", "retrain", "models", "backtest");
    assertThat(
            CliRun.run(Map.of(), ContributedCommands.CLASS_NAMES, "backtest", "--help").exitCode())
        .isZero();
  }

  @Test
  void contributedCommandsAreRegisteredWhenPresentAndSeeTheLayeredConfig(@TempDir Path dir)
      throws IOException {
    Path props = dir.resolve("loopline.properties");
    Files.writeString(props, "bootstrap.servers=file:1\nschema.registry.url=http://file:2\n");

    CliRun help = CliRun.run(Map.of(), TEST_COMMANDS, "--help");
    assertThat(help.out()).contains("hello", "plain", "standalone");
    assertThat(CliRun.run(Map.of(), TEST_COMMANDS, "standalone", "--config", "x.properties").out())
        .isEqualTo("config x.properties\n");
    assertThat(CliRun.run(Map.of(), TEST_COMMANDS, "standalone", "--help").exitCode()).isZero();

    // file < env < -D < flags; global options work before and after the subcommand.
    assertThat(CliRun.run(Map.of(), TEST_COMMANDS, "--config", props.toString(), "hello").out())
        .isEqualTo("kafka at file:1\n");
    Map<String, String> env = Map.of("LOOPLINE_BOOTSTRAP_SERVERS", "env:1");
    assertThat(CliRun.run(env, TEST_COMMANDS, "--config", props.toString(), "hello").out())
        .isEqualTo("kafka at env:1\n");
    assertThat(CliRun.run(env, TEST_COMMANDS, "hello", "-D", "bootstrap.servers=d:1").out())
        .isEqualTo("kafka at d:1\n");
    assertThat(
            CliRun.run(
                    env,
                    TEST_COMMANDS,
                    "-D",
                    "bootstrap.servers=d:1",
                    "hello",
                    "--bootstrap-servers",
                    "flag:1")
                .out())
        .isEqualTo("kafka at flag:1\n");

    // A contributed class may not replace a built-in command.
    CliRun topicsHelp = CliRun.run(Map.of(), TEST_COMMANDS, "topics", "--help");
    assertThat(topicsHelp.out()).contains("List topics");
  }

  @Test
  void errorsFromCommandsMapToExitCodes() {
    CliRun unexpected = CliRun.run(Map.of(), TEST_COMMANDS, "hello", "--fail", "unexpected");
    assertThat(unexpected.exitCode()).isEqualTo(1);
    assertThat(unexpected.errLines())
        .containsExactly(
            "loopline: unexpected error: IllegalStateException: boom (run with --verbose for details)");

    CliRun verbose =
        CliRun.run(Map.of(), TEST_COMMANDS, "hello", "--fail", "unexpected", "--verbose");
    assertThat(verbose.exitCode()).isEqualTo(1);
    assertThat(verbose.errLines().get(0))
        .isEqualTo("loopline: unexpected error: IllegalStateException: boom");
    assertThat(verbose.err()).contains("at dev.loopline.launcher.TestCommands$Hello.call");

    CliRun config = CliRun.run(Map.of(), TEST_COMMANDS, "hello", "--fail", "config");
    assertThat(config.exitCode()).isEqualTo(2);
    assertThat(config.errLines())
        .containsExactly("loopline: scoring.batch.max.size must be an integer");

    CliRun usage = CliRun.run(Map.of(), TEST_COMMANDS, "hello", "--fail", "usage");
    assertThat(usage.exitCode()).isEqualTo(2);
    assertThat(usage.errLines())
        .containsExactly("loopline: --x needs a value (see 'loopline hello --help')");
  }

  @Test
  void generateWritesReproducibleTickets(@TempDir Path dir) throws IOException {
    CliRun a = CliRun.run("generate", "-n", "5", "--seed", "3");
    CliRun b = CliRun.run("generate", "--count", "5", "--seed", "3");
    assertThat(a.exitCode()).isZero();
    assertThat(a.out()).isEqualTo(b.out());
    assertThat(a.out().lines()).hasSize(5).allMatch(l -> l.startsWith("{\"id\":\"t"));

    Path csv = dir.resolve("t.csv");
    Path truth = dir.resolve("truth.csv");
    CliRun c =
        CliRun.run(
            "generate",
            "-n",
            "20",
            "-o",
            csv.toString(),
            "--truth",
            truth.toString(),
            "--labels",
            "Fraud,Praise",
            "--drift-at",
            "10");
    assertThat(c.exitCode()).isZero();
    assertThat(Files.readString(csv))
        .startsWith("id,occurredAt,text,attr.channel,attr.tier,attr.language\r\n");
    List<String> labels = Files.readAllLines(truth);
    assertThat(labels).hasSize(21);
    assertThat(labels.subList(1, 21)).allMatch(l -> l.endsWith(",Fraud") || l.endsWith(",Praise"));

    CliRun dup = CliRun.run("generate", "--labels", "A,A");
    assertThat(dup.exitCode()).isEqualTo(2);
    assertThat(dup.errLines()).containsExactly("loopline: --labels must be distinct: [A, A]");
  }
}
