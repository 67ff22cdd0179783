package dev.loopline.model.features;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one featurizer: event text plus attributes to a sparse hashed vector. Training, serving and
 * backtest all call it, and its {@link #fingerprint()} (spec + code version) is stored in every
 * artifact and checked at load, so training/serving skew cannot creep in.
 *
 * <p>Pipeline: cap the raw input at {@code 10 * maxTextChars} chars; strip HTML tags and decode
 * common entities; drop typical e-mail header lines (keeping the Subject text) and base64 lines;
 * Unicode NFKC; case-fold per code point (locale-independent); tokens are runs of letters, digits
 * and combining marks, every digit becomes {@code 0} (so numbers become shape tokens such as {@code
 * 0000}), each symbol code point such as an emoji is a token of its own, format characters
 * (zero-width joiners, soft hyphens) are ignored; stop after {@code maxTextChars} characters (a run
 * of separators counts as one). Features: word 1..{@code wordNgramMax}-grams, char {@code
 * charNgramMin..charNgramMax} -grams of each token padded as {@code " token "} (covers scripts
 * written without spaces, and typos; not for all-ASCII tokens over 40 chars, which are ids, hashes
 * or blobs), and {@code key=value} for attributes (plus {@code key=#<integer digits>} when the
 * value is a decimal number; value NFKC, case-folded, trimmed, at most 256 chars). Each feature is
 * MurmurHash3 x86_32 of its UTF-8 bytes with a per-namespace seed derived from the spec seed
 * ({@code word}, {@code char}, {@code attr}), masked to {@code 2^hashBits} buckets. Counts per
 * bucket become {@code 1 + ln(count)} when {@code sublinearTf}, and the vector is scaled to unit L2
 * norm when {@code l2Normalize}. Output indices are sorted and distinct.
 *
 * <p>Thread-safe; per-thread scratch buffers keep the hot path to two output arrays (plus the NFKC
 * copy for non-ASCII text). Deterministic across JVMs, locales and platform encodings on the same
 * Java Unicode version (Java 17: Unicode 13).
 */
public final class Featurizer {

  /**
   * Version of the featurizer code; part of the fingerprint. Bump it with any change to the output,
   * so that old artifacts are refused instead of silently scored with different features.
   */
  public static final String CODE_VERSION = "loopline-featurizer/1";

  static final int MAX_ATTRIBUTE_VALUE_CHARS = 256;

  /** ASCII tokens longer than this get no char n-grams (ids, hashes, blobs); other scripts do. */
  static final int MAX_ASCII_CHAR_NGRAM_TOKEN = 40;

  private static final int LOG_TABLE = 1024;
  private static final float[] SUBLINEAR = new float[LOG_TABLE];

  static {
    for (int c = 1; c < LOG_TABLE; c++) {
      SUBLINEAR[c] = (float) (1.0 + StrictMath.log(c));
    }
  }

  /** ASCII char to its token byte: letters lower-cased, digits {@code 0}; 0 for separators. */
  private static final byte[] ASCII_WORD = new byte[128];

  static {
    for (int c = 'a'; c <= 'z'; c++) {
      ASCII_WORD[c] = (byte) c;
      ASCII_WORD[c - 32] = (byte) c;
    }
    for (int c = '0'; c <= '9'; c++) {
      ASCII_WORD[c] = '0';
    }
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private final FeaturizerSpec spec;
  private final String fingerprint;
  private final int mask;
  private final int seedWord;
  private final int seedChar;
  private final int seedAttr;
  private final Set<String> attributeKeys; // null: all
  private final int rawLimit;

  public Featurizer(FeaturizerSpec spec) {
    FeaturizerSpecs.validate(spec);
    this.spec = spec;
    this.fingerprint = FeaturizerSpecs.fingerprint(spec);
    this.mask = (1 << spec.hashBits()) - 1;
    this.seedWord = MurmurHash3.hash32("word", spec.seed());
    this.seedChar = MurmurHash3.hash32("char", spec.seed());
    this.seedAttr = MurmurHash3.hash32("attr", spec.seed());
    this.attributeKeys = spec.attributeKeys().isEmpty() ? null : Set.copyOf(spec.attributeKeys());
    this.rawLimit = (int) Math.min(Integer.MAX_VALUE - 16, 10L * spec.maxTextChars());
  }

  public FeaturizerSpec spec() {
    return spec;
  }

  /** sha256 of the canonical spec JSON and {@link #CODE_VERSION}. */
  public String fingerprint() {
    return fingerprint;
  }

  /** Features of text only. */
  public SparseVector featurize(String text) {
    return featurize(text, Map.of());
  }

  /**
   * Features of an event. {@code text} and {@code attributes} may be null or empty (the result is
   * then possibly the empty vector); null attribute values are skipped.
   */
  public SparseVector featurize(String text, Map<String, String> attributes) {
    Scratch s = SCRATCH.get();
    s.reset();
    if (text != null && !text.isEmpty()) {
      tokenize(text, s);
      addTextFeatures(s);
    }
    if (attributes != null && !attributes.isEmpty()) {
      for (Map.Entry<String, String> e : attributes.entrySet()) {
        addAttributeIfWanted(s, e.getKey(), e.getValue());
      }
    }
    return s.emit(spec.hashBits(), spec.sublinearTf(), spec.l2Normalize());
  }

  /**
   * Features of an event whose attributes come as parallel arrays of distinct names and their
   * values (either array may be null: no attributes): the same vector as {@link #featurize(String,
   * Map)} with the map of these pairs, without building a map per event on a replay's hot path.
   */
  public SparseVector featurize(String text, String[] attributeNames, String[] attributeValues) {
    Scratch s = SCRATCH.get();
    s.reset();
    if (text != null && !text.isEmpty()) {
      tokenize(text, s);
      addTextFeatures(s);
    }
    if (attributeNames != null && attributeValues != null) {
      if (attributeNames.length != attributeValues.length) {
        throw new IllegalArgumentException("attribute names and values differ in length");
      }
      for (int i = 0; i < attributeNames.length; i++) {
        addAttributeIfWanted(s, attributeNames[i], attributeValues[i]);
      }
    }
    return s.emit(spec.hashBits(), spec.sublinearTf(), spec.l2Normalize());
  }

  private void addAttributeIfWanted(Scratch s, String key, String value) {
    if (key == null || value == null) {
      return;
    }
    if (attributeKeys != null && !attributeKeys.contains(key)) {
      return;
    }
    addAttribute(s, key, value);
  }

  /** Featurizes each text (attributes absent). */
  public List<SparseVector> featurizeAll(List<String> texts) {
    List<SparseVector> out = new ArrayList<>(texts.size());
    for (String t : texts) {
      out.add(featurize(t, Map.of()));
    }
    return out;
  }

  /**
   * The tokens the featurizer sees in {@code text}, after cleaning and normalization: for debugging
   * and tests, not for the hot path.
   */
  public List<String> tokens(String text) {
    Scratch s = new Scratch();
    s.reset();
    List<String> out = new ArrayList<>();
    if (text == null || text.isEmpty()) {
      return out;
    }
    tokenize(text, s);
    for (int t = 0; t < s.tokenCount; t++) {
      out.add(
          new String(
              s.bytes,
              s.tokStartByte[t],
              s.tokEndByte[t] - s.tokStartByte[t],
              StandardCharsets.UTF_8));
    }
    return out;
  }

  /**
   * This thread's n-gram cache counters for this featurizer's setting: {hits, misses}, or null when
   * this thread has no cache for it (for tests and diagnostics).
   */
  long[] ngramCacheCounters() {
    NgramCache c =
        SCRATCH.get().existingCache(seedChar, mask, spec.charNgramMin(), spec.charNgramMax());
    return c == null ? null : new long[] {c.hits, c.misses};
  }

  // ---------------------------------------------------------------- text

  private void tokenize(String raw, Scratch s) {
    String text = raw;
    if (text.length() > rawLimit) {
      int cut = rawLimit;
      if (Character.isHighSurrogate(text.charAt(cut - 1))) {
        cut--;
      }
      text = text.substring(0, cut);
    }
    text = TextCleaner.clean(text);
    if (!isAscii(text)) {
      text = Normalizer.normalize(text, Normalizer.Form.NFKC);
    }
    int n = text.length();
    s.ensureText(Math.min(n, spec.maxTextChars()) + 2);
    int budget = spec.maxTextChars();
    // the joined buffer: ' ' tok ' ' tok ... tok ' '
    s.appendCodePoint(' ');
    boolean inWord = false; // inside a letter/digit token
    boolean pendingSep = false; // separator chars seen since the last token char
    for (int i = 0; i < n && budget > 0; ) {
      int cp = text.charAt(i);
      if (cp < 0x80) {
        int m = ASCII_WORD[cp];
        if (m != 0) {
          if (!inWord) {
            s.startToken();
            inWord = true;
          }
          // the whole run of ASCII letters and digits (ensureText made room for it)
          byte[] bytes = s.bytes;
          int[] cpOff = s.cpOff;
          int bl = s.byteLen;
          int cc = s.cpCount;
          while (true) {
            cpOff[cc++] = bl;
            bytes[bl++] = (byte) m;
            budget--;
            i++;
            if (i >= n || budget <= 0) {
              break;
            }
            int c = text.charAt(i);
            if (c >= 0x80 || (m = ASCII_WORD[c]) == 0) {
              break;
            }
          }
          cpOff[cc] = bl;
          s.byteLen = bl;
          s.cpCount = cc;
          pendingSep = false;
        } else {
          i++;
          if (inWord) {
            s.endToken();
            inWord = false;
          }
          if (!pendingSep) {
            budget--;
            pendingSep = true;
          }
        }
        continue;
      }
      cp = text.codePointAt(i);
      i += Character.charCount(cp);
      int type = Character.getType(cp);
      if (type == Character.FORMAT) {
        continue; // zero-width joiners, soft hyphens, BOM: ignored, not separators
      }
      if (Character.isLetterOrDigit(cp)
          || (inWord
              && (type == Character.NON_SPACING_MARK
                  || type == Character.COMBINING_SPACING_MARK
                  || type == Character.ENCLOSING_MARK))) {
        if (Character.isDigit(cp)) {
          cp = '0';
        } else {
          cp = Character.toLowerCase(Character.toUpperCase(cp));
        }
        if (!inWord) {
          s.startToken();
          inWord = true;
        }
        s.appendCodePoint(cp);
        budget--;
        pendingSep = false;
      } else if (type == Character.OTHER_SYMBOL) {
        if (inWord) {
          s.endToken();
          inWord = false;
        }
        s.startToken();
        s.appendCodePoint(cp);
        s.endToken();
        budget--;
        pendingSep = false;
      } else {
        if (inWord) {
          s.endToken();
          inWord = false;
        }
        if (!pendingSep) {
          budget--;
          pendingSep = true;
        }
      }
    }
    if (inWord) {
      s.endToken();
    }
    if (s.tokenCount == 0) {
      s.byteLen = 0;
      s.cpCount = 0;
    }
  }

  private static boolean isAscii(String s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  private void addTextFeatures(Scratch s) {
    int tokens = s.tokenCount;
    if (tokens == 0) {
      return;
    }
    int charMin = spec.charNgramMin();
    int charMax = spec.charNgramMax();
    int charSizes = charMin <= 0 ? 0 : charMax - charMin + 1;
    int wordMax = spec.wordNgramMax();
    // The insertions are at most this many, but repeated words and n-grams make the distinct
    // buckets far fewer (an e-mail: ~1,500 of a bound of ~19,000): start the table for at most
    // 1,024 and let it grow, so it stays a few times the real count and in the CPU caches.
    long bound = (long) tokens * wordMax + (long) (s.cpCount + tokens) * charSizes;
    s.ensureTable(Math.min(bound, 1024));
    byte[] b = s.bytes;
    int[] tokStart = s.tokStartByte;
    int[] tokEnd = s.tokEndByte;
    int[] wordHashes = s.wordHashes(tokens);
    // Word n-grams: those starting at one token share its leading Murmur blocks (one incremental
    // hash per start). The unigram hashes also key the distinct tokens, so that a repeated word's
    // char n-grams are found once and counted freq times (same counts as one per occurrence).
    int mask = this.mask;
    for (int t = 0; t < tokens; t++) {
      int top = Math.max(1, Math.min(wordMax, tokens - t));
      int from = tokStart[t];
      int h1 = seedWord;
      int done = 0;
      for (int n = 1; n <= top; n++) {
        int len = tokEnd[t + n - 1] - from;
        for (; done + 4 <= len; done += 4) {
          h1 = MurmurHash3.mixBlock(h1, b, from + done);
        }
        int h = MurmurHash3.finish(h1, b, from + done, len - done, len);
        if (n == 1) {
          wordHashes[t] = h;
        }
        if (n <= wordMax) {
          s.add(h & mask, 1);
        }
      }
    }
    if (charSizes == 0) {
      return;
    }
    s.resetDistinct(tokens);
    for (int t = 0; t < tokens; t++) {
      s.countDistinct(t, wordHashes[t]);
    }
    NgramCache cache = s.cacheFor(seedChar, mask, charMin, charMax);
    int[] cpOff = s.cpOff;
    for (int u = 0; u < s.distinctCount; u++) {
      int t = s.distinctFirst[u];
      int freq = s.distinctFreq[u];
      int first = s.tokStartCp[t] - 1; // the leading pad space
      int end = s.tokEndCp[t] + 1; // exclusive, after the trailing pad space
      int len = end - first;
      int from = tokStart[t];
      int byteLen = tokEnd[t] - from;
      if (len - 2 > MAX_ASCII_CHAR_NGRAM_TOKEN && byteLen == len - 2) {
        continue; // a long all-ASCII token: a hash, id or blob, not a word
      }
      if (byteLen <= NgramCache.MAX_TOKEN_BYTES) {
        int at = cache.lookupOrFill(b, from, byteLen, s.distinctHash[u], cpOff, first, end);
        s.addAll(cache.pool, at, cache.lastCount, freq);
      } else {
        int[] buf = s.ngramBuffer(charSizes * len);
        int count = charNgrams(b, cpOff, first, end, charMin, charMax, seedChar, mask, buf, 0);
        s.addAll(buf, 0, count, freq);
      }
    }
  }

  /**
   * Writes the masked buckets of the char n-grams ({@code nMin..nMax} code points) of the padded
   * token whose code points are {@code [first, end)} into {@code out} from {@code at}; returns the
   * position after the last one. The n-grams that start at one code point share their leading
   * Murmur blocks, so each start is one incremental hash (the 4- and 5-gram of an ASCII token share
   * the first block); the buckets are those of {@link MurmurHash3#hash32(byte[], int, int, int)}.
   */
  static int charNgrams(
      byte[] b,
      int[] cpOff,
      int first,
      int end,
      int nMin,
      int nMax,
      int seed,
      int mask,
      int[] out,
      int at) {
    for (int k = first; k + nMin <= end; k++) {
      int p = cpOff[k];
      int top = Math.min(nMax, end - k);
      int h1 = seed;
      int done = 0;
      for (int n = nMin; n <= top; n++) {
        int len = cpOff[k + n] - p;
        for (; done + 4 <= len; done += 4) {
          h1 = MurmurHash3.mixBlock(h1, b, p + done);
        }
        out[at++] = MurmurHash3.finish(h1, b, p + done, len - done, len) & mask;
      }
    }
    return at;
  }

  private void addAttribute(Scratch s, String key, String value) {
    String v = value.strip();
    if (v.length() > MAX_ATTRIBUTE_VALUE_CHARS) {
      int cut = MAX_ATTRIBUTE_VALUE_CHARS;
      if (Character.isHighSurrogate(v.charAt(cut - 1))) {
        cut--;
      }
      v = v.substring(0, cut);
    }
    if (!isAscii(v)) {
      v = Normalizer.normalize(v, Normalizer.Form.NFKC);
    }
    s.ensureTable(2);
    int len = s.encodeAttribute(key, v);
    s.add(MurmurHash3.hash32(s.attrBytes, 0, len, seedAttr) & mask, 1);
    String shape = numberShape(v);
    if (shape != null) {
      len = s.encodeAttribute(key, shape);
      s.add(MurmurHash3.hash32(s.attrBytes, 0, len, seedAttr) & mask, 1);
    }
  }

  /**
   * For a plain decimal number ({@code -12}, {@code 129.99}, {@code 0.5}), its order of magnitude
   * as {@code #<integer digits>} (sign kept: {@code -#2}), so amounts and counts generalize beyond
   * their exact values; null for anything else.
   */
  static String numberShape(String v) {
    int n = v.length();
    int i = 0;
    boolean negative = false;
    if (i < n && (v.charAt(i) == '-' || v.charAt(i) == '+')) {
      negative = v.charAt(i) == '-';
      i++;
    }
    int intStart = i;
    while (i < n && v.charAt(i) >= '0' && v.charAt(i) <= '9') {
      i++;
    }
    int intEnd = i;
    int fracDigits = 0;
    if (i < n && v.charAt(i) == '.') {
      i++;
      while (i < n && v.charAt(i) >= '0' && v.charAt(i) <= '9') {
        i++;
        fracDigits++;
      }
    }
    if (i != n || (intEnd == intStart && fracDigits == 0)) {
      return null;
    }
    int lead = intStart;
    while (lead < intEnd && v.charAt(lead) == '0') {
      lead++;
    }
    int digits = Math.min(intEnd - lead, 19);
    return (negative ? "-#" : "#") + digits;
  }

  // ---------------------------------------------------------------- scratch

  /** Per-thread buffers: the joined UTF-8 token text, offsets, and an int-to-count hash table. */
  static final class Scratch {
    byte[] bytes = new byte[1024];
    int byteLen;
    int[] cpOff = new int[512]; // byte offset of each code point; cpOff[cpCount] = byteLen
    int cpCount;
    int[] tokStartByte = new int[128];
    int[] tokEndByte = new int[128];
    int[] tokStartCp = new int[128];
    int[] tokEndCp = new int[128];
    int tokenCount;
    byte[] attrBytes = new byte[256];

    // Open-addressing bucket -> count table, key and count side by side (one cache line per
    // probe): table[2 * slot] = bucket + 1 (0 = empty), table[2 * slot + 1] = count. Its logical
    // capacity (cap slots) is sized per text, so a short line after a long e-mail does not spread
    // its probes over the e-mail's table.
    int[] table = new int[2 * 1024];
    int cap = 64;
    int shift = 32 - 6;
    int[] used = new int[512]; // slots in use, to clear cheaply
    int usedCount;
    long[] packed = new long[512];
    long[] sortTmp = new long[512];
    int[] histogram = new int[1024];

    int[] distinctSlots = new int[256]; // distinct index + 1; 0 = empty
    int distinctMask;
    int[] distinctFirst = new int[128]; // first occurrence of each distinct token
    int[] distinctFreq = new int[128];
    int[] distinctHash = new int[128];
    int distinctCount;

    int[] wordHashes = new int[128];
    int[] ngramBuf = new int[256];
    final NgramCache[] caches = new NgramCache[NgramCache.PER_THREAD];
    long cacheClock;

    int[] wordHashes(int tokens) {
      if (wordHashes.length < tokens) {
        wordHashes = new int[Math.max(tokens, wordHashes.length * 2)];
      }
      return wordHashes;
    }

    int[] ngramBuffer(int n) {
      if (ngramBuf.length < n) {
        ngramBuf = new int[Math.max(n, ngramBuf.length * 2)];
      }
      return ngramBuf;
    }

    /** This thread's n-gram cache for a setting: found, new, or the least recently used one. */
    NgramCache cacheFor(int seed, int mask, int nMin, int nMax) {
      long now = ++cacheClock;
      NgramCache oldest = null;
      for (int i = 0; i < caches.length; i++) {
        NgramCache c = caches[i];
        if (c == null) {
          c = new NgramCache(seed, mask, nMin, nMax);
          caches[i] = c;
          c.lastUse = now;
          return c;
        }
        if (c.isFor(seed, mask, nMin, nMax)) {
          c.lastUse = now;
          return c;
        }
        if (oldest == null || c.lastUse < oldest.lastUse) {
          oldest = c;
        }
      }
      oldest.reassign(seed, mask, nMin, nMax);
      oldest.lastUse = now;
      return oldest;
    }

    /** The cache for a setting if this thread has one, else null (no side effects). */
    NgramCache existingCache(int seed, int mask, int nMin, int nMax) {
      for (NgramCache c : caches) {
        if (c != null && c.isFor(seed, mask, nMin, nMax)) {
          return c;
        }
      }
      return null;
    }

    void addAll(int[] buckets, int from, int count, int weight) {
      for (int i = from, end = from + count; i < end; i++) {
        add(buckets[i], weight);
      }
    }

    void reset() {
      byteLen = 0;
      cpCount = 0;
      tokenCount = 0;
      int[] t = table;
      for (int i = 0; i < usedCount; i++) {
        int slot = used[i] << 1;
        t[slot] = 0;
        t[slot + 1] = 0;
      }
      usedCount = 0;
      cap = 64;
      shift = 32 - 6;
    }

    void ensureText(int chars) {
      // chars of text -> at most 4 UTF-8 bytes each, plus a separator byte per token (at most
      // one per char): the ASCII runs in tokenize write without checking
      int needBytes = chars * 5 + 16;
      if (bytes.length < needBytes) {
        bytes = new byte[needBytes];
      }
      if (cpOff.length < chars * 2 + 8) {
        cpOff = new int[chars * 2 + 8];
      }
    }

    void startToken() {
      if (tokenCount == tokStartByte.length) {
        int n = tokenCount * 2;
        tokStartByte = Arrays.copyOf(tokStartByte, n);
        tokEndByte = Arrays.copyOf(tokEndByte, n);
        tokStartCp = Arrays.copyOf(tokStartCp, n);
        tokEndCp = Arrays.copyOf(tokEndCp, n);
      }
      tokStartByte[tokenCount] = byteLen;
      tokStartCp[tokenCount] = cpCount;
    }

    void endToken() {
      tokEndByte[tokenCount] = byteLen;
      tokEndCp[tokenCount] = cpCount;
      tokenCount++;
      appendCodePoint(' ');
    }

    void appendCodePoint(int cp) {
      if (byteLen + 4 > bytes.length) {
        bytes = Arrays.copyOf(bytes, bytes.length * 2);
      }
      if (cpCount + 2 > cpOff.length) {
        cpOff = Arrays.copyOf(cpOff, cpOff.length * 2);
      }
      cpOff[cpCount++] = byteLen;
      byteLen = Utf8.put(bytes, byteLen, cp);
      cpOff[cpCount] = byteLen;
    }

    int encodeAttribute(String key, String value) {
      int max = (key.length() + value.length() + 1) * 4;
      if (attrBytes.length < max) {
        attrBytes = new byte[max];
      }
      int p = Utf8.putString(attrBytes, 0, key, false);
      attrBytes[p++] = '=';
      return Utf8.putString(attrBytes, p, value, true);
    }

    /**
     * Makes room for {@code more} further insertions at load factor at most 1/2 (insert also grows
     * the table when it reaches that load).
     */
    void ensureTable(long more) {
      long need = (usedCount + more) * 2;
      if (need <= cap) {
        return;
      }
      int newCap = cap;
      while (newCap < need && newCap < (1 << 29)) {
        newCap <<= 1;
      }
      int n = usedCount;
      if (packed.length < n) {
        packed = new long[Math.max(n, packed.length * 2)];
      }
      int[] t = table;
      for (int i = 0; i < n; i++) {
        int slot = used[i] << 1;
        packed[i] = ((long) t[slot] << 32) | (t[slot + 1] & 0xFFFFFFFFL);
        t[slot] = 0;
        t[slot + 1] = 0;
      }
      if ((long) table.length < 2L * newCap) {
        table = new int[2 * newCap];
      }
      cap = newCap;
      shift = 32 - Integer.numberOfTrailingZeros(newCap);
      usedCount = 0;
      for (int i = 0; i < n; i++) {
        long p = packed[i];
        int at = insert((int) (p >>> 32));
        table[at + 1] += (int) p;
      }
    }

    void add(int bucket, int weight) {
      int at = insert(bucket + 1); // first: insert may replace the table when it grows
      table[at + 1] += weight;
    }

    /** Prepares the distinct-token table for up to {@code tokens} tokens. */
    void resetDistinct(int tokens) {
      int cap = Integer.highestOneBit(Math.max(16, tokens * 2 - 1)) << 1;
      if (distinctSlots.length < cap) {
        distinctSlots = new int[cap];
      } else {
        Arrays.fill(distinctSlots, 0, cap, 0);
      }
      distinctMask = cap - 1;
      if (distinctFirst.length < tokens) {
        int n = Math.max(tokens, distinctFirst.length * 2);
        distinctFirst = new int[n];
        distinctFreq = new int[n];
        distinctHash = new int[n];
      }
      distinctCount = 0;
    }

    /** Counts token {@code t} (whose word hash is {@code h}) among the distinct tokens. */
    void countDistinct(int t, int h) {
      int slot = (h * 0x9E3779B9) & distinctMask;
      while (true) {
        int e = distinctSlots[slot];
        if (e == 0) {
          distinctSlots[slot] = distinctCount + 1;
          distinctFirst[distinctCount] = t;
          distinctFreq[distinctCount] = 1;
          distinctHash[distinctCount] = h;
          distinctCount++;
          return;
        }
        int u = e - 1;
        if (distinctHash[u] == h && sameToken(distinctFirst[u], t)) {
          distinctFreq[u]++;
          return;
        }
        slot = (slot + 1) & distinctMask;
      }
    }

    private boolean sameToken(int a, int b) {
      int fa = tokStartByte[a];
      int fb = tokStartByte[b];
      int len = tokEndByte[a] - fa;
      return len == tokEndByte[b] - fb && NgramCache.sameBytes(bytes, fa, bytes, fb, len);
    }

    /** The table position (2 * slot) of {@code key}, inserted if absent. */
    private int insert(int key) {
      int[] t = table;
      int m = cap - 1;
      int slot = (key * 0x9E3779B9) >>> shift;
      while (true) {
        int k = t[slot << 1];
        if (k == key) {
          return slot << 1;
        }
        if (k == 0) {
          if (usedCount * 2 >= cap) {
            ensureTable(
                1); // keep the load at most 1/2 (the table starts small: see addTextFeatures)
            return insert(key);
          }
          t[slot << 1] = key;
          if (usedCount == used.length) {
            used = Arrays.copyOf(used, used.length * 2);
          }
          used[usedCount++] = slot;
          return slot << 1;
        }
        slot = (slot + 1) & m;
      }
    }

    SparseVector emit(int hashBits, boolean sublinear, boolean l2) {
      int n = usedCount;
      if (packed.length < n) {
        packed = new long[Math.max(n, packed.length * 2)];
      }
      int[] t = table;
      long[] a = packed;
      for (int i = 0; i < n; i++) {
        int slot = used[i] << 1;
        a[i] = ((long) (t[slot] - 1) << 32) | (t[slot + 1] & 0xFFFFFFFFL);
      }
      a = sortByIndex(a, n, hashBits);
      int[] indices = new int[n];
      float[] values = new float[n];
      double sumSq = 0;
      for (int i = 0; i < n; i++) {
        long p = a[i];
        indices[i] = (int) (p >>> 32);
        int c = (int) p;
        float v;
        if (!sublinear) {
          v = c;
        } else if (c < LOG_TABLE) {
          v = SUBLINEAR[c];
        } else {
          v = (float) (1.0 + StrictMath.log(c));
        }
        values[i] = v;
        sumSq += (double) v * v;
      }
      if (l2 && sumSq > 0) {
        double inv = 1.0 / StrictMath.sqrt(sumSq);
        for (int i = 0; i < n; i++) {
          values[i] = (float) (values[i] * inv);
        }
      }
      return new SparseVector(indices, values);
    }

    /**
     * Sorts {@code a[0, n)} by the bucket in the upper 32 bits (distinct, below {@code
     * 2^hashBits}): insertion sort when short; else one counting-sort pass on the top bits into
     * about two buckets per key (the buckets are hash values, so spread evenly), which leaves only
     * the few keys that share a top-bits bucket out of order, and a final insertion sort. Should
     * that insertion sort meet far more inversions than uniform keys give, it falls back to an LSD
     * radix sort. Returns the array that holds the result ({@code a} or the scratch copy).
     */
    long[] sortByIndex(long[] a, int n, int hashBits) {
      if (n < 48) {
        insertionSort(a, 0, n, Long.MAX_VALUE);
        return a;
      }
      // 2^bits >= 2n: at most one key per two buckets leaves the insertion sort fewer keys out of
      // order than one per bucket (2-3% of featurize time on tickets, measured back to back)
      int bits = Math.min(hashBits, 33 - Integer.numberOfLeadingZeros(n - 1));
      int radix = 1 << bits;
      int shift = 32 + hashBits - bits;
      if (histogram.length < radix + 1) {
        histogram = new int[radix + 1];
      }
      int[] h = histogram;
      Arrays.fill(h, 0, radix, 0);
      for (int i = 0; i < n; i++) {
        h[(int) (a[i] >>> shift)]++;
      }
      int sum = 0;
      for (int d = 0; d < radix; d++) {
        int c = h[d];
        h[d] = sum;
        sum += c;
      }
      if (sortTmp.length < n) {
        sortTmp = new long[Math.max(n, sortTmp.length * 2)];
      }
      long[] dst = sortTmp;
      for (int i = 0; i < n; i++) {
        long x = a[i];
        dst[h[(int) (x >>> shift)]++] = x;
      }
      if (insertionSort(dst, 0, n, 8L * n + 64)) {
        return dst;
      }
      return radixSort(dst, n, hashBits);
    }

    /**
     * Insertion sort of {@code a[from, to)}; gives up (false, the array still a permutation) once
     * more than {@code maxMoves} elements were moved.
     */
    private static boolean insertionSort(long[] a, int from, int to, long maxMoves) {
      long moves = 0;
      for (int i = from + 1; i < to; i++) {
        long x = a[i];
        if (a[i - 1] <= x) {
          continue;
        }
        int j = i - 1;
        while (j >= from && a[j] > x) {
          a[j + 1] = a[j];
          j--;
        }
        a[j + 1] = x;
        moves += i - j;
        if (moves > maxMoves) {
          return false;
        }
      }
      return true;
    }

    /**
     * LSD radix sort of {@code a[0, n)} by the upper 32 bits, digits of at most 8 bits; returns the
     * array that holds the result.
     */
    private long[] radixSort(long[] a, int n, int hashBits) {
      int passes = (hashBits + 7) >>> 3;
      int digit = (hashBits + passes - 1) / passes;
      int radix = 1 << digit;
      int dmask = radix - 1;
      long[] other = a == sortTmp ? packed : sortTmp;
      if (other.length < n) {
        other = new long[n];
      }
      if (histogram.length < radix) {
        histogram = new int[radix];
      }
      int[] h = histogram;
      long[] src = a;
      long[] dst = other;
      for (int p = 0; p < passes; p++) {
        int shiftBits = 32 + p * digit;
        Arrays.fill(h, 0, radix, 0);
        for (int i = 0; i < n; i++) {
          h[(int) ((src[i] >>> shiftBits) & dmask)]++;
        }
        int sum = 0;
        for (int d = 0; d < radix; d++) {
          int c = h[d];
          h[d] = sum;
          sum += c;
        }
        for (int i = 0; i < n; i++) {
          long x = src[i];
          dst[h[(int) ((x >>> shiftBits) & dmask)]++] = x;
        }
        long[] swap = src;
        src = dst;
        dst = swap;
      }
      return src;
    }
  }

  /** Explicit UTF-8 encoding: never the platform default. */
  static final class Utf8 {
    private Utf8() {}

    static int put(byte[] b, int p, int cp) {
      if (cp < 0x80) {
        b[p++] = (byte) cp;
      } else if (cp < 0x800) {
        b[p++] = (byte) (0xC0 | (cp >> 6));
        b[p++] = (byte) (0x80 | (cp & 0x3F));
      } else if (cp < 0x10000) {
        b[p++] = (byte) (0xE0 | (cp >> 12));
        b[p++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
        b[p++] = (byte) (0x80 | (cp & 0x3F));
      } else {
        b[p++] = (byte) (0xF0 | (cp >> 18));
        b[p++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
        b[p++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
        b[p++] = (byte) (0x80 | (cp & 0x3F));
      }
      return p;
    }

    /** Encodes {@code s}; unpaired surrogates become U+FFFD; {@code fold} case-folds. */
    static int putString(byte[] b, int p, String s, boolean fold) {
      for (int i = 0, n = s.length(); i < n; ) {
        int cp = s.codePointAt(i);
        i += Character.charCount(cp);
        if (cp >= 0xD800 && cp <= 0xDFFF) {
          cp = 0xFFFD;
        } else if (fold) {
          cp =
              cp < 0x80
                  ? (cp >= 'A' && cp <= 'Z' ? cp + 32 : cp)
                  : Character.toLowerCase(Character.toUpperCase(cp));
        }
        p = put(b, p, cp);
      }
      return p;
    }
  }
}
