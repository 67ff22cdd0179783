package dev.loopline.model.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ed25519 detached artifact signatures: sign, verify, every way a check must fail, key files. */
class ArtifactSignatureTest {

  private static final String SHA = "a".repeat(64);
  private static final String OTHER_SHA = "b".repeat(64);

  static KeyPair pair;
  static KeyPair other;

  @TempDir Path dir;

  @BeforeAll
  static void keys() throws Exception {
    pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
  }

  @Test
  void aSignatureVerifiesWithItsKeyAndDigest() {
    byte[] sig = ArtifactSignature.sign(pair.getPrivate(), SHA);
    assertThat(new String(sig, StandardCharsets.US_ASCII)).endsWith("\n");
    assertThat(Base64.getDecoder().decode(new String(sig, StandardCharsets.US_ASCII).strip()))
        .hasSize(64);
    ArtifactSignature.verify(pair.getPublic(), SHA, sig);
    // Upper-case hex is the same digest.
    ArtifactSignature.verify(pair.getPublic(), SHA.toUpperCase(), sig);
  }

  @Test
  void anotherArtifactsDigestIsRejected() {
    byte[] sig = ArtifactSignature.sign(pair.getPrivate(), SHA);
    assertThatThrownBy(() -> ArtifactSignature.verify(pair.getPublic(), OTHER_SHA, sig))
        .isInstanceOf(ArtifactException.class)
        .hasMessageStartingWith("artifact signature invalid");
  }

  @Test
  void aSignatureByAnotherKeyIsRejected() {
    byte[] sig = ArtifactSignature.sign(other.getPrivate(), SHA);
    assertThatThrownBy(() -> ArtifactSignature.verify(pair.getPublic(), SHA, sig))
        .isInstanceOf(ArtifactException.class)
        .hasMessageStartingWith("artifact signature invalid");
  }

  @Test
  void aTamperedSignatureIsRejected() {
    byte[] raw =
        Base64.getDecoder()
            .decode(
                new String(
                        ArtifactSignature.sign(pair.getPrivate(), SHA), StandardCharsets.US_ASCII)
                    .strip());
    raw[10] ^= 0x01;
    byte[] tampered = Base64.getEncoder().encode(raw);
    assertThatThrownBy(() -> ArtifactSignature.verify(pair.getPublic(), SHA, tampered))
        .isInstanceOf(ArtifactException.class)
        .hasMessageStartingWith("artifact signature invalid");
  }

  /** Whatever byte is flipped (in R, which may then not decode, or in S): "invalid". */
  @Test
  void everySingleBitFlipIsRejectedAsInvalid() {
    byte[] good =
        Base64.getDecoder()
            .decode(
                new String(
                        ArtifactSignature.sign(pair.getPrivate(), SHA), StandardCharsets.US_ASCII)
                    .strip());
    for (int i = 0; i < good.length; i++) {
      for (int bit : new int[] {0, 7}) {
        byte[] raw = good.clone();
        raw[i] ^= (byte) (1 << bit);
        byte[] tampered = Base64.getEncoder().encode(raw);
        assertThatThrownBy(() -> ArtifactSignature.verify(pair.getPublic(), SHA, tampered))
            .as("byte %d bit %d", i, bit)
            .isInstanceOf(ArtifactException.class)
            .hasMessageStartingWith("artifact signature invalid");
      }
    }
  }

  @Test
  void aMissingOrMalformedSignatureIsRejected() {
    assertThatThrownBy(() -> ArtifactSignature.verify(pair.getPublic(), SHA, null))
        .isInstanceOf(ArtifactException.class)
        .hasMessageStartingWith("artifact signature missing")
        .hasMessageContaining(ArtifactSignature.PUBLIC_KEY);
    assertThatThrownBy(
            () ->
                ArtifactSignature.verify(
                    pair.getPublic(), SHA, "not base64!".getBytes(StandardCharsets.US_ASCII)))
        .hasMessageStartingWith("artifact signature malformed");
    assertThatThrownBy(
            () ->
                ArtifactSignature.verify(
                    pair.getPublic(), SHA, Base64.getEncoder().encode(new byte[32])))
        .hasMessageStartingWith("artifact signature malformed")
        .hasMessageContaining("32 bytes");
    assertThatThrownBy(() -> ArtifactSignature.verify(pair.getPublic(), SHA, new byte[0]))
        .hasMessageStartingWith("artifact signature malformed");
  }

  @Test
  void onlyHexDigestsAreSigned() {
    assertThatThrownBy(() -> ArtifactSignature.sign(pair.getPrivate(), "abc"))
        .isInstanceOf(ArtifactException.class)
        .hasMessageContaining("not a sha256");
  }

