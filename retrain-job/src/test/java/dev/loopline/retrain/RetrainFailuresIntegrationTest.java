package dev.loopline.retrain;

import static dev.loopline.avro.LabelSource.AUDIT;
import static dev.loopline.avro.LabelSource.TRIAGE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loopline.avro.ActorType;
import dev.loopline.avro.Deployment;
import dev.loopline.avro.DeploymentAction;
import dev.loopline.config.LooplineConfig;
import dev.loopline.retrain.job.RetrainResult;
import dev.loopline.retrain.registry.ModelHistory;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The bad paths on the real parts: too little data publishes nothing, an unwritable store announces
 * nothing, a corrupt parent artifact means training from scratch; and the {@code retrain} and
 * {@code models} commands over the resulting topics.
 */
@Tag("integration")
class RetrainFailuresIntegrationTest {

  @RegisterExtension static final MiniClusterExtension FLINK = RetrainFixture.miniCluster();

  private static final Instant T0 = Instant.parse("2026-04-01T00:00:00Z");
  private static final String LABELS = String.join(",", Tickets.LABELS);

  @TempDir Path dir;

  @Test
  void tooFewExamplesPerClassEndsWithAClearMessageAndPublishesNothing() throws Exception {
    LooplineConfig config = RetrainFixture.config("few-it", dir).with("model.labels", LABELS);
    RetrainFixture.produce(config, new Tickets(1, "f", T0).next(40, TRIAGE));

    StringWriter out = new StringWriter();
    CommandLine cl = new CommandLine(new RetrainCommand(() -> config, RetrainFixture.service()));
    cl.setOut(new PrintWriter(out));
    int code = cl.execute("--no-progress");

    assertThat(code).isEqualTo(RetrainCommand.NOT_ENOUGH_DATA);
    assertThat(out.toString())
        .contains("NOT_ENOUGH_DATA")
        .contains("too few training examples per class")
        .contains("nothing published");
    ModelHistory h = RetrainFixture.history(config);
    assertThat(h.versions()).isEmpty();
    assertThat(h.deployments()).isEmpty();
  }

  @Test
  void aFirstModelFromABootstrapFileAlone() throws Exception {
    LooplineConfig config = RetrainFixture.config("boot-it", dir);
    StringBuilder lines = new StringBuilder();
    for (var e : new Tickets(4, "s", T0).next(600, TRIAGE)) {
      lines.append(
          String.format(
              "{\"eventId\":\"%s\",\"text\":\"%s\",\"label\":\"%s\",\"occurredAt\":\"%s\"}%n",
              e.getEventId(), e.getText(), e.getLabel(), e.getOccurredAt()));
    }
    Path seed = Files.writeString(dir.resolve("seed.jsonl"), lines + "not json\n");

    StringWriter out = new StringWriter();
    CommandLine cl = new CommandLine(new RetrainCommand(() -> config, RetrainFixture.service()));
    cl.setOut(new PrintWriter(out));
    assertThat(cl.execute("--bootstrap", seed.toString(), "--no-progress"))
        .as(out.toString())
        .isZero();

    assertThat(out.toString()).contains("boot-it v1 PROMOTED").contains("bad bootstrap line: 1");
    var v1 = RetrainFixture.history(config).version(1).orElseThrow();
    assertThat(v1.getLabels())
        .as("labels from the data")
        .containsExactly("Account", "Billing", "Shipping", "Technical");
    assertThat(v1.getMetricsBySource()).containsOnlyKeys("BOOTSTRAP");
    assertThat(v1.getTrainer())
        .containsEntry("bootstrap.file", seed.toAbsolutePath().toString())
        .containsEntry("bootstrap.sha256", dev.loopline.model.store.Sha256.of(seed));
  }

  @Test
  void aStoreThatCannotBeWrittenAnnouncesNothing() throws Exception {
    Path blocker = Files.writeString(dir.resolve("not-a-directory"), "x");
    LooplineConfig config =
        RetrainFixture.config("nostore-it", dir)
            .with("model.labels", LABELS)
            .with("model.store.uri", blocker.resolve("store").toUri().toString());
    RetrainFixture.produce(config, new Tickets(2, "n", T0).next(600, TRIAGE, AUDIT));

    RetrainResult r = RetrainFixture.service().runOnce(config);

    assertThat(r.status).as(RetrainFixture.describe(r)).isEqualTo(RetrainResult.Status.FAILED);
    assertThat(r.reason).contains("could not be written").contains("nothing announced");
    ModelHistory h = RetrainFixture.history(config);
    assertThat(h.versions()).isEmpty();
    assertThat(h.deployments()).isEmpty();
  }

