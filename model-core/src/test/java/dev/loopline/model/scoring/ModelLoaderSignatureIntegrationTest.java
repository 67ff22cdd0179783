package dev.loopline.model.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loopline.model.artifact.ArtifactSignature;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ModelLoader} with a signing key configured, on a real trained artifact and real
 * TensorFlow: a signed artifact loads; a tampered signature, a signature by another key, a missing
 * signature and a re-signed digest of other bytes are all refused before anything is unpacked.
 */
@Tag("integration")
class ModelLoaderSignatureIntegrationTest {

  @TempDir static Path shared;
  static TrainedArtifacts trained;
  static Path zip;
  static String sha;
  static KeyPair publisher;
  static KeyPair stranger;

  @TempDir Path work;

  @BeforeAll
  static void train() throws Exception {
    trained = new TrainedArtifacts("logreg", 400);
    zip = shared.resolve("tickets-1.zip");
    sha = trained.write(zip, 1);
    publisher = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    stranger = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
  }

  @AfterAll
  static void close() {
    trained.model.close();
  }

  @Test
  void aSignedArtifactLoads() {
    byte[] sig = ArtifactSignature.sign(publisher.getPrivate(), sha);
    try (Scorer s =
        ModelLoader.load(
            zip, sha, work, null, ModelLoader.CANARY_TOLERANCE, publisher.getPublic(), sig)) {
      assertThat(s.metadata().version()).isEqualTo(1);
    }
  }

  @Test
  void withoutAKeyConfiguredAnUnsignedArtifactStillLoads() {
    try (Scorer s =
        ModelLoader.load(zip, sha, work, null, ModelLoader.CANARY_TOLERANCE, null, null)) {
      assertThat(s.metadata().version()).isEqualTo(1);
    }
  }

  @Test
  void aTamperedSignatureIsRejected() throws Exception {
    byte[] raw =
        Base64.getDecoder()
            .decode(
                new String(
                        ArtifactSignature.sign(publisher.getPrivate(), sha),
                        StandardCharsets.US_ASCII)
                    .strip());
    raw[0] ^= 0x40;
    assertRejected(Base64.getEncoder().encode(raw), "artifact signature invalid");
  }

  @Test
  void aSignatureByAnotherKeyIsRejected() throws Exception {
    assertRejected(
        ArtifactSignature.sign(stranger.getPrivate(), sha), "artifact signature invalid");
  }

  @Test
  void aMissingSignatureIsRejected() throws Exception {
    assertRejected(null, "artifact signature missing");
  }

  @Test
  void aTamperedArtifactWithItsOwnDigestSignedByAnotherKeyIsRejected() throws Exception {
    // An attacker rewrites the zip, computes its sha256 for the deployment record and signs it
    // with their own key: the sha256 check alone would pass, the signature check does not.
    Path evil = shared.resolve("evil.zip");
    Files.copy(zip, evil, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.write(evil, new byte[] {0}, java.nio.file.StandardOpenOption.APPEND);
    String evilSha = dev.loopline.model.store.Sha256.of(evil);
    byte[] sig = ArtifactSignature.sign(stranger.getPrivate(), evilSha);
    assertThatThrownBy(
            () ->
                ModelLoader.load(
                    evil,
                    evilSha,
                    work,
                    null,
                    ModelLoader.CANARY_TOLERANCE,
                    publisher.getPublic(),
                    sig))
        .isInstanceOf(ModelRejectedException.class)
        .hasMessageStartingWith("artifact signature invalid");
    // The publisher's signature of the original does not cover the rewritten bytes either.
    byte[] good = ArtifactSignature.sign(publisher.getPrivate(), sha);
    assertThatThrownBy(
            () ->
                ModelLoader.load(
                    evil,
                    evilSha,
                    work,
                    null,
                    ModelLoader.CANARY_TOLERANCE,
                    publisher.getPublic(),
                    good))
        .isInstanceOf(ModelRejectedException.class)
        .hasMessageStartingWith("artifact signature invalid");
    assertNothingUnpacked();
  }

  private void assertRejected(byte[] sig, String reason) throws Exception {
    assertThatThrownBy(
            () ->
                ModelLoader.load(
                    zip, sha, work, null, ModelLoader.CANARY_TOLERANCE, publisher.getPublic(), sig))
        .isInstanceOf(ModelRejectedException.class)
        .hasMessageStartingWith(reason);
    assertNothingUnpacked();
  }

  private void assertNothingUnpacked() throws Exception {
    if (Files.exists(work)) {
      try (Stream<Path> s = Files.list(work)) {
        assertThat(s).as("nothing unpacked for a rejected signature").isEmpty();
      }
    }
  }
}
