package dev.loopline.model.artifact;

import dev.loopline.model.features.Featurizer;
import dev.loopline.model.features.FeaturizerSpecs;
import dev.loopline.model.store.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Verifies and unpacks an artifact zip into a fresh directory. Order matters: the sha256 is checked
 * before the zip is parsed at all; then every entry name is checked (no absolute paths, no {@code
 * ..}, no backslashes, no duplicates, no symlinks) before anything is written; sizes are enforced
 * on the bytes actually inflated. A failure deletes what was written and throws {@link
 * ArtifactException} with a one-line reason.
 */
public final class ArtifactReader {

  private ArtifactReader() {}

  /** {@link #unpack(Path, String, Path, ArtifactLimits)} with {@link ArtifactLimits#defaults()}. */
  public static UnpackedArtifact unpack(Path zip, String expectedSha256OrNull, Path freshDir) {
    return unpack(zip, expectedSha256OrNull, freshDir, ArtifactLimits.defaults());
  }

  /**
   * Unpacks {@code zip} into {@code freshDir} (which must not exist or be empty).
   *
   * @param expectedSha256OrNull hex digest to verify first (case-insensitive); null skips the check
   * @throws ArtifactException on any problem; nothing is left in {@code freshDir} then
   */
  public static UnpackedArtifact unpack(
      Path zip, String expectedSha256OrNull, Path freshDir, ArtifactLimits limits) {
    if (!Files.isRegularFile(zip)) {
      throw new ArtifactException("artifact not found: " + zip);
    }
    if (expectedSha256OrNull != null) {
      String actual;
      try {
        actual = Sha256.of(zip);
      } catch (UncheckedIOException e) {
        throw new ArtifactException("cannot read artifact " + zip + ": " + e.getMessage(), e);
      }
      if (!actual.equalsIgnoreCase(expectedSha256OrNull.trim())) {
        throw new ArtifactException(
            "sha256 mismatch for "
                + zip.getFileName()
                + ": expected "
                + expectedSha256OrNull.trim().toLowerCase(Locale.ROOT)
                + ", got "
                + actual);
      }
    }
    Path dir = freshDir.toAbsolutePath().normalize();
    boolean created = prepare(dir);
    try {
      checkEntries(zip, limits);
      extract(zip, dir, limits);
      return load(dir);
    } catch (ArtifactException e) {
      cleanup(dir, created);
      throw e;
    } catch (IOException | RuntimeException e) {
      cleanup(dir, created);
      throw new ArtifactException("cannot unpack " + zip.getFileName() + ": " + e, e);
    }
  }