  @Test
  void pemKeysRoundTripThroughConfig() throws IOException {
    Path priv = dir.resolve("signing.pem");
    Path pub = dir.resolve("signing.pub.pem");
    Files.writeString(priv, ArtifactSignature.toPem(pair.getPrivate()));
    Files.writeString(pub, ArtifactSignature.toPem(pair.getPublic()));
    PrivateKey p =
        ArtifactSignature.privateKeyFromConfig(
            Map.of(ArtifactSignature.PRIVATE_KEY, priv.toString()));
    PublicKey q =
        ArtifactSignature.publicKeyFromConfig(Map.of(ArtifactSignature.PUBLIC_KEY, pub.toString()));
    ArtifactSignature.verify(q, SHA, ArtifactSignature.sign(p, SHA));
    assertThat(ArtifactSignature.publicKeyFromConfig(Map.of())).isNull();
    assertThat(ArtifactSignature.privateKeyFromConfig(Map.of(ArtifactSignature.PRIVATE_KEY, " ")))
        .isNull();
  }

  @Test
  void aConfiguredKeyThatCannotBeReadFailsInsteadOfDisablingTheCheck() throws IOException {
    assertThatThrownBy(
            () ->
                ArtifactSignature.publicKeyFromConfig(
                    Map.of(ArtifactSignature.PUBLIC_KEY, dir.resolve("absent.pem").toString())))
        .isInstanceOf(ArtifactException.class)
        .hasMessageContaining("cannot read key file");
    Path swapped = dir.resolve("private-as-public.pem");
    Files.writeString(swapped, ArtifactSignature.toPem(pair.getPrivate()));
    assertThatThrownBy(
            () ->
                ArtifactSignature.publicKeyFromConfig(
                    Map.of(ArtifactSignature.PUBLIC_KEY, swapped.toString())))
        .isInstanceOf(ArtifactException.class)
        .hasMessageContaining("PUBLIC KEY");
    KeyPair rsa;
    try {
      rsa = KeyPairGenerator.getInstance("RSA").generateKeyPair();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
    Path rsaPub = dir.resolve("rsa.pub.pem");
    Files.writeString(rsaPub, ArtifactSignature.toPem(rsa.getPublic()));
    assertThatThrownBy(() -> ArtifactSignature.readPublicKey(rsaPub))
        .isInstanceOf(ArtifactException.class)
        .hasMessageContaining("not an Ed25519");
  }

  @Test
  void theSidecarIsStoredBesideTheArtifactAndReplacedAtomically() throws IOException {
    Path zip = Files.writeString(dir.resolve("tickets-3.zip"), "zip bytes");
    byte[] sig = ArtifactSignature.sign(pair.getPrivate(), SHA);
    java.net.URI uri = ArtifactSignature.store(zip.toUri(), sig);
    assertThat(uri).isEqualTo(ArtifactSignature.sidecar(zip.toUri()));
    assertThat(Path.of(uri)).isEqualTo(dir.resolve("tickets-3.zip.sig"));
    assertThat(Files.readAllBytes(ArtifactSignature.sidecar(zip))).isEqualTo(sig);
    byte[] again = ArtifactSignature.sign(other.getPrivate(), SHA);
    ArtifactSignature.store(zip.toUri(), again);
    assertThat(Files.readAllBytes(ArtifactSignature.sidecar(zip))).isEqualTo(again);
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("tickets-3.zip", "tickets-3.zip.sig");
    }
    assertThatThrownBy(
            () -> ArtifactSignature.store(java.net.URI.create("s3://bucket/tickets-3.zip"), sig))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("file: model store");
  }

  /** The documented openssl commands make and check the same signatures (docs/SECURITY.md). */
  @Test
  void opensslKeysAndSignaturesInteroperate() throws Exception {
    assumeThat(Files.isExecutable(Path.of("/usr/bin/openssl"))).as("openssl installed").isTrue();
    Path priv = dir.resolve("openssl.pem");
    Path pub = dir.resolve("openssl.pub.pem");
    run("openssl", "genpkey", "-algorithm", "ed25519", "-out", priv.toString());
    run("openssl", "pkey", "-in", priv.toString(), "-pubout", "-out", pub.toString());
    PrivateKey p = ArtifactSignature.readPrivateKey(priv);
    PublicKey q = ArtifactSignature.readPublicKey(pub);
    byte[] sig = ArtifactSignature.sign(p, SHA);
    ArtifactSignature.verify(q, SHA, sig);

    // openssl verifies what Java signed ...
    Path msg = Files.write(dir.resolve("msg"), ArtifactSignature.message(SHA));
    Path bin =
        Files.write(
            dir.resolve("sig.bin"),
            Base64.getDecoder().decode(new String(sig, StandardCharsets.US_ASCII).strip()));
    assertThat(
            run(
                "openssl",
                "pkeyutl",
                "-verify",
                "-pubin",
                "-inkey",
                pub.toString(),
                "-rawin",
                "-in",
                msg.toString(),
                "-sigfile",
                bin.toString()))
        .contains("Signature Verified Successfully");
    // ... and Java verifies what openssl signed.
    Path osig = dir.resolve("openssl.sig.bin");
    run(
        "openssl",
        "pkeyutl",
        "-sign",
        "-inkey",
        priv.toString(),
        "-rawin",
        "-in",
        msg.toString(),
        "-out",
        osig.toString());
    ArtifactSignature.verify(q, SHA, Base64.getEncoder().encode(Files.readAllBytes(osig)));
  }

  private static String run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(new ArrayList<>(List.of(cmd))).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
    return out;
  }
}
