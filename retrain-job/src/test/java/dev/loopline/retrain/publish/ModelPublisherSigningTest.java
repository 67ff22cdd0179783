package dev.loopline.retrain.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loopline.config.LooplineConfig;
import dev.loopline.model.artifact.ArtifactSignature;
import dev.loopline.model.store.FileModelStore;
import dev.loopline.model.store.Sha256;
import dev.loopline.topics.Topics;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Steps 1-2 of publishing with and without {@code model.signing.private.key}: the detached
 * signature lands beside the stored artifact and verifies with the matching public key; a key that
 * cannot be read stops the publication before anything is stored.
 */
class ModelPublisherSigningTest {

  @TempDir Path dir;
  KeyPair pair;
  Path zip;
  String sha;
  FileModelStore store;

  @BeforeEach
  void setUp() throws Exception {
    pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    zip = Files.write(dir.resolve("trained.zip"), "not really a zip, bytes are bytes".getBytes());
    sha = Sha256.of(zip);
    store = new FileModelStore(dir.resolve("store"));
  }

  @Test
  void withAKeyTheStoredArtifactIsSigned() throws Exception {
    Path key =
        Files.writeString(dir.resolve("signing.pem"), ArtifactSignature.toPem(pair.getPrivate()));
    ModelPublisher p = publisher(Map.of(ArtifactSignature.PRIVATE_KEY, key.toString()));
    URI uri = p.storeVerified(store, "tickets", 4, zip, sha, dir.resolve("scratch"));
    Path stored = Path.of(uri);
    Path sig = ArtifactSignature.sidecar(stored);
    assertThat(sig).exists().hasFileName("tickets-4.zip.sig");
    ArtifactSignature.verify(pair.getPublic(), Sha256.of(stored), Files.readAllBytes(sig));
  }

  @Test
  void withoutAKeyNothingIsSigned() throws Exception {
    URI uri =
        publisher(Map.of()).storeVerified(store, "tickets", 4, zip, sha, dir.resolve("scratch"));
    assertThat(ArtifactSignature.sidecar(Path.of(uri))).doesNotExist();
  }

  @Test
  void anUnreadableKeyStopsThePublicationBeforeTheStore() {
    ModelPublisher p =
        publisher(Map.of(ArtifactSignature.PRIVATE_KEY, dir.resolve("absent.pem").toString()));
    assertThatThrownBy(() -> p.storeVerified(store, "tickets", 4, zip, sha, dir.resolve("scratch")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(ArtifactSignature.PRIVATE_KEY)
        .hasMessageContaining("absent.pem");
    assertThat(dir.resolve("store/tickets/tickets-4.zip")).doesNotExist();
  }

  private static ModelPublisher publisher(Map<String, String> settings) {
    LooplineConfig c = LooplineConfig.of(settings);
    return new ModelPublisher(c, Topics.from(c));
  }
}
