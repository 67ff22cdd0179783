package dev.loopline.model.features;

import java.nio.charset.StandardCharsets;

/**
 * A frozen copy of {@link MurmurHash3} as of code version {@code loopline-featurizer/1}, used by
 * {@link FeaturizerV1Reference}. Never edit it.
 */
final class MurmurHash3V1Reference {

  private static final int C1 = 0xcc9e2d51;
  private static final int C2 = 0x1b873593;

  private MurmurHash3V1Reference() {}

  /** Hash of {@code data[offset, offset + length)}. */
  public static int hash32(byte[] data, int offset, int length, int seed) {
    int h1 = seed;
    int end = offset + (length & ~3);
    for (int i = offset; i < end; i += 4) {
      int k1 =
          (data[i] & 0xff)
              | ((data[i + 1] & 0xff) << 8)
              | ((data[i + 2] & 0xff) << 16)
              | (data[i + 3] << 24);
      k1 *= C1;
      k1 = Integer.rotateLeft(k1, 15);
      k1 *= C2;
      h1 ^= k1;
      h1 = Integer.rotateLeft(h1, 13);
      h1 = h1 * 5 + 0xe6546b64;
    }
    int k1 = 0;
    switch (length & 3) {
      case 3:
        k1 ^= (data[end + 2] & 0xff) << 16;
      // fall through
      case 2:
        k1 ^= (data[end + 1] & 0xff) << 8;
      // fall through
      case 1:
        k1 ^= data[end] & 0xff;
        k1 *= C1;
        k1 = Integer.rotateLeft(k1, 15);
        k1 *= C2;
        h1 ^= k1;
      // fall through
      default:
        break;
    }
    h1 ^= length;
    return fmix32(h1);
  }

  /** Hash of a string's UTF-8 bytes. */
  public static int hash32(String text, int seed) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    return hash32(b, 0, b.length, seed);
  }

  static int fmix32(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }
}
