package dev.loopline.model.features;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Reference vectors of MurmurHash3 x86_32 (cross-checked with an independent implementation). */
class MurmurHash3Test {

  private static int h(String s, int seed) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return MurmurHash3.hash32(b, 0, b.length, seed);
  }

  @Test
  void matchesReferenceVectors() {
    assertThat(h("", 0)).isEqualTo(0);
    assertThat(h("", 1)).isEqualTo(0x514e28b7);
    assertThat(h("hello", 0)).isEqualTo(0x248bfa47);
    assertThat(h("abc", 0)).isEqualTo(0xb3dd93fa);
    assertThat(h("abcd", 0)).isEqualTo(0x43ed676a);
    assertThat(h("The quick brown fox jumps over the lazy dog", 0x9747b28c)).isEqualTo(0x2fa826cd);
    assertThat(h("\u00fcn\u00efc\u00f8d\u00e9 \ud83d\ude00", 42)).isEqualTo(0xb7b12c5a);
    assertThat(MurmurHash3.hash32("hello", 0)).isEqualTo(0x248bfa47);
  }

  @Test
  void hashesASliceLikeTheWholeArray() {
    byte[] b = "xxhelloyy".getBytes(StandardCharsets.UTF_8);
    assertThat(MurmurHash3.hash32(b, 2, 5, 0)).isEqualTo(0x248bfa47);
  }
}
