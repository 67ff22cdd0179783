package dev.loopline.model.artifact;

import dev.loopline.model.store.AtomicFiles;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Optional Ed25519 signatures of artifacts, so a scoring instance loads only what the holder of the
 * signing key published, not merely something whose sha256 a deployment record names (anyone who
 * can write to {@code model-deployments} and the store could otherwise name their own artifact).
 *
 * <p>What is signed: the ASCII bytes of {@code loopline-artifact-sha256:<lower-case hex sha256 of
 * the zip>}. The verifier recomputes the sha256 from the bytes it is about to load, so the
 * signature binds those bytes; signing the digest instead of the zip keeps a large artifact out of
 * memory (Ed25519 reads its whole message twice). The signature is detached: {@code <artifact>.sig}
 * next to the artifact in the model store, one line of base64 (64 bytes decoded), so no record
 * schema changes and unsigned stores keep working. openssl can produce and check the same signature
 * (see docs/SECURITY.md).
 *
 * <p>Keys are PEM files: the private key PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}, what {@code
 * openssl genpkey -algorithm ed25519} writes), the public key X.509 SubjectPublicKeyInfo ({@code
 * -----BEGIN PUBLIC KEY-----}, {@code openssl pkey -pubout}). JDK 15+ has Ed25519 built in.
 */
public final class ArtifactSignature {

  /**
   * Config key: PKCS#8 PEM file of the Ed25519 key the publisher signs with (unset: no signing).
   */
  public static final String PRIVATE_KEY = "model.signing.private.key";

  /**
   * Config key: X.509 PEM file of the Ed25519 public key loaders verify with (unset: no check; set:
   * unsigned or badly signed artifacts are rejected).
   */
  public static final String PUBLIC_KEY = "model.signing.public.key";

  /** The detached signature's suffix, appended to the artifact's file name or URI. */
  public static final String SUFFIX = ".sig";

  static final String ALGORITHM = "Ed25519";
  static final String DOMAIN = "loopline-artifact-sha256:";
  private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
  private static final int SIGNATURE_BYTES = 64;
  private static final int MAX_SIGNATURE_FILE = 1024;

  private ArtifactSignature() {}

