package dev.loopline.feedback.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopline.avro.ActorType;
import dev.loopline.avro.Deployment;
import dev.loopline.avro.DeploymentAction;
import dev.loopline.avro.Lineage;
import dev.loopline.avro.ModelVersion;
import dev.loopline.avro.Verdict;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class OpsConsoleTest {

  private static final Instant T0 = Instant.parse("2026-03-02T09:00:00Z");

  @Test
  void jsonEscapesMarkupCharacters() throws Exception {
    String json =
        OpsConsole.htmlSafeMapper().writeValueAsString(Map.of("text", "</script><b a='x'>&amp;"));
    assertThat(json).doesNotContain("<", ">", "&", "'");
    assertThat(OpsConsole.htmlSafeMapper().readTree(json).get("text").asText())
        .isEqualTo("</script><b a='x'>&amp;");
  }

  @Test
  void versionHistorySaysWhatServedWhenAndTheStatusOfEach() {
    TreeMap<Integer, ModelVersion> versions = new TreeMap<>();
    for (int v = 1; v <= 4; v++) {
      versions.put(v, version(v, v == 4 ? Verdict.REJECTED : Verdict.CANDIDATE));
    }
    List<Deployment> ds =
        List.of(
            deployment(1, DeploymentAction.PROMOTE, T0, null),
            deployment(2, DeploymentAction.PROMOTE, T0.plusSeconds(60), null),
            deployment(2, DeploymentAction.SHADOW, T0.plusSeconds(90), 3),
            deployment(1, DeploymentAction.ROLLBACK, T0.plusSeconds(120), null));
    Map<String, Object> view =
        OpsConsole.modelsView(new ModelRegistryView.Snapshot("tickets", versions, ds));

    assertThat(view.get("serving")).isEqualTo(1);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> vs = (List<Map<String, Object>>) view.get("versions");
    assertThat(vs).extracting(v -> v.get("version")).containsExactly(4, 3, 2, 1);
    assertThat(vs)
        .extracting(v -> v.get("status"))
        .containsExactly("REJECTED", "CANDIDATE", "RETIRED", "SERVING");
    // v2 served from its promote until the rollback (the shadow change did not end it).
    assertThat(vs.get(2).get("served"))
        .isEqualTo(
            List.of(
                Map.of(
                    "from", T0.plusSeconds(60).toString(), "to", T0.plusSeconds(120).toString())));
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> v1Spans = (List<Map<String, Object>>) vs.get(3).get("served");
    assertThat(v1Spans).hasSize(2);
    assertThat(v1Spans.get(1).get("to")).isNull();
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> history = (List<Map<String, Object>>) view.get("deployments");
    assertThat(history.get(0).get("action")).isEqualTo("ROLLBACK");
    assertThat(history).hasSize(4);
  }

  @Test
  void correctionToProductionLatencyPerVersionAndTheLatestMeasured() {
    Instant corrected = T0.plusSeconds(30);
    TreeMap<Integer, ModelVersion> versions = new TreeMap<>();
    versions.put(1, version(1, Verdict.PROMOTED)); // the seed set's: no triggering correction
    versions.put(2, withLatency(version(2, Verdict.PROMOTED), "ev-2", corrected, 42_300L));
    versions.put(3, withLatency(version(3, Verdict.PROMOTED), "ev-3", corrected, 8_400L));
    // v4: promoted, no prediction seen yet
    versions.put(4, withLatency(version(4, Verdict.PROMOTED), "ev-4", corrected, null));
    Map<String, Object> view =
        OpsConsole.modelsView(new ModelRegistryView.Snapshot("tickets", versions, List.of()));

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> vs = (List<Map<String, Object>>) view.get("versions");
    assertThat(vs).extracting(v -> v.get("version")).containsExactly(4, 3, 2, 1);
    assertThat(vs.get(3).get("correctionToProduction")).isNull();
    assertThat(vs.get(2).get("correctionToProduction"))
        .isEqualTo(
            Map.of(
                "millis",
                42_300L,
                "triggeringEventId",
                "ev-2",
                "triggeringCorrectionAt",
                corrected.toString()));
    @SuppressWarnings("unchecked")
    Map<String, Object> pending = (Map<String, Object>) vs.get(0).get("correctionToProduction");
    assertThat(pending).containsEntry("millis", null).containsEntry("triggeringEventId", "ev-4");
    // The latest MEASURED one: v3 (v4 is pending).
    assertThat(view.get("latestCorrectionToProduction"))
        .isEqualTo(
            Map.of(
                "version",
                3,
                "millis",
                8_400L,
                "triggeringEventId",
                "ev-3",
                "triggeringCorrectionAt",
                corrected.toString()));

    Map<String, Object> none =
        OpsConsole.modelsView(
            new ModelRegistryView.Snapshot(
                "tickets", new TreeMap<>(Map.of(1, version(1, Verdict.PROMOTED))), List.of()));
    assertThat(none).containsEntry("latestCorrectionToProduction", null);
  }

  private static ModelVersion withLatency(
      ModelVersion v, String eventId, Instant correctedAt, Long millis) {
    v.setLineage(
        Lineage.newBuilder()
            .setFeedbackOffsets(List.of())
            .setParentChain(List.of())
            .setTriggeringCorrectionEventId(eventId)
            .setTriggeringCorrectionAt(correctedAt)
            .setCorrectionToProductionMillis(millis)
            .build());
    return v;
  }

  private static ModelVersion version(int v, Verdict verdict) {
    return ModelVersion.newBuilder()
        .setName("tickets")
        .setVersion(v)
        .setArtifactUri("file:///m/" + v)
        .setSha256("s")
        .setCreatedAt(T0)
        .setLabels(List.of("a", "b"))
        .setFeaturizerFingerprint("fp")
        .setVerdict(verdict)
        .setReason("")
        .setMetrics(null)
        .setMetricsBySource(Map.of())
        .setProductionMetrics(null)
        .setTrainer(Map.of())
        .setLineage(
            Lineage.newBuilder().setFeedbackOffsets(List.of()).setParentChain(List.of()).build())
        .build();
  }

  private static Deployment deployment(int v, DeploymentAction action, Instant at, Integer shadow) {
    return Deployment.newBuilder()
        .setModelName("tickets")
        .setVersion(v)
        .setArtifactUri("file:///m/" + v)
        .setSha256("s")
        .setShadowVersion(shadow)
        .setDeployedAt(at)
        .setAction(action)
        .setActorType(ActorType.CONSOLE)
        .setActor("olga")
        .setReason("r")
        .build();
  }
}
