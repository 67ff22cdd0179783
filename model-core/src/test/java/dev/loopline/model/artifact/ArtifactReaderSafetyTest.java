package dev.loopline.model.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Hostile and broken zips: each must be refused with a one-line reason, leaving nothing behind. */
class ArtifactReaderSafetyTest {

  @TempDir Path tmp;

  private static Map<String, byte[]> valid() {
    Map<String, byte[]> m = new LinkedHashMap<>();
    m.put(
        "metadata.json",
        ModelMetadataJson.toJson(Artifacts.metadata()).getBytes(StandardCharsets.UTF_8));
    m.put("saved_model/saved_model.pb", new byte[] {1, 2, 3});
    return m;
  }

  private Path zip(Map<String, byte[]> entries) throws IOException {
    Path out = Files.createTempFile(tmp, "art", ".zip");
    try (OutputStream os = Files.newOutputStream(out);
        ZipOutputStream z = new ZipOutputStream(os)) {
      for (var e : entries.entrySet()) {
        z.putNextEntry(new ZipEntry(e.getKey()));
        z.write(e.getValue());
        z.closeEntry();
      }
    }
    return out;
  }

  private void assertRejected(Path zip, String reason) {
    assertRejected(zip, reason, ArtifactLimits.defaults());
  }

  private void assertRejected(Path zip, String reason, ArtifactLimits limits) {
    Path target = tmp.resolve("unpacked-" + zip.getFileName());
    assertThatThrownBy(() -> ArtifactReader.unpack(zip, null, target, limits))
        .isInstanceOf(ArtifactException.class)
        .hasMessageContaining(reason)
        .hasMessageNotContaining("\n");
    assertThat(target).doesNotExist();
    assertThat(tmp.resolve("evil.txt")).doesNotExist();
  }

  @Test
  void theValidBaselineUnpacks() throws IOException {
    UnpackedArtifact u = ArtifactReader.unpack(zip(valid()), null, tmp.resolve("ok"));
    assertThat(u.metadata().name()).isEqualTo("tickets");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "../evil.txt",
        "saved_model/../../evil.txt",
        "saved_model/..",
      })
  void rejectsZipSlip(String name) throws IOException {
    Map<String, byte[]> m = valid();
    m.put(name, "pwned".getBytes(StandardCharsets.UTF_8));
    assertRejected(zip(m), "path traversal");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/tmp/evil.txt", "C:/evil.txt", "c:evil.txt"})
  void rejectsAbsolutePaths(String name) throws IOException {
    Map<String, byte[]> m = valid();
    m.put(name, new byte[] {1});
    assertRejected(zip(m), "absolute path");
  }

  @ParameterizedTest
  @ValueSource(strings = {"..\\evil.txt", "saved_model\\x"})
  void rejectsBackslashes(String name) throws IOException {
    Map<String, byte[]> m = valid();
    m.put(name, new byte[] {1});
    assertRejected(zip(m), "illegal character");
  }

  @Test
  void rejectsSymlinkEntries() throws IOException {
    Map<String, byte[]> m = valid();
    m.put("saved_model/variables/link", "/etc/passwd".getBytes(StandardCharsets.UTF_8));
    Path z = zip(m);
    markSymlink(z, "saved_model/variables/link");
    assertRejected(z, "symlink entry");
  }

  @Test
  void rejectsOversizeEntriesAndTotals() throws IOException {
    Map<String, byte[]> m = valid();
    m.put("saved_model/variables/big", new byte[5000]);
    assertRejected(zip(m), "zip entry too large", new ArtifactLimits(1000, 1_000_000, 100));

    Map<String, byte[]> two = valid();
    two.put("saved_model/variables/a", new byte[80_000]);
    two.put("saved_model/variables/b", new byte[80_000]);
    assertRejected(zip(two), "artifact too large", new ArtifactLimits(100_000, 150_000, 100));
    assertRejected(zip(two), "too many zip entries", new ArtifactLimits(100_000, 1_000_000, 3));
  }

  @Test
  void rejectsMissingRequiredFiles() throws IOException {
    Map<String, byte[]> noPb = valid();
    noPb.remove("saved_model/saved_model.pb");
    assertRejected(zip(noPb), "saved_model/saved_model.pb");
    Map<String, byte[]> noMeta = valid();
    noMeta.remove("metadata.json");
    assertRejected(zip(noMeta), "metadata.json");
  }

  @Test
  void rejectsBadMetadataAndFingerprintMismatch() throws IOException {
    Map<String, byte[]> bad = valid();
    bad.put("metadata.json", "{\"name\": \"x\"".getBytes(StandardCharsets.UTF_8));
    assertRejected(zip(bad), "bad artifact");

    ModelMetadata m = Artifacts.metadata();
    String json = ModelMetadataJson.toJson(m).replace(m.featurizerFingerprint(), "0".repeat(64));
    Map<String, byte[]> other = valid();
    other.put("metadata.json", json.getBytes(StandardCharsets.UTF_8));
    assertRejected(zip(other), "featurizer fingerprint mismatch");
  }

  @Test
  void rejectsCanariesOfTheWrongWidth() throws IOException {
    Map<String, byte[]> m = valid();
    m.put(
        "canaries.json",
        "[{\"text\":\"x\",\"expected\":[0.5,0.5]}]".getBytes(StandardCharsets.UTF_8));
    assertRejected(zip(m), "canary 0");
  }

  @Test
  void rejectsSomethingThatIsNotAZip() throws IOException {
    Path notZip = tmp.resolve("junk.zip");
    Files.write(
        notZip, "this is not a zip file at all, just some text".getBytes(StandardCharsets.UTF_8));
    assertRejected(notZip, "not a zip");
    Path tiny = tmp.resolve("tiny.zip");
    Files.write(tiny, new byte[] {'P', 'K'});
    assertRejected(tiny, "too short");
    assertThatThrownBy(
            () -> ArtifactReader.unpack(tmp.resolve("missing.zip"), null, tmp.resolve("m")))
        .isInstanceOf(ArtifactException.class)
        .hasMessageContaining("not found");
  }

  /** Patches the central directory entry of {@code name}: made by Unix, mode lrwxrwxrwx. */
  private static void markSymlink(Path zip, String name) throws IOException {
    byte[] b = Files.readAllBytes(zip);
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i + 46 < b.length; i++) {
      if (buf.getInt(i) == 0x02014b50
          && Short.toUnsignedInt(buf.getShort(i + 28)) == n.length
          && ByteBuffer.wrap(b, i + 46, n.length).equals(ByteBuffer.wrap(n))) {
        buf.putShort(i + 4, (short) ((3 << 8) | 20));
        buf.putInt(i + 38, 0120777 << 16);
        Files.write(zip, b);
        return;
      }
    }
    throw new IllegalStateException("entry not found: " + name);
  }
}
