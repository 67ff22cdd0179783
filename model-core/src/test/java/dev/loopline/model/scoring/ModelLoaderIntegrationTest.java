package dev.loopline.model.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loopline.model.artifact.ArtifactWriter;
import dev.loopline.model.artifact.CanaryCase;
import dev.loopline.model.artifact.ModelMetadata;
import dev.loopline.model.features.SparseVector;
import dev.loopline.model.store.Sha256;
import dev.loopline.model.train.ArtifactPackager;
import dev.loopline.model.train.SyntheticTickets;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;

/**
 * The hot-swap verification path on real artifacts and real TensorFlow: a good artifact loads and
 * serves the trainer's probabilities; every kind of bad artifact is refused with a clear reason and
 * leaves nothing behind.
 */
@Tag("integration")
class ModelLoaderIntegrationTest {
  @TempDir static Path shared;
  static TrainedArtifacts trained;
  static Path goodZip;
  static String goodSha;
  static Path savedModel;
  static ModelMetadata metadata;
  static List<CanaryCase> canaries;

  @TempDir Path tmp;

  @BeforeAll
  static void train() {
    trained = new TrainedArtifacts("logreg", 800);
    goodZip = shared.resolve("tickets-1.zip");
    goodSha = trained.write(goodZip, 1);
    savedModel = shared.resolve("saved_model");
    trained.model.exportSavedModel(savedModel);
    metadata =
        ArtifactPackager.metadata(
            trained.model,
            trained.spec,
            "tickets",
            1,
            TrainedArtifacts.CREATED,
            null,
            800,
            null,
            null,
            Map.of());
    float[][] expected = trained.model.predict(trained.canaryVectors());
    canaries = new ArrayList<>();
    for (int i = 0; i < expected.length; i++) {
      ArtifactPackager.CanaryInput in = trained.canaryInputs.get(i);
      canaries.add(new CanaryCase(in.text(), in.attributes(), expected[i]));
    }
  }

  @AfterAll
  static void close() {
    trained.model.close();
  }

