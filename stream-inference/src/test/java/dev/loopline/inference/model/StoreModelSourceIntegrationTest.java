package dev.loopline.inference.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopline.inference.TestModels;
import dev.loopline.inference.TestTickets;
import dev.loopline.model.policy.DecisionPolicy;
import dev.loopline.model.store.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hot-swap load path on real TensorFlow artifacts: a good version loads and scores; every kind
 * of bad artifact the issue lists is rejected with its reason (and would leave the old model
 * serving, see HotSwapperTest).
 */
@Tag("integration")
class StoreModelSourceIntegrationTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path store;
  @TempDir Path work;
  private static TestModels.StoredModel v1;

  @BeforeAll
  static void train() {
    v1 = TestModels.train(store, 1, false);
  }

  private StoreModelSource source(Map<String, String> policy) {
    return new StoreModelSource(work, DecisionPolicy.fromConfig(policy), Clock.systemUTC());
  }

  @Test
  void aVerifiedVersionLoadsScoresAndDeletesItsDirectoryWhenClosed() throws Exception {
    ServingModel m = source(Map.of()).load(v1.uri().toString(), v1.sha256(), 1);

    assertThat(m.version()).isEqualTo(1);
    assertThat(m.labels()).isEqualTo(TestTickets.LABELS);
    float[][] p =
        m.featurizeAndPredict(
            List.of(TestTickets.text(0, 5, 1), TestTickets.text(1, 5, 2)),
            List.of(Map.of(), Map.of()));
    assertThat(p[0][0] + p[0][1] + p[0][2])
        .isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-4f));
    assertThat(p[0][0]).isGreaterThan(0.5f);
    assertThat(p[1][1]).isGreaterThan(0.5f);
    assertThat(Files.list(work).count()).isEqualTo(1);

    m.release();

    assertThat(Files.list(work).count()).isZero();
  }

  @Test
  void aWrongSha256IsRejected() {
    assertThatThrownBy(() -> source(Map.of()).load(v1.uri().toString(), "00".repeat(32), 1))
        .isInstanceOfSatisfying(
            ModelSource.ModelRejected.class, e -> assertThat(e.category()).isEqualTo("sha256"));
    assertThat(work).isEmptyDirectory();
  }

  @Test
  void aZipSlipEntryIsRejected() throws Exception {
    Path bad = rewrite(v1.zip(), Map.of(), "../../escaped.txt");
    assertThatThrownBy(() -> source(Map.of()).load(bad.toUri().toString(), Sha256.of(bad), 1))
        .isInstanceOfSatisfying(
            ModelSource.ModelRejected.class,
            e -> assertThat(e.getMessage()).containsIgnoringCase("escaped.txt"));
    assertThat(work.getParent().resolve("escaped.txt")).doesNotExist();
  }

  @Test
  void aCanaryMismatchIsRejected() throws Exception {
    Path bad =
        rewrite(
            v1.zip(),
            Map.of(
                "canaries.json",
                json -> {
                  JsonNode first = json.isArray() ? json.get(0) : json.elements().next();
                  ArrayNode expected = (ArrayNode) first.get("expected");
                  expected.set(0, expected.get(0).floatValue() > 0.5 ? 0.01 : 0.99);
                  return json;
                }),
            null);
    assertThatThrownBy(() -> source(Map.of()).load(bad.toUri().toString(), Sha256.of(bad), 1))
        .isInstanceOfSatisfying(
            ModelSource.ModelRejected.class, e -> assertThat(e.category()).isEqualTo("canary"));
  }

  @Test
  void aMissingSignatureOutputIsRejected() throws Exception {
    Path bad =
        rewrite(
            v1.zip(),
            Map.of(
                "metadata.json", json -> ((ObjectNode) json).put("outputName", "no_such_output")),
            null);
    assertThatThrownBy(() -> source(Map.of()).load(bad.toUri().toString(), Sha256.of(bad), 1))
        .isInstanceOfSatisfying(
            ModelSource.ModelRejected.class, e -> assertThat(e.getMessage()).contains("signature"));
  }

  @Test
  void labelsThePolicyDoesNotCoverAreRejected() {
    assertThatThrownBy(
            () ->
                source(Map.of("policy.threshold.refunds", "0.9"))
                    .load(v1.uri().toString(), v1.sha256(), 1))
        .isInstanceOfSatisfying(
            ModelSource.ModelRejected.class,
            e -> {
              assertThat(e.category()).isEqualTo("labels");
              assertThat(e.getMessage()).contains("refunds");
            });
  }

  @Test
  void anArtifactOfAnotherVersionThanDeployedIsRejected() {
    assertThatThrownBy(() -> source(Map.of()).load(v1.uri().toString(), v1.sha256(), 7))
        .isInstanceOfSatisfying(
            ModelSource.ModelRejected.class, e -> assertThat(e.category()).isEqualTo("version"));
  }

  /** A copy of {@code zip} with JSON entries edited and optionally one extra (evil) entry. */
  private Path rewrite(Path zip, Map<String, UnaryOperator<JsonNode>> edits, String extraEntry)
      throws IOException {
    Path out = Files.createTempDirectory(work.getParent(), "bad").resolve("bad.zip");
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (ZipFile zf = new ZipFile(zip.toFile())) {
      for (ZipEntry e : java.util.Collections.list(zf.entries())) {
        try (InputStream in = zf.getInputStream(e)) {
          byte[] b = in.readAllBytes();
          UnaryOperator<JsonNode> edit = edits.get(e.getName());
          if (edit != null) {
            b = JSON.writeValueAsBytes(edit.apply(JSON.readTree(b)));
          }
          entries.put(e.getName(), b);
        }
      }
    }
    if (extraEntry != null) {
      entries.put(extraEntry, "gotcha".getBytes(StandardCharsets.UTF_8));
    }
    try (ZipOutputStream zos = new ZipOutputStream(Files.newOutputStream(out))) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        zos.putNextEntry(new ZipEntry(e.getKey()));
        zos.write(e.getValue());
        zos.closeEntry();
      }
    }
    return out;
  }
}
