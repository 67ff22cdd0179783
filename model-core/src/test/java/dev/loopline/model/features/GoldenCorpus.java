package dev.loopline.model.features;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Inputs of the golden-vector test, written with escapes only so the test source is the same under
 * any compiler or platform encoding.
 */
final class GoldenCorpus {

  /** Spelled out (not {@code defaults()}) so a change of the defaults cannot move the goldens. */
  static final FeaturizerSpec SPEC =
      new FeaturizerSpec(1, 18, 2, 3, 5, 20_000, List.of(), 0x10091, true, true);

  static final String SHORT = "Refund for order #4521 please";

  static final List<String> TEXTS =
      List.of(
          "",
          "?!... --- ***",
          SHORT,
          "I\u0307stanbul'da I\u015eIK \u0131\u015f\u0131k \u0130NCE",
          "\u03a3\u0399\u03a3\u03a5\u03a6\u039f\u03a3 \u03c3\u03bf\u03c6\u03cc\u03c2",
          "\u6211\u7684\u8ba2\u5355\u6ca1\u6709\u5230\uff0c\u8bf7\u5e2e\u5fd9",
          "\u0e09\u0e31\u0e19\u0e15\u0e49\u0e2d\u0e07\u0e01\u0e32\u0e23\u0e04\u0e37\u0e19\u0e40\u0e07\u0e34\u0e19",
          "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645",
          "\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e",
          "refund NOW \ud83d\ude21\ud83d\ude21 \ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67",
          "\ufb01le \uff21\uff22\uff23 \uff11\uff12\uff13 Stra\u00dfe caf\u0065\u0301",
          "<html><body><p>Hi&nbsp;there &amp; &#x1F600; you</p><script>var x = 1;</script></body></html>",
          "From: a@example.com\nTo: b@example.com\nSubject: Card charged twice\n"
              + "Received: from mx\n  by relay\n\nPlease refund the second charge.",
          "see attachment\niVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDw\n"
              + "id e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
          longText());

  /** ~30,000 chars, beyond the 20,000-char cap: the cut must land in the same place everywhere. */
  private static String longText() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; sb.length() < 30_000; i++) {
      sb.append("w").append((char) ('a' + i % 26)).append(i % 7 == 0 ? ",\t" : " ");
      if (i % 50 == 0) {
        sb.append("\u00e9t\u00e9 \u6e2c\u8a66 ");
      }
    }
    return sb.toString();
  }

  static final Map<String, String> ATTRIBUTES = Map.of("channel", "Email", "tier", "Gold");

  private GoldenCorpus() {}

  /** sha256 over every vector's indices and value bits, the attribute cases last. */
  static String digest(Featurizer f) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    Map<String, SparseVector> all = new LinkedHashMap<>();
    for (int i = 0; i < TEXTS.size(); i++) {
      all.put("t" + i, f.featurize(TEXTS.get(i), Map.of()));
    }
    all.put("attrs", f.featurize(SHORT, ATTRIBUTES));
    all.put("numeric", f.featurize(null, Map.of("amount", "129.99", "items", "-3")));
    for (SparseVector v : all.values()) {
      ByteBuffer b = ByteBuffer.allocate(4 + v.size() * 8);
      b.putInt(v.size());
      for (int i = 0; i < v.size(); i++) {
        b.putInt(v.indices()[i]);
        b.putInt(Float.floatToIntBits(v.values()[i]));
      }
      md.update(b.array());
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
