package dev.loopline.model.artifact;

import dev.loopline.model.features.FeaturizerSpecs;
import dev.loopline.model.store.AtomicFiles;
import dev.loopline.model.store.Sha256;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a model artifact zip: {@code saved_model/**} (directories included, so empty ones such as
 * {@code assets/} survive), {@code metadata.json} and {@code canaries.json}. The zip is
 * deterministic (entries sorted by name, one fixed timestamp, no extra attributes), so the same
 * inputs give the same bytes and the same sha256 on one JDK.
 */
public final class ArtifactWriter {

  /** The timestamp of every entry: DOS time, so no time zone enters the bytes. */
  static final LocalDateTime ENTRY_TIME = LocalDateTime.of(2000, 1, 1, 0, 0);

  private static final Object DIRECTORY = new Object();

  private ArtifactWriter() {}

  /**
   * Writes the artifact and returns its sha256 (hex). {@code zipOut} is replaced atomically.
   *
   * @throws ArtifactException if the inputs are invalid (no saved_model.pb, a symlink in the
   *     SavedModel, bad metadata, a fingerprint that does not match the spec, canaries of the wrong
   *     width) or writing fails
   */
  public static String write(
      Path savedModelDir, ModelMetadata metadata, List<CanaryCase> canaries, Path zipOut) {
    String metadataJson;
    String canariesJson;
    if (canaries == null) {
      canaries = List.of();
    }
    try {
      metadataJson = ModelMetadataJson.toJson(metadata);
      CanaryCases.validate(canaries, metadata.labels().size());
      canariesJson = CanaryCases.toJson(canaries);
    } catch (IllegalArgumentException e) {
      throw new ArtifactException("cannot write artifact: " + e.getMessage(), e);
    }
    String expected = FeaturizerSpecs.fingerprint(metadata.featurizer());
    if (!expected.equals(metadata.featurizerFingerprint())) {
      throw new ArtifactException(
          "cannot write artifact: featurizerFingerprint "
              + metadata.featurizerFingerprint()
              + " does not match the spec's fingerprint "
              + expected);
    }
    if (!Files.isRegularFile(
        savedModelDir.resolve(ArtifactLayout.SAVED_MODEL_PB), LinkOption.NOFOLLOW_LINKS)) {
      throw new ArtifactException(
          "cannot write artifact: no " + ArtifactLayout.SAVED_MODEL_PB + " in " + savedModelDir);
    }
    TreeMap<String, Object> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(savedModelDir)) {
      List<Path> all = new ArrayList<>();
      walk.forEach(all::add);
      for (Path p : all) {
        if (Files.isSymbolicLink(p)) {
          throw new ArtifactException("cannot write artifact: symlink in SavedModel: " + p);
        }
        StringBuilder name = new StringBuilder(ArtifactLayout.SAVED_MODEL_DIR);
        if (!p.equals(savedModelDir)) {
          for (Path part : savedModelDir.relativize(p)) {
            name.append('/').append(part.toString());
          }
        }
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          files.put(name.toString(), p);
        } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          files.put(name.append('/').toString(), DIRECTORY); // keeps empty directories
        }
      }
    } catch (IOException e) {
      throw new ArtifactException("cannot read SavedModel " + savedModelDir + ": " + e, e);
    }
    TreeMap<String, Object> entries = new TreeMap<>(files);
    entries.put(ArtifactLayout.METADATA, metadataJson.getBytes(StandardCharsets.UTF_8));
    entries.put(ArtifactLayout.CANARIES, canariesJson.getBytes(StandardCharsets.UTF_8));

    Path target = zipOut.toAbsolutePath();
    Path tmp = null;
    try {
      Files.createDirectories(target.getParent());
      tmp = Files.createTempFile(target.getParent(), ".artifact-", ".tmp");
      try (OutputStream os = Files.newOutputStream(tmp);
          ZipOutputStream zip = new ZipOutputStream(os, StandardCharsets.UTF_8)) {
        for (var e : entries.entrySet()) {
          ZipEntry ze = new ZipEntry(e.getKey());
          ze.setTimeLocal(ENTRY_TIME);
          zip.putNextEntry(ze);
          if (e.getValue() instanceof byte[] bytes) {
            zip.write(bytes);
          } else if (e.getValue() instanceof Path file) {
            Files.copy(file, zip);
          }
          zip.closeEntry();
        }
      }
      String sha = Sha256.of(tmp);
      AtomicFiles.replace(tmp, target);
      return sha;
    } catch (IOException e) {
      throw new ArtifactException("cannot write artifact " + zipOut + ": " + e, e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // best effort
        }
      }
    }
  }
}
