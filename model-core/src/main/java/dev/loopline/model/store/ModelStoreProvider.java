package dev.loopline.model.store;

import java.net.URI;

/**
 * Service-provider hook for stores other than {@code file:} (e.g. {@code s3:}): list the
 * implementation in {@code META-INF/services/dev.loopline.model.store.ModelStoreProvider} and
 * {@link ModelStores#forUri} finds it, so model-core never depends on a cloud SDK.
 */
public interface ModelStoreProvider {

  /** Whether this provider handles URIs of {@code scheme} (lower case, e.g. {@code "s3"}). */
  boolean supports(String scheme);

  /** A store rooted at {@code baseUri}. */
  ModelStore create(URI baseUri);
}