  /**
   * Reads and checks an already unpacked artifact directory: metadata valid, fingerprint equal to
   * what this featurizer code computes for the spec, canaries one probability per label.
   */
  public static UnpackedArtifact load(Path dir) {
    Path metaFile = dir.resolve(ArtifactLayout.METADATA);
    Path savedModel = dir.resolve(ArtifactLayout.SAVED_MODEL_DIR);
    if (!Files.isRegularFile(metaFile, LinkOption.NOFOLLOW_LINKS)) {
      throw new ArtifactException("artifact has no " + ArtifactLayout.METADATA);
    }
    if (!Files.isRegularFile(
        savedModel.resolve(ArtifactLayout.SAVED_MODEL_PB), LinkOption.NOFOLLOW_LINKS)) {
      throw new ArtifactException(
          "artifact has no "
              + ArtifactLayout.SAVED_MODEL_DIR
              + "/"
              + ArtifactLayout.SAVED_MODEL_PB);
    }
    ModelMetadata metadata;
    List<CanaryCase> canaries = List.of();
    try {
      metadata = ModelMetadataJson.fromJson(Files.readString(metaFile, StandardCharsets.UTF_8));
      Path canaryFile = dir.resolve(ArtifactLayout.CANARIES);
      if (Files.isRegularFile(canaryFile, LinkOption.NOFOLLOW_LINKS)) {
        canaries = CanaryCases.fromJson(Files.readString(canaryFile, StandardCharsets.UTF_8));
        CanaryCases.validate(canaries, metadata.labels().size());
      }
    } catch (IllegalArgumentException e) {
      throw new ArtifactException("bad artifact: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new ArtifactException("cannot read artifact files in " + dir + ": " + e, e);
    }
    checkFingerprint(metadata);
    return new UnpackedArtifact(dir, savedModel, metadata, canaries);
  }

  /**
   * Refuses metadata whose recorded fingerprint differs from what this code computes for its spec:
   * the model was trained with different features than this JVM would produce.
   */
  public static void checkFingerprint(ModelMetadata metadata) {
    String expected = FeaturizerSpecs.fingerprint(metadata.featurizer());
    if (!expected.equals(metadata.featurizerFingerprint())) {
      throw new ArtifactException(
          "featurizer fingerprint mismatch for "
              + metadata.name()
              + " v"
              + metadata.version()
              + ": artifact has "
              + metadata.featurizerFingerprint()
              + ", this code ("
              + Featurizer.CODE_VERSION
              + ") computes "
              + expected);
    }
  }

  private static boolean prepare(Path dir) {
    try {
      if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
          throw new ArtifactException("unpack target is not a directory: " + dir);
        }
        try (Stream<Path> s = Files.list(dir)) {
          if (s.findAny().isPresent()) {
            throw new ArtifactException("unpack target is not empty: " + dir);
          }
        }
        return false;
      }
      Files.createDirectories(dir);
      return true;
    } catch (IOException e) {
      throw new ArtifactException("cannot create unpack directory " + dir + ": " + e, e);
    }
  }

  private static void checkEntries(Path zip, ArtifactLimits limits) throws IOException {
    List<ZipCentralDirectory.Entry> entries = ZipCentralDirectory.read(zip);
    if (entries.size() > limits.maxEntries()) {
      throw new ArtifactException(
          "too many zip entries: " + entries.size() + " > " + limits.maxEntries());
    }
    Set<String> seen = new HashSet<>();
    long declared = 0;
    for (ZipCentralDirectory.Entry e : entries) {
      checkName(e.name());
      if (e.symlink()) {
        throw new ArtifactException("symlink entry in artifact: " + e.name());
      }
      if (!seen.add(e.name())) {
        throw new ArtifactException("duplicate zip entry: " + e.name());
      }
      if (e.size() > limits.maxEntryBytes()) {
        throw new ArtifactException(
            "zip entry too large: " + e.name() + " (" + e.size() + " bytes)");
      }
      declared += e.size();
      if (declared > limits.maxTotalBytes()) {
        throw new ArtifactException("artifact too large: more than " + limits.maxTotalBytes());
      }
    }
  }

  /** Rejects absolute paths, drive letters, backslashes, NUL, empty, '.' and '..' segments. */
  static void checkName(String name) {
    if (name.isEmpty()) {
      throw new ArtifactException("empty zip entry name");
    }
    if (name.startsWith("/") || (name.length() > 1 && name.charAt(1) == ':')) {
      throw new ArtifactException("absolute path in zip entry: " + name);
    }
    if (name.indexOf('\\') >= 0 || name.indexOf('\0') >= 0) {
      throw new ArtifactException("illegal character in zip entry: " + printable(name));
    }
    String body = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
    for (String seg : body.split("/", -1)) {
      if (seg.equals("..")) {
        throw new ArtifactException("path traversal in zip entry: " + name);
      }
      if (seg.isEmpty() || seg.equals(".")) {
        throw new ArtifactException("malformed zip entry path: " + name);
      }
    }
  }

  private static String printable(String s) {
    return s.replace("\0", "\\0");
  }

  private static void extract(Path zip, Path dir, ArtifactLimits limits) throws IOException {
    long total = 0;
    byte[] buf = new byte[1 << 16];
    try (ZipFile zf = new ZipFile(zip.toFile(), StandardCharsets.UTF_8)) {
      Enumeration<? extends ZipEntry> en = zf.entries();
      while (en.hasMoreElements()) {
        ZipEntry e = en.nextElement();
        checkName(e.getName());
        Path target = dir.resolve(e.getName()).normalize();
        if (!target.startsWith(dir) || target.equals(dir)) {
          throw new ArtifactException("zip entry escapes the target directory: " + e.getName());
        }
        if (e.isDirectory()) {
          Files.createDirectories(target);
          continue;
        }
        Files.createDirectories(target.getParent());
        long written = 0;
        try (InputStream in = zf.getInputStream(e);
            OutputStream out =
                Files.newOutputStream(
                    target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
          int n;
          while ((n = in.read(buf)) > 0) {
            written += n;
            total += n;
            if (written > limits.maxEntryBytes()) {
              throw new ArtifactException(
                  "zip entry too large: " + e.getName() + " (over " + limits.maxEntryBytes() + ")");
            }
            if (total > limits.maxTotalBytes()) {
              throw new ArtifactException(
                  "artifact too large: more than " + limits.maxTotalBytes() + " bytes unpacked");
            }
            out.write(buf, 0, n);
          }
        }
      }
    } catch (ZipException e) {
      throw new ArtifactException("corrupt zip " + zip.getFileName() + ": " + e.getMessage(), e);
    }
  }

  private static void cleanup(Path dir, boolean created) {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder())
          .filter(p -> created || !p.equals(dir))
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException ignored) {
                  // best effort
                }
              });
    } catch (IOException ignored) {
      // best effort
    }
  }
}
