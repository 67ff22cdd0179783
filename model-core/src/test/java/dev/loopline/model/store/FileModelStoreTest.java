package dev.loopline.model.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileModelStoreTest {

  @TempDir Path tmp;

  private Path zip(String content) throws IOException {
    Path p = Files.createTempFile(tmp, "z", ".zip");
    Files.writeString(p, content);
    return p;
  }

  @Test
  void putsAndFetchesByUri() throws IOException {
    ModelStore store = ModelStores.forUri(tmp.resolve("store").toUri());
    URI uri = store.put("tickets", 4, zip("model bytes"));
    assertThat(uri.getScheme()).isEqualTo("file");
    assertThat(uri.getPath()).endsWith("/store/tickets/tickets-4.zip");
    Path local = store.fetch(uri, tmp.resolve("cache/v4"));
    assertThat(Files.readString(local)).isEqualTo("model bytes");
    assertThat(Sha256.of(local)).isEqualTo(Sha256.ofUtf8("model bytes"));
    assertThat(ModelStores.forUri(uri).fetch(uri, tmp.resolve("again"))).exists();
    try (var s = Files.list(tmp.resolve("store/tickets"))) {
      assertThat(s).as("no temp files left behind").hasSize(1);
    }
  }

  @Test
  void versionsAreImmutable() throws IOException {
    ModelStore store = ModelStores.forUri(tmp.resolve("s").toString());
    URI first = store.put("m", 1, zip("one"));
    assertThat(store.put("m", 1, zip("one"))).as("same bytes: idempotent").isEqualTo(first);
    assertThatThrownBy(() -> store.put("m", 1, zip("two")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("different content");
    assertThat(Files.readString(Path.of(first))).isEqualTo("one");
  }

  @Test
  void rejectsUnsafeNamesAndMissingArtifacts() throws IOException {
    ModelStore store = new FileModelStore(tmp);
    assertThatThrownBy(() -> store.put("../x", 1, zip("a")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.put("a/b", 1, zip("a")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.fetch(tmp.resolve("nope.zip").toUri(), tmp.resolve("d")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("no artifact");
    assertThatThrownBy(() -> store.fetch(URI.create("mem://x/y.zip"), tmp.resolve("d")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void otherSchemesComeFromServiceProviders() throws IOException {
    ModelStore mem = ModelStores.forUri("mem://bucket");
    assertThat(mem).isInstanceOf(InMemoryStoreProvider.Store.class);
    URI uri = mem.put("m", 2, zip("bytes"));
    assertThat(uri.toString()).isEqualTo("mem://bucket/m/m-2.zip");
    assertThat(Files.readString(mem.fetch(uri, tmp.resolve("f")))).isEqualTo("bytes");
    assertThatThrownBy(() -> ModelStores.forUri("s3://bucket/models"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no model store for scheme 's3:'");
  }

  @Test
  void sha256MatchesAKnownDigest() {
    assertThat(Sha256.ofUtf8("abc"))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }
}
