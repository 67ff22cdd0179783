package dev.loopline.model.features;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test oracle: the featurizer spec of {@link Featurizer}'s class javadoc written the plain way
 * (strings, lists, hash maps; slow on purpose), independently of the production code. It shares
 * only {@link TextCleaner#clean} (covered by the golden test) and the {@link FeaturizerSpec}.
 */
final class NaiveFeaturizer {

  private final FeaturizerSpec spec;
  private final int seedWord;
  private final int seedChar;
  private final int seedAttr;

  NaiveFeaturizer(FeaturizerSpec spec) {
    this.spec = spec;
    this.seedWord = murmur3("word".getBytes(StandardCharsets.UTF_8), spec.seed());
    this.seedChar = murmur3("char".getBytes(StandardCharsets.UTF_8), spec.seed());
    this.seedAttr = murmur3("attr".getBytes(StandardCharsets.UTF_8), spec.seed());
  }

  SparseVector featurize(String text) {
    return featurize(text, Map.of());
  }

  SparseVector featurize(String text, Map<String, String> attributes) {
    Map<Integer, Integer> counts = new HashMap<>();
    List<String> tokens = tokens(text);
    for (int start = 0; start < tokens.size(); start++) {
      for (int n = 1; n <= spec.wordNgramMax() && start + n <= tokens.size(); n++) {
        add(counts, String.join(" ", tokens.subList(start, start + n)), seedWord, 1);
      }
    }
    if (spec.charNgramMin() > 0) {
      Map<String, Integer> freq = new LinkedHashMap<>();
      tokens.forEach(t -> freq.merge(t, 1, Integer::sum));
      for (Map.Entry<String, Integer> e : freq.entrySet()) {
        String token = e.getKey();
        if (token.length() > 40 && token.chars().allMatch(c -> c < 0x80)) {
          continue; // ids, hashes, blobs
        }
        int[] cps = (" " + token + " ").codePoints().toArray();
        for (int from = 0; from < cps.length; from++) {
          for (int n = spec.charNgramMin(); n <= spec.charNgramMax(); n++) {
            if (from + n <= cps.length) {
              add(counts, new String(cps, from, n), seedChar, e.getValue());
            }
          }
        }
      }
    }
    if (attributes != null) {
      for (Map.Entry<String, String> e : attributes.entrySet()) {
        String key = e.getKey();
        String value = e.getValue();
        boolean wanted = spec.attributeKeys().isEmpty() || spec.attributeKeys().contains(key);
        if (key != null && value != null && wanted) {
          String v = capChars(value.strip(), 256);
          if (!v.chars().allMatch(c -> c < 0x80)) {
            v = Normalizer.normalize(v, Normalizer.Form.NFKC);
          }
          add(counts, noSurrogates(key) + "=" + fold(v), seedAttr, 1);
          Matcher m = NUMBER.matcher(v);
          if (m.matches()) {
            int digits = Math.min(m.group(2).replaceFirst("^0+", "").length(), 19);
            String shape = (m.group(1).equals("-") ? "-#" : "#") + digits;
            add(counts, noSurrogates(key) + "=" + shape, seedAttr, 1);
          }
        }
      }
    }
    return vector(counts);
  }

  private static final Pattern NUMBER = Pattern.compile("(?=.*[0-9])([-+]?)([0-9]*)(?:\\.[0-9]*)?");

  private void add(Map<Integer, Integer> counts, String feature, int seed, int weight) {
    int bucket = murmur3(feature.getBytes(StandardCharsets.UTF_8), seed) & (spec.dimension() - 1);
    counts.merge(bucket, weight, Integer::sum);
  }

  private SparseVector vector(Map<Integer, Integer> counts) {
    int[] indices = counts.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
    float[] values = new float[indices.length];
    double sumSq = 0;
    for (int i = 0; i < indices.length; i++) {
      int c = counts.get(indices[i]);
      values[i] = spec.sublinearTf() ? (float) (1.0 + StrictMath.log(c)) : (float) c;
      sumSq += (double) values[i] * values[i];
    }
    if (spec.l2Normalize() && sumSq > 0) {
      double inv = 1.0 / StrictMath.sqrt(sumSq);
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) (values[i] * inv);
      }
    }
    return new SparseVector(indices, values);
  }

  /** The token rules of the spec; the whole text, of any script, one code point at a time. */
  List<String> tokens(String raw) {
    List<String> tokens = new ArrayList<>();
    if (raw == null || raw.isEmpty()) {
      return tokens;
    }
    String text = capChars(raw, (int) Math.min(Integer.MAX_VALUE - 16, 10L * spec.maxTextChars()));
    text = TextCleaner.clean(text);
    if (!text.chars().allMatch(c -> c < 0x80)) {
      text = Normalizer.normalize(text, Normalizer.Form.NFKC);
    }
    StringBuilder word = new StringBuilder();
    boolean separated = false; // a run of separators counts once against the budget
    int budget = spec.maxTextChars();
    for (int i = 0; i < text.length() && budget > 0; ) {
      int cp = text.codePointAt(i);
      i += Character.charCount(cp);
      int type = Character.getType(cp);
      boolean mark =
          type == Character.NON_SPACING_MARK
              || type == Character.COMBINING_SPACING_MARK
              || type == Character.ENCLOSING_MARK;
      if (type == Character.FORMAT) {
        continue;
      } else if (Character.isLetterOrDigit(cp) || (mark && word.length() > 0)) {
        word.appendCodePoint(
            Character.isDigit(cp) ? '0' : Character.toLowerCase(Character.toUpperCase(cp)));
        budget--;
        separated = false;
      } else if (type == Character.OTHER_SYMBOL) {
        flush(word, tokens);
        tokens.add(new String(Character.toChars(cp)));
        budget--;
        separated = false;
      } else {
        flush(word, tokens);
        if (!separated) {
          budget--;
          separated = true;
        }
      }
    }
    flush(word, tokens);
    return tokens;
  }

  private static void flush(StringBuilder word, List<String> tokens) {
    if (word.length() > 0) {
      tokens.add(word.toString());
      word.setLength(0);
    }
  }

  /** At most {@code max} chars, never ending inside a surrogate pair. */
  private static String capChars(String s, int max) {
    if (s.length() <= max) {
      return s;
    }
    return s.substring(0, Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max);
  }

  /** Per code point {@code toLowerCase(toUpperCase(cp))}; unpaired surrogates as U+FFFD. */
  private static String fold(String s) {
    StringBuilder sb = new StringBuilder();
    noSurrogates(s)
        .codePoints()
        .forEach(cp -> sb.appendCodePoint(Character.toLowerCase(Character.toUpperCase(cp))));
    return sb.toString();
  }

  private static String noSurrogates(String s) {
    StringBuilder sb = new StringBuilder();
    s.codePoints()
        .forEach(
            cp -> sb.appendCodePoint(Character.getType(cp) == Character.SURROGATE ? 0xFFFD : cp));
    return sb.toString();
  }

  /** MurmurHash3 x86_32 as in Austin Appleby's reference (MurmurHash3.cpp). */
  static int murmur3(byte[] data, int seed) {
    int h = seed;
    int blocks = data.length / 4;
    for (int i = 0; i < blocks; i++) {
      int k =
          (data[4 * i] & 0xff)
              | (data[4 * i + 1] & 0xff) << 8
              | (data[4 * i + 2] & 0xff) << 16
              | (data[4 * i + 3] & 0xff) << 24;
      h ^= mixK(k);
      h = Integer.rotateLeft(h, 13) * 5 + 0xe6546b64;
    }
    int k = 0;
    for (int i = data.length - 1; i >= 4 * blocks; i--) {
      k = (k << 8) | (data[i] & 0xff);
    }
    if (data.length % 4 != 0) {
      h ^= mixK(k);
    }
    h ^= data.length;
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    return h ^ (h >>> 16);
  }

  private static int mixK(int k) {
    return Integer.rotateLeft(k * 0xcc9e2d51, 15) * 0x1b873593;
  }

  static int murmur3(byte[] data, int offset, int length, int seed) {
    return murmur3(Arrays.copyOfRange(data, offset, offset + length), seed);
  }
}