  @Test
  void aCorruptParentMeansTrainingFromScratchAndModelsCommandsAppendDeployments() throws Exception {
    LooplineConfig config = RetrainFixture.config("parent-it", dir).with("model.labels", LABELS);
    Tickets tickets = new Tickets(3, "p", T0);
    RetrainFixture.produce(config, tickets.next(600, TRIAGE, AUDIT));
    RetrainService service = RetrainFixture.service();
    RetrainResult v1 = service.runOnce(config);
    assertThat(v1.verdict).as(RetrainFixture.describe(v1)).isEqualTo("PROMOTED");

    Files.writeString(Path.of(URI.create(v1.artifactUri)), "corrupted on disk");
    RetrainFixture.produce(config, tickets.next(200, TRIAGE, AUDIT));
    RetrainResult v2 = service.runOnce(config);

    assertThat(v2.status).as(RetrainFixture.describe(v2)).isEqualTo(RetrainResult.Status.PUBLISHED);
    assertThat(v2.version).isEqualTo(2);
    assertThat(v2.notes)
        .anySatisfy(n -> assertThat(n).contains("corrupt").contains("from scratch"));
    ModelHistory h = RetrainFixture.history(config);
    assertThat(h.version(2).orElseThrow().getLineage().getParentVersion()).isNull();
    assertThat(h.version(2).orElseThrow().getReason()).contains("trained from scratch");
    assertThat(h.currentDeployment().orElseThrow().getVersion()).isEqualTo(2);

    // models rollback / promote / list / history over the same topics.
    assertThat(models(config, "rollback", "--reason", "v2 misroutes refunds", "--actor", "ana"))
        .contains("ROLLBACK parent-it v1 (was v2)");
    Deployment back = RetrainFixture.lastDeployment(config);
    assertThat(back.getAction()).isEqualTo(DeploymentAction.ROLLBACK);
    assertThat(back.getActorType()).isEqualTo(ActorType.CLI);
    assertThat(back.getActor()).isEqualTo("ana");
    assertThat(back.getReason()).isEqualTo("v2 misroutes refunds");
    assertThat(back.getVersion()).isEqualTo(1);

    assertThat(models(config, "promote", "2", "--reason", "fixed upstream")).contains("PROMOTE");
    assertThat(RetrainFixture.lastDeployment(config).getVersion()).isEqualTo(2);
    assertThat(models(config, "list")).contains("PROMOTED").containsPattern("\\*\\s+2\\s");
    assertThat(models(config, "history").lines().toList())
        .hasSize(5) // header + gate v1 + gate v2 + rollback + promote
        .last()
        .asString()
        .contains("fixed upstream");
    assertThat(models(config, "show", "2")).contains("split seed").contains("trainer:");

    CommandLine cl = new CommandLine(new ModelsCommand(() -> config));
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err));
    assertThat(cl.execute("promote", "9", "--reason", "x")).isEqualTo(2);
    assertThat(err.toString()).contains("no version 9 of parent-it");
    assertThat(cl.execute("rollback")).as("reason is required").isEqualTo(2);
    assertThat(RetrainFixture.history(config).deployments()).hasSize(4);

    // retrain --once --min-new-labels: nothing new yet, then due once enough labels arrived.
    assertThat(retrain(config, service, "--once", "--min-new-labels", "50", "--no-progress"))
        .contains("not due");
    RetrainFixture.produce(config, tickets.next(60, TRIAGE, AUDIT));
    assertThat(retrain(config, service, "--once", "--min-new-labels", "50", "--no-progress"))
        .contains("parent-it v3");
    assertThat(RetrainFixture.history(config).maxVersion()).isEqualTo(3);

    int serving = RetrainFixture.lastDeployment(config).getVersion();
    assertThat(models(config, "shadow", "1", "--rate", "0.25", "--reason", "compare"))
        .contains("SHADOW");
    Deployment shadow = RetrainFixture.lastDeployment(config);
    assertThat(shadow.getAction()).isEqualTo(DeploymentAction.SHADOW);
    assertThat(shadow.getVersion()).as("serving is unchanged").isEqualTo(serving);
    assertThat(shadow.getShadowVersion()).isEqualTo(1);
    assertThat(shadow.getShadowSampleRate()).isEqualTo(0.25);
  }

  private static String retrain(LooplineConfig config, RetrainService service, String... args) {
    StringWriter out = new StringWriter();
    CommandLine cl = new CommandLine(new RetrainCommand(() -> config, service));
    cl.setOut(new PrintWriter(out));
    assertThat(cl.execute(args)).as(out.toString()).isZero();
    return out.toString();
  }

  private static String models(LooplineConfig config, String... args) {
    StringWriter out = new StringWriter();
    CommandLine cl = new CommandLine(new ModelsCommand(() -> config));
    cl.setOut(new PrintWriter(out));
    int code = cl.execute(args);
    assertThat(code).as(List.of(args) + " -> " + out).isZero();
    return out.toString();
  }
}
