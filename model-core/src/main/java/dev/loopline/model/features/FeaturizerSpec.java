package dev.loopline.model.features;

import java.util.List;

/**
 * Everything that determines the featurizer's output, as data: it is serialized into every model
 * artifact, and its fingerprint is checked when a model is loaded, so training, serving and
 * backtest can never disagree on features.
 *
 * @param hashBits features are hashed into {@code 2^hashBits} buckets
 * @param wordNgramMax word n-grams 1..wordNgramMax
 * @param charNgramMin smallest char n-gram (0 disables char n-grams)
 * @param charNgramMax largest char n-gram
 * @param maxTextChars text beyond this many chars (after normalization) is ignored
 * @param attributeKeys attributes hashed into their own namespace (empty: all attributes)
 * @param seed hash seed
 * @param sublinearTf 1 + log(count) instead of raw counts
 * @param l2Normalize scale each vector to unit L2 norm
 */
public record FeaturizerSpec(
    int version,
    int hashBits,
    int wordNgramMax,
    int charNgramMin,
    int charNgramMax,
    int maxTextChars,
    List<String> attributeKeys,
    int seed,
    boolean sublinearTf,
    boolean l2Normalize) {

  /** The default spec: 2^18 buckets, word 1-2 grams, char 3-5 grams, sublinear tf, L2 norm. */
  public static FeaturizerSpec defaults() {
    return new FeaturizerSpec(1, 18, 2, 3, 5, 20_000, List.of(), 0x10091, true, true);
  }

  public int dimension() {
    return 1 << hashBits;
  }
}
