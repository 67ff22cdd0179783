package dev.loopline.model.artifact;

import dev.loopline.model.features.FeaturizerSpec;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The {@code metadata.json} of a model artifact: what the model is, what it expects as input, and
 * where it came from.
 *
 * @param inputKind {@code "sparse"} (indices/values/dense_shape) or {@code "dense"} ([batch, 2^N])
 * @param inputNames signature input names, e.g. {indices, values, dense_shape} or {features}
 * @param outputName signature output holding the probabilities
 * @param metrics flat metric name to value, e.g. {@code macroF1}, {@code accuracy}
 * @param trainer trainer settings and the device it ran on (e.g. {@code device=cpu})
 */
public record ModelMetadata(
    String name,
    int version,
    List<String> labels,
    FeaturizerSpec featurizer,
    String featurizerFingerprint,
    String inputKind,
    List<String> inputNames,
    String outputName,
    Instant createdAt,
    Integer parentVersion,
    long trainingExamples,
    Instant dataFrom,
    Instant dataTo,
    Map<String, Double> metrics,
    Map<String, String> trainer) {}
