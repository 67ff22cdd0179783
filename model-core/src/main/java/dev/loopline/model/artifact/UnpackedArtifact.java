package dev.loopline.model.artifact;

import java.nio.file.Path;
import java.util.List;

/**
 * An artifact verified and unpacked into its own directory (DJL caches models by path, so each
 * version gets a fresh one).
 *
 * @param dir the directory the zip was unpacked into
 * @param savedModelDir the TensorFlow SavedModel directory inside it
 */
public record UnpackedArtifact(
    Path dir, Path savedModelDir, ModelMetadata metadata, List<CanaryCase> canaries) {}
