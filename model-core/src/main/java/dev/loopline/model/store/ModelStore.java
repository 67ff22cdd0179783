package dev.loopline.model.store;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;

/**
 * Where artifact zips live, keyed by URI, so the retrain job, the scoring apps and backtest can run
 * on one laptop ({@code file://}) or a cluster (an object store provided by a plug-in) with the
 * same code. Versions are immutable: putting a different zip under an existing name and version
 * fails.
 */
public interface ModelStore {

  /**
   * Stores {@code zip} as version {@code version} of model {@code name} and returns its URI.
   * Storing the identical bytes again is a no-op returning the same URI.
   *
   * @throws IOException if the version exists with different content, or on I/O failure
   */
  URI put(String name, int version, Path zip) throws IOException;

  /**
   * Copies the artifact at {@code uri} into {@code localDir} (created if missing) and returns the
   * local file. The copy appears atomically: a reader never sees a partial file.
   */
  Path fetch(URI uri, Path localDir) throws IOException;
}
