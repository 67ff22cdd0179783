package dev.loopline.model.features;

/**
 * A bounded, per-thread memo from a token's UTF-8 bytes to the masked buckets of its char n-grams,
 * for one n-gram setting (char seed, bucket mask, n-gram sizes). Text is Zipf-distributed: a few
 * thousand words make up most tokens, so across events most tokens are found here and skip all
 * their n-gram hashing; the featurizer still counts them per text exactly as before, so the output
 * does not change.
 *
 * <p>Layout: {@value #SETS} sets of 2 entries chosen by the token's word hash (the featurizer
 * computes it anyway for the unigram), the most recently used entry of a set kept on a miss; the
 * key is the hash plus the token's bytes (at most {@value #MAX_TOKEN_BYTES}; longer tokens are not
 * cached), compared in full, so colliding hashes cannot mix tokens. The buckets live in one ring of
 * {@value #POOL} ints written in order: an entry is valid only while the ring has not wrapped over
 * its buckets (absolute write positions), so eviction from the ring needs no bookkeeping.
 *
 * <p>Memory: about 0.9 MiB ({@value #POOL} ints, {@value #ENTRIES} x {@value #MAX_TOKEN_BYTES} key
 * bytes, 15 bytes of metadata per entry), allocated on first use. Not thread-safe: each thread's
 * scratch owns its caches, at most {@value #PER_THREAD} (one per n-gram setting in use, the least
 * recently used one reassigned beyond that), so the bound is {@value #PER_THREAD} x 0.9 MiB per
 * thread.
 */
final class NgramCache {

  /** Sets of two entries; a power of two. */
  static final int SETS = 4096;

  static final int ENTRIES = 2 * SETS;

  /** Longer tokens (rarely repeated: ids, CJK runs) bypass the cache. */
  static final int MAX_TOKEN_BYTES = 32;

  /** Ints in the bucket ring; a power of two. */
  static final int POOL = 1 << 17;

  /** N-gram settings (caches) per thread. */
  static final int PER_THREAD = 4;

  private int seed;
  private int mask;
  private int nMin;
  private int nMax;
  long lastUse;

  private final int[] tags = new int[ENTRIES];
  private final byte[] keyLengths = new byte[ENTRIES];
  private final byte[] keys = new byte[ENTRIES * MAX_TOKEN_BYTES];
  private final long[] starts = new long[ENTRIES];
  private final short[] counts = new short[ENTRIES];
  private final byte[] recent = new byte[SETS];
  final int[] pool = new int[POOL];
  private long written;

  /** The bucket count of the last {@link #lookupOrFill} (its buckets start at the offset). */
  int lastCount;

  long hits;
  long misses;

  NgramCache(int seed, int mask, int nMin, int nMax) {
    reassign(seed, mask, nMin, nMax);
  }

  boolean isFor(int seed, int mask, int nMin, int nMax) {
    return this.seed == seed && this.mask == mask && this.nMin == nMin && this.nMax == nMax;
  }

  /** Drops every entry (in O(1): the ring position moves past them) and takes a new setting. */
  void reassign(int seed, int mask, int nMin, int nMax) {
    this.seed = seed;
    this.mask = mask;
    this.nMin = nMin;
    this.nMax = nMax;
    written += POOL + 1L;
    hits = 0;
    misses = 0;
  }

  /**
   * Whether {@code a[ai, ai + len)} equals {@code b[bi, bi + len)}: a plain loop, cheaper than
   * {@code Arrays.equals} on ranges for the few bytes of a word.
   */
  static boolean sameBytes(byte[] a, int ai, byte[] b, int bi, int len) {
    for (int i = 0; i < len; i++) {
      if (a[ai + i] != b[bi + i]) {
        return false;
      }
    }
    return true;
  }

  /** The set a token with this word hash goes to. */
  static int setOf(int wordHash) {
    return wordHash & (SETS - 1);
  }

  /**
   * The char n-gram buckets of the token {@code b[from, from + len)} ({@code len <= }{@value
   * #MAX_TOKEN_BYTES}; word hash {@code h}; padded code points {@code [first, end)} of {@code
   * cpOff}): their offset in {@link #pool}, {@link #lastCount} of them, computed and stored on a
   * miss. Valid until the next call.
   */
  int lookupOrFill(byte[] b, int from, int len, int h, int[] cpOff, int first, int end) {
    int set = setOf(h);
    int e0 = set << 1;
    long w = written;
    for (int e = e0; e <= e0 + 1; e++) {
      if (tags[e] == h
          && keyLengths[e] == len
          && w - starts[e] <= POOL
          && sameBytes(keys, e * MAX_TOKEN_BYTES, b, from, len)) {
        recent[set] = (byte) (e - e0);
        hits++;
        lastCount = counts[e];
        return (int) starts[e] & (POOL - 1);
      }
    }
    misses++;
    int victim;
    if (w - starts[e0] > POOL) {
      victim = e0;
    } else if (w - starts[e0 + 1] > POOL) {
      victim = e0 + 1;
    } else {
      victim = e0 + 1 - recent[set];
    }
    int bound = (nMax - nMin + 1) * (end - first);
    int at = (int) w & (POOL - 1);
    if (at + bound > POOL) {
      w += POOL - at; // keep an entry's buckets contiguous: wrap early
      at = 0;
    }
    int count = Featurizer.charNgrams(b, cpOff, first, end, nMin, nMax, seed, mask, pool, at) - at;
    starts[victim] = w;
    written = w + count;
    counts[victim] = (short) count;
    tags[victim] = h;
    keyLengths[victim] = (byte) len;
    System.arraycopy(b, from, keys, victim * MAX_TOKEN_BYTES, len);
    recent[set] = (byte) (victim - e0);
    lastCount = count;
    return at;
  }
}