  /** The bytes that are signed for an artifact whose sha256 is {@code sha256Hex}. */
  public static byte[] message(String sha256Hex) {
    String sha = sha256Hex == null ? "" : sha256Hex.toLowerCase(Locale.ROOT);
    if (!HEX64.matcher(sha).matches()) {
      throw new ArtifactException("not a sha256 hex digest: '" + sha256Hex + "'");
    }
    return (DOMAIN + sha).getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Signs the artifact digest; returns the content of its {@code .sig} file (base64 and a newline).
   */
  public static byte[] sign(PrivateKey key, String sha256Hex) {
    try {
      Signature s = Signature.getInstance(ALGORITHM);
      s.initSign(key);
      s.update(message(sha256Hex));
      return (Base64.getEncoder().encodeToString(s.sign()) + "\n")
          .getBytes(StandardCharsets.US_ASCII);
    } catch (GeneralSecurityException e) {
      throw new ArtifactException("cannot sign artifact with an " + key.getAlgorithm() + " key", e);
    }
  }

  /**
   * Checks a {@code .sig} file's content against the artifact's digest.
   *
   * @param signatureFile the {@code .sig} file's bytes; null means the artifact has no signature
   * @throws ArtifactException with a one-line reason starting with "artifact signature"
   */
  public static void verify(PublicKey key, String sha256Hex, byte[] signatureFile) {
    if (signatureFile == null) {
      throw new ArtifactException(
          "artifact signature missing: "
              + PUBLIC_KEY
              + " is set, so only signed artifacts load (no "
              + SUFFIX
              + " file next to the artifact)");
    }
    byte[] sig;
    try {
      if (signatureFile.length > MAX_SIGNATURE_FILE) {
        throw new IllegalArgumentException(signatureFile.length + " bytes");
      }
      sig =
          Base64.getDecoder().decode(new String(signatureFile, StandardCharsets.US_ASCII).strip());
    } catch (IllegalArgumentException e) {
      throw new ArtifactException(
          "artifact signature malformed: not base64 (" + e.getMessage() + ")");
    }
    if (sig.length != SIGNATURE_BYTES) {
      throw new ArtifactException(
          "artifact signature malformed: "
              + sig.length
              + " bytes, an Ed25519 signature has "
              + SIGNATURE_BYTES);
    }
    Signature s;
    try {
      s = Signature.getInstance(ALGORITHM);
      s.initVerify(key);
    } catch (GeneralSecurityException e) {
      throw new ArtifactException("artifact signature cannot be checked: " + e.getMessage(), e);
    }
    boolean ok;
    String detail = "";
    try {
      s.update(message(sha256Hex));
      ok = s.verify(sig);
    } catch (SignatureException e) {
      // A tampered signature may not even decode (e.g. "Invalid point"): just as invalid.
      ok = false;
      detail = " (" + e.getMessage() + ")";
    }
    if (!ok) {
      throw new ArtifactException(
          "artifact signature invalid: it was not made by the key in "
              + PUBLIC_KEY
              + " over this artifact (tampered artifact or signature, or another signing key)"
              + detail);
    }
  }

  /** {@code <zip>.sig} beside {@code zip}. */
  public static Path sidecar(Path zip) {
    return zip.resolveSibling(zip.getFileName().toString() + SUFFIX);
  }

  /** The URI of the signature of the artifact at {@code artifactUri}. */
  public static URI sidecar(URI artifactUri) {
    return URI.create(artifactUri.toString() + SUFFIX);
  }

  /**
   * Writes {@code signatureFile} as the signature of the stored artifact at {@code artifactUri}
   * (atomically: temp file, then move). Only {@code file:} stores are supported here; the model
   * store interface has no way to put a second object yet.
   *
   * @return the signature's URI
   */
  public static URI store(URI artifactUri, byte[] signatureFile) throws IOException {
    if (artifactUri.getScheme() == null || !artifactUri.getScheme().equalsIgnoreCase("file")) {
      throw new IOException(
          "cannot store a signature beside "
              + artifactUri
              + ": signing needs a file: model store (write "
              + SUFFIX
              + " files yourself for other stores)");
    }
    Path target = sidecar(Path.of(artifactUri));
    Path tmp = Files.createTempFile(target.getParent(), ".sig-", ".tmp");
    try {
      Files.write(tmp, signatureFile);
      AtomicFiles.replace(tmp, target);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return target.toUri();
  }

  /** Reads an Ed25519 private key from a PKCS#8 PEM file. */
  public static PrivateKey readPrivateKey(Path pem) {
    byte[] der = pemBody(pem, "PRIVATE KEY");
    try {
      return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      throw new ArtifactException(
          "not an Ed25519 PKCS#8 private key: " + pem + " (" + e.getMessage() + ")", e);
    }
  }

  /** Reads an Ed25519 public key from an X.509 (SubjectPublicKeyInfo) PEM file. */
  public static PublicKey readPublicKey(Path pem) {
    byte[] der = pemBody(pem, "PUBLIC KEY");
    try {
      return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      throw new ArtifactException(
          "not an Ed25519 X.509 public key: " + pem + " (" + e.getMessage() + ")", e);
    }
  }

  /**
   * The private key named by {@link #PRIVATE_KEY} in {@code config}, or null when unset.
   *
   * @throws ArtifactException if it is set and the file is missing or not an Ed25519 key
   */
  public static PrivateKey privateKeyFromConfig(Map<String, String> config) {
    String path = config.get(PRIVATE_KEY);
    return path == null || path.isBlank() ? null : readPrivateKey(Path.of(path.trim()));
  }

  /**
   * The public key named by {@link #PUBLIC_KEY} in {@code config}, or null when unset.
   *
   * @throws ArtifactException if it is set and the file is missing or not an Ed25519 key (fail at
   *     start-up rather than silently load unsigned artifacts)
   */
  public static PublicKey publicKeyFromConfig(Map<String, String> config) {
    String path = config.get(PUBLIC_KEY);
    return path == null || path.isBlank() ? null : readPublicKey(Path.of(path.trim()));
  }

  /** PEM text of a key (PKCS#8 for private keys, X.509 for public keys), as openssl writes it. */
  public static String toPem(Key key) {
    String type = key instanceof PrivateKey ? "PRIVATE KEY" : "PUBLIC KEY";
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
        + "\n-----END "
        + type
        + "-----\n";
  }

  private static byte[] pemBody(Path pem, String type) {
    String text;
    try {
      text = Files.readString(pem, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new ArtifactException("cannot read key file " + pem + ": " + e, e);
    }
    String begin = "-----BEGIN " + type + "-----";
    String end = "-----END " + type + "-----";
    int b = text.indexOf(begin);
    int e = text.indexOf(end);
    if (b < 0 || e < b) {
      throw new ArtifactException(
          "key file " + pem + " has no '" + begin + "' block (expected an Ed25519 PEM key)");
    }
    try {
      return Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
    } catch (IllegalArgumentException ex) {
      throw new ArtifactException("key file " + pem + " is not valid PEM: " + ex.getMessage(), ex);
    }
  }
}
