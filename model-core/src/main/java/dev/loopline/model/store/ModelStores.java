package dev.loopline.model.store;

import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Picks the {@link ModelStore} for a URI: {@code file:} (or a plain path) is built in, any other
 * scheme comes from a {@link ModelStoreProvider} on the class path.
 */
public final class ModelStores {

  private ModelStores() {}

  /**
   * The store for {@code baseUri}. A URI without a scheme is a local path.
   *
   * @throws IllegalArgumentException if no provider handles the scheme
   */
  public static ModelStore forUri(URI baseUri) {
    String scheme = baseUri.getScheme();
    if (scheme == null) {
      return new FileModelStore(Path.of(baseUri.getPath()));
    }
    String s = scheme.toLowerCase(Locale.ROOT);
    if (s.equals("file")) {
      return new FileModelStore(Path.of(baseUri));
    }
    for (ModelStoreProvider p : ServiceLoader.load(ModelStoreProvider.class)) {
      if (p.supports(s)) {
        return p.create(baseUri);
      }
    }
    throw new IllegalArgumentException(
        "no model store for scheme '"
            + s
            + ":' (built in: file:; add a ModelStoreProvider to the class path for others)");
  }

  /** Convenience: {@link #forUri(URI)} of a string such as {@code file:///var/models}. */
  public static ModelStore forUri(String baseUri) {
    return forUri(URI.create(baseUri));
  }
}
