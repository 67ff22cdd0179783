package dev.loopline.model.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loopline.model.store.Sha256;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactRoundTripTest {

  @TempDir Path tmp;

  @Test
  void writesADeterministicZipAndReadsItBack() throws Exception {
    Path sm = Artifacts.savedModel(tmp.resolve("sm"));
    Path zip1 = tmp.resolve("out/a.zip");
    Path zip2 = tmp.resolve("out/b.zip");
    String sha1 = ArtifactWriter.write(sm, Artifacts.metadata(), Artifacts.canaries(), zip1);
    // touch the files: modification times must not leak into the zip
    Files.setLastModifiedTime(
        sm.resolve("saved_model.pb"), java.nio.file.attribute.FileTime.fromMillis(0));
    String sha2 = ArtifactWriter.write(sm, Artifacts.metadata(), Artifacts.canaries(), zip2);
    assertThat(sha1).isEqualTo(sha2).isEqualTo(Sha256.of(zip1)).hasSize(64);
    assertThat(Files.readAllBytes(zip1)).isEqualTo(Files.readAllBytes(zip2));

    List<String> names = new ArrayList<>();
    try (ZipFile zf = new ZipFile(zip1.toFile())) {
      zf.stream().forEach(e -> names.add(e.getName()));
    }
    List<String> sorted = new ArrayList<>(names);
    Collections.sort(sorted);
    assertThat(names)
        .isEqualTo(sorted)
        .containsExactly(
            "canaries.json",
            "metadata.json",
            "saved_model/",
            "saved_model/assets/",
            "saved_model/saved_model.pb",
            "saved_model/variables/",
            "saved_model/variables/variables.data-00000-of-00001",
            "saved_model/variables/variables.index");

    UnpackedArtifact u = ArtifactReader.unpack(zip1, sha1.toUpperCase(), tmp.resolve("v3"));
    assertThat(u.metadata()).isEqualTo(Artifacts.metadata());
    assertThat(u.savedModelDir()).isEqualTo(tmp.resolve("v3/saved_model").toAbsolutePath());
    assertThat(
            Files.readAllBytes(
                u.savedModelDir().resolve("variables/variables.data-00000-of-00001")))
        .isEqualTo(Files.readAllBytes(sm.resolve("variables/variables.data-00000-of-00001")));
    assertThat(u.savedModelDir().resolve("assets")).isEmptyDirectory();
    assertThat(u.canaries()).hasSize(2);
    assertThat(u.canaries().get(0).text()).isEqualTo("charged twice");
    assertThat(u.canaries().get(0).attributes()).containsEntry("channel", "email");
    assertThat(u.canaries().get(1).expected()).containsExactly(0.1f, 0.8f, 0.1f);
  }

  @Test
  void unpackWithoutExpectedShaStillChecksEverythingElse() throws Exception {
    Path zip = tmp.resolve("a.zip");
    ArtifactWriter.write(
        Artifacts.savedModel(tmp.resolve("sm")), Artifacts.metadata(), List.of(), zip);
    UnpackedArtifact u = ArtifactReader.unpack(zip, null, tmp.resolve("fresh"));
    assertThat(u.canaries()).isEmpty();
  }

  @Test
  void rejectsAWrongSha256BeforeTouchingTheDisk() throws Exception {
    Path zip = tmp.resolve("a.zip");
    ArtifactWriter.write(
        Artifacts.savedModel(tmp.resolve("sm")), Artifacts.metadata(), Artifacts.canaries(), zip);
    Path target = tmp.resolve("never");
    assertThatThrownBy(() -> ArtifactReader.unpack(zip, "00".repeat(32), target))
        .isInstanceOf(ArtifactException.class)
        .hasMessageStartingWith("sha256 mismatch")
        .hasMessageNotContaining("\n");
    assertThat(target).doesNotExist();
  }

  @Test
  void refusesATargetThatIsNotEmpty() throws Exception {
    Path zip = tmp.resolve("a.zip");
    ArtifactWriter.write(
        Artifacts.savedModel(tmp.resolve("sm")), Artifacts.metadata(), Artifacts.canaries(), zip);
    Path target = Files.createDirectories(tmp.resolve("used"));
    Files.writeString(target.resolve("old"), "x");
    assertThatThrownBy(() -> ArtifactReader.unpack(zip, null, target))
        .isInstanceOf(ArtifactException.class)
        .hasMessageContaining("not empty");
    assertThat(target.resolve("old")).exists();
  }

  @Test
  void writerRefusesBadInputs() throws Exception {
    Path sm = Artifacts.savedModel(tmp.resolve("sm"));
    ModelMetadata m = Artifacts.metadata();
    ModelMetadata wrongFingerprint =
        new ModelMetadata(
            m.name(),
            m.version(),
            m.labels(),
            m.featurizer(),
            "abc",
            m.inputKind(),
            m.inputNames(),
            m.outputName(),
            m.createdAt(),
            m.parentVersion(),
            m.trainingExamples(),
            m.dataFrom(),
            m.dataTo(),
            m.metrics(),
            m.trainer());
    assertThatThrownBy(
            () -> ArtifactWriter.write(sm, wrongFingerprint, List.of(), tmp.resolve("x.zip")))
        .isInstanceOf(ArtifactException.class)
        .hasMessageContaining("fingerprint");
    List<CanaryCase> narrow = List.of(new CanaryCase("t", null, new float[] {1f}));
    assertThatThrownBy(() -> ArtifactWriter.write(sm, m, narrow, tmp.resolve("x.zip")))
        .isInstanceOf(ArtifactException.class)
        .hasMessageContaining("canary 0");
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    assertThatThrownBy(() -> ArtifactWriter.write(empty, m, List.of(), tmp.resolve("x.zip")))
        .isInstanceOf(ArtifactException.class)
        .hasMessageContaining("saved_model.pb");
    Files.createSymbolicLink(sm.resolve("variables/link"), Path.of("/etc/hostname"));
    assertThatThrownBy(() -> ArtifactWriter.write(sm, m, List.of(), tmp.resolve("x.zip")))
        .isInstanceOf(ArtifactException.class)
        .hasMessageContaining("symlink");
    assertThat(tmp.resolve("x.zip")).doesNotExist();
  }
}