  @Test
  void aGoodArtifactLoadsAndServesTheTrainersProbabilities() {
    Path work = tmp.resolve("work");
    Scorer scorer = ModelLoader.load(goodZip, goodSha, work, SyntheticTickets.LABELS);
    List<SparseVector> vectors = new ArrayList<>(trained.canaryVectors());
    for (SyntheticTickets.Ticket t : new SyntheticTickets(99).take(300)) {
      vectors.add(trained.featurizer.featurize(t.text(), t.attributes()));
    }
    float[][] want = trained.model.predict(vectors);
    float[][] got = scorer.predict(vectors);
    float[][] again = scorer.predict(vectors); // reused buffers give the same answer
    assertThat(got).isDeepEqualTo(want);
    assertThat(again).isDeepEqualTo(want);
    assertThat(scorer.predict(List.of())).isEmpty();
    List<SparseVector> empty = List.of(new SparseVector(new int[0], new float[0]));
    assertThat(scorer.predict(empty)).isDeepEqualTo(trained.model.predict(empty));
    assertThat(scorer.metadata().labels()).isEqualTo(SyntheticTickets.LABELS);
    assertThat(scorer.metadata().trainer()).containsEntry("device", "cpu");
    assertThat(list(work)).hasSize(1);

    scorer.close();
    scorer.close(); // idempotent
    assertThat(list(work)).as("unpacked directory removed on close").isEmpty();
    assertThatThrownBy(() -> scorer.predict(vectors)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void eachLoadUnpacksIntoItsOwnDirectory() {
    Path work = tmp.resolve("work");
    try (Scorer a = ModelLoader.load(goodZip, goodSha, work, null);
        Scorer b = ModelLoader.load(goodZip, goodSha, work, null)) {
      assertThat(list(work)).hasSize(2);
      assertThat(b.predict(trained.canaryVectors()))
          .isDeepEqualTo(a.predict(trained.canaryVectors()));
    }
  }

  @Test
  void wrongSha256IsRejected() {
    String wrong = "0".repeat(64);
    assertRejected(goodZip, wrong, null, "sha256 mismatch");
  }

  @Test
  void zipSlipIsRejected() throws IOException {
    Path zip = tmp.resolve("slip.zip");
    rewrite(goodZip, zip, "../evil.txt", "pwned".getBytes(StandardCharsets.UTF_8), true);
    assertRejected(zip, Sha256.of(zip), null, "evil.txt");
    assertThat(tmp.resolve("evil.txt")).doesNotExist();
  }

  @Test
  void aFingerprintThatThisFeaturizerDoesNotComputeIsRejected() throws IOException {
    String json = readEntry(goodZip, "metadata.json");
    String forged = json.replace(metadata.featurizerFingerprint(), "ab".repeat(32));
    assertThat(forged).isNotEqualTo(json);
    Path zip = tmp.resolve("fingerprint.zip");
    rewrite(goodZip, zip, "metadata.json", forged.getBytes(StandardCharsets.UTF_8), false);
    assertRejected(zip, Sha256.of(zip), null, "fingerprint mismatch");
  }

  @Test
  void unexpectedLabelsAreRejected() {
    List<String> other = new ArrayList<>(SyntheticTickets.LABELS);
    java.util.Collections.reverse(other);
    assertRejected(goodZip, goodSha, other, "labels");
  }

  @Test
  void aCanaryMismatchIsRejected() {
    List<CanaryCase> tampered = new ArrayList<>(canaries);
    float[] p = tampered.get(0).expected().clone();
    p[0] += 0.01f;
    p[1] -= 0.01f;
    tampered.set(0, new CanaryCase(tampered.get(0).text(), tampered.get(0).attributes(), p));
    Path zip = tmp.resolve("canary.zip");
    String sha = ArtifactWriter.write(savedModel, metadata, tampered, zip);
    assertRejected(zip, sha, null, "canary 0 mismatch on label billing");
  }

  @Test
  void aSavedModelWithoutTheServingSignatureIsRejected() throws IOException {
    Path dir = copyOf(savedModel, tmp.resolve("nosig"));
    SavedModel sm = SavedModel.parseFrom(Files.readAllBytes(dir.resolve("saved_model.pb")));
    MetaGraphDef.Builder mg = sm.getMetaGraphs(0).toBuilder();
    SignatureDef sig = mg.getSignatureDefOrThrow("serving_default");
    mg.removeSignatureDef("serving_default").putSignatureDef("other", sig);
    Files.write(
        dir.resolve("saved_model.pb"), sm.toBuilder().setMetaGraphs(0, mg).build().toByteArray());
    Path zip = tmp.resolve("nosig.zip");
    String sha = ArtifactWriter.write(dir, metadata, canaries, zip);
    assertRejected(zip, sha, null, "no signature serving_default");
  }

  @Test
  void aCorruptSavedModelIsRejected() throws IOException {
    Path dir = copyOf(savedModel, tmp.resolve("corrupt"));
    Files.write(
        dir.resolve("saved_model.pb"), "not a protobuf at all".getBytes(StandardCharsets.UTF_8));
    Path zip = tmp.resolve("corrupt.zip");
    String sha = ArtifactWriter.write(dir, metadata, canaries, zip);
    assertRejected(zip, sha, null, "SavedModel");
  }

  @Test
  void aSavedModelWithoutItsVariablesIsRejected() throws IOException {
    Path dir = copyOf(savedModel, tmp.resolve("novars"));
    try (Stream<Path> s = Files.list(dir.resolve("variables"))) {
      for (Path p : s.toList()) {
        Files.delete(p);
      }
    }
    Files.delete(dir.resolve("variables"));
    Path zip = tmp.resolve("novars.zip");
    String sha = ArtifactWriter.write(dir, metadata, canaries, zip);
    assertRejected(zip, sha, null, "prediction failed");
  }

  private void assertRejected(Path zip, String sha, List<String> labels, String reasonPart) {
    Path work = tmp.resolve("work");
    assertThatThrownBy(() -> ModelLoader.load(zip, sha, work, labels))
        .isInstanceOf(ModelRejectedException.class)
        .hasMessageContaining(reasonPart)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    assertThat(list(work)).as("nothing left unpacked").isEmpty();
  }

  private static List<Path> list(Path dir) {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Path copyOf(Path src, Path dst) throws IOException {
    try (Stream<Path> walk = Files.walk(src)) {
      for (Path p : walk.toList()) {
        Path target = dst.resolve(src.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
    return dst;
  }

  private static String readEntry(Path zip, String name) throws IOException {
    try (ZipFile z = new ZipFile(zip.toFile())) {
      try (InputStream in = z.getInputStream(z.getEntry(name))) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    }
  }

  /** Copies {@code src} to {@code dst}, replacing (or, with {@code add}, adding) one entry. */
  private static void rewrite(Path src, Path dst, String name, byte[] content, boolean add)
      throws IOException {
    try (ZipFile in = new ZipFile(src.toFile());
        OutputStream os = Files.newOutputStream(dst);
        ZipOutputStream out = new ZipOutputStream(os)) {
      Enumeration<? extends ZipEntry> entries = in.entries();
      while (entries.hasMoreElements()) {
        ZipEntry e = entries.nextElement();
        out.putNextEntry(new ZipEntry(e.getName()));
        if (!add && e.getName().equals(name)) {
          out.write(content);
        } else {
          try (InputStream is = in.getInputStream(e)) {
            is.transferTo(out);
          }
        }
        out.closeEntry();
      }
      if (add) {
        out.putNextEntry(new ZipEntry(name));
        out.write(content);
        out.closeEntry();
      }
    }
  }
}
