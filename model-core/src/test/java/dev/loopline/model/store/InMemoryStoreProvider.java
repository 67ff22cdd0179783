package dev.loopline.model.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A {@code mem:} store registered through META-INF/services, proving the plug-in path. */
public final class InMemoryStoreProvider implements ModelStoreProvider {

  @Override
  public boolean supports(String scheme) {
    return scheme.equals("mem");
  }

  @Override
  public ModelStore create(URI baseUri) {
    return new Store(baseUri);
  }

  static final class Store implements ModelStore {
    private static final Map<URI, byte[]> BLOBS = new ConcurrentHashMap<>();
    private final URI base;

    Store(URI base) {
      this.base = base;
    }

    @Override
    public URI put(String name, int version, Path zip) throws IOException {
      URI uri = URI.create(base + "/" + name + "/" + name + "-" + version + ".zip");
      BLOBS.put(uri, Files.readAllBytes(zip));
      return uri;
    }

    @Override
    public Path fetch(URI uri, Path localDir) throws IOException {
      byte[] b = BLOBS.get(uri);
      if (b == null) {
        throw new IOException("no artifact at " + uri);
      }
      Files.createDirectories(localDir);
      Path p = localDir.resolve(Path.of(uri.getPath()).getFileName().toString());
      try {
        Files.write(p, b);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return p;
    }
  }
}
