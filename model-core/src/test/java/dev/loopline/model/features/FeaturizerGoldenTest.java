package dev.loopline.model.features;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.Charset;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Golden vectors: the featurizer must give these exact bits on every JVM. Surefire runs this class
 * twice, the second time with {@code -Duser.language=tr -Duser.country=TR
 * -Dfile.encoding=ISO-8859-1}, where any use of the default locale (Turkish dotted/dotless i) or
 * platform charset would change the output.
 */
class FeaturizerGoldenTest {

  /** If this changes, the output changed: bump {@link Featurizer#CODE_VERSION}. */
  static final String FINGERPRINT =
      "fe52c3f0294fa84bfced093ade5c29309285d4af65ce74527eb9939882cd11f6";

  static final String CORPUS_DIGEST =
      "afe794fbdab68fc69f0cab014c9681b5f71437837b548325f89edeb5888fcff1";

  static final int[] SHORT_INDICES = {
    559, 4842, 7847, 12014, 17429, 23838, 30236, 30431, 36557, 37688, 43457, 45904, 46292, 48196,
    49901, 54649, 59001, 64772, 66454, 73404, 87806, 88804, 91011, 93599, 93617, 94326, 94668,
    98874, 99124, 101997, 105535, 106911, 108138, 111669, 112340, 114539, 122815, 134071, 137713,
    139445, 153223, 154676, 155500, 160218, 160954, 169790, 170880, 171443, 173032, 173242, 183859,
    184058, 184976, 186761, 194096, 195849, 221671, 230182, 230609, 230706, 233078, 233684, 235363,
    237558, 240389
  };

  private final Featurizer featurizer = new Featurizer(GoldenCorpus.SPEC);

  @Test
  void runsUnderTheLocaleAndEncodingItWasConfiguredFor() {
    String expected = System.getProperty("loopline.expect.locale");
    if (expected != null) {
      assertThat(Locale.getDefault().getLanguage()).isEqualTo(expected);
      assertThat(Charset.defaultCharset().name()).isEqualTo("ISO-8859-1");
    }
    assertThat(featurizer.fingerprint()).isEqualTo(FINGERPRINT);
  }

  @Test
  void shortTextHasTheGoldenVector() {
    SparseVector v = featurizer.featurize(GoldenCorpus.SHORT, Map.of());

    assertThat(v.indices()).containsExactly(SHORT_INDICES);
    // 64 buckets of count 1 and one of count 2 (sublinear 1 + ln 2), L2-normalized
    double unit = 1.0 / Math.sqrt(64 + Math.pow(1 + Math.log(2), 2));
    for (int i = 0; i < v.size(); i++) {
      float expected = v.indices()[i] == 93617 ? (float) ((1 + Math.log(2)) * unit) : (float) unit;
      assertThat(v.values()[i]).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-6f));
    }
  }

  @Test
  void corpusDigestIsGolden() {
    assertThat(GoldenCorpus.digest(featurizer)).isEqualTo(CORPUS_DIGEST);
  }

  @Test
  void turkishCapitalsFoldTheSameUnderEveryLocale() {
    assertThat(featurizer.tokens("I\u0307stanbul \u0130NCE TITLE"))
        .containsExactly("istanbul", "ince", "title");
  }
}
