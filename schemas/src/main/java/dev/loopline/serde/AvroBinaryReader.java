package dev.loopline.serde;

import java.nio.charset.StandardCharsets;

/**
 * The primitives of Avro's binary encoding read straight from a byte array, for the hand-written
 * decoders of hot paths (the scoring app's events, the backtest's served predictions) that skip
 * Avro's generic resolution for writer schemas whose layout they know. Every read checks what it
 * can (lengths within the data, varints of at most 5 or 10 bytes, as Avro's {@code BinaryDecoder})
 * and throws a {@link RuntimeException} on malformed bytes, so that the caller can hand the record
 * to the registry deserializer, which decides and reports. Not thread-safe.
 */
public class AvroBinaryReader {

  /** The record being read. */
  protected byte[] b;

  /** The next byte to read. */
  protected int p;

  /** Starts reading {@code data} at {@code offset}. */
  protected final void reset(byte[] data, int offset) {
    b = data;
    p = offset;
  }

  /**
   * The schema id of a Confluent wire-format record (magic byte 0, 4-byte big-endian id, then the
   * Avro binary); -1 when {@code data} does not start like one.
   */
  public static int schemaId(byte[] data) {
    if (data == null || data.length < 5 || data[0] != 0) {
      return -1;
    }
    return ((data[1] & 0xff) << 24)
        | ((data[2] & 0xff) << 16)
        | ((data[3] & 0xff) << 8)
        | (data[4] & 0xff);
  }

  /** A length prefix (strings, bytes) that fits in what is left of the data. */
  protected final int length() {
    long len = varLong();
    if (len < 0 || len > b.length - p) {
      throw new IllegalArgumentException("length " + len + " at " + p);
    }
    return (int) len;
  }

  protected final String string() {
    int len = length();
    String s = new String(b, p, len, StandardCharsets.UTF_8);
    p += len;
    return s;
  }

  protected final void skipString() {
    int len = length(); // before p is read: not "p += length()"
    p += len;
  }

  /** A boolean as Avro's BinaryDecoder reads it: 1 is true, any other byte false. */
  protected final boolean bool() {
    return b[p++] == 1;
  }

  /** A little-endian IEEE 754 double. */
  protected final double doubleValue() {
    if (b.length - p < 8) {
      throw new IllegalArgumentException("double past the end at " + p);
    }
    long bits = 0;
    for (int i = 7; i >= 0; i--) {
      bits = (bits << 8) | (b[p + i] & 0xffL);
    }
    p += 8;
    return Double.longBitsToDouble(bits);
  }

  /** A zig-zag varint of at most 5 bytes. */
  protected final int varInt() {
    int n = 0;
    for (int shift = 0; ; shift += 7) {
      if (shift > 28) {
        throw new IllegalArgumentException("invalid int at " + p);
      }
      byte x = b[p++];
      n |= (x & 0x7F) << shift;
      if ((x & 0x80) == 0) {
        break;
      }
    }
    return (n >>> 1) ^ -(n & 1);
  }

  /** A zig-zag varint of at most 10 bytes. */
  protected final long varLong() {
    long n = 0;
    for (int shift = 0; ; shift += 7) {
      if (shift > 63) {
        throw new IllegalArgumentException("invalid long at " + p);
      }
      byte x = b[p++];
      n |= (long) (x & 0x7F) << shift;
      if ((x & 0x80) == 0) {
        break;
      }
    }
    return (n >>> 1) ^ -(n & 1);
  }
}
