package dev.loopline.launcher.produce;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Splits a byte stream into lines and decodes each one with a strict UTF-8 decoder, so that a bad
 * byte is reported with its line number (and byte column) instead of silently becoming U+FFFD, and
 * one bad line never hides the lines after it. A line longer than the limit is skipped without
 * buffering it. Accepts LF and CRLF line ends and a leading byte-order mark.
 */
public final class StrictLineReader {

  private final InputStream in;
  private final int maxLineBytes;
  private final CharsetDecoder strict =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
  private final byte[] buf = new byte[64 * 1024];
  private int pos;
  private int limit;
  private byte[] line = new byte[1024];
  private long lineNumber;
  private long bytesRead;
  private boolean eof;

  public StrictLineReader(InputStream in, int maxLineBytes) {
    this.in = in;
    this.maxLineBytes = maxLineBytes;
  }

  /** Bytes consumed so far (for progress reporting). */
  public long bytesRead() {
    return bytesRead;
  }

  /** The next line, or null at the end of the input. */
  public Line next() throws IOException {
    int len = 0;
    long total = 0;
    int quotes = 0;
    boolean sawAny = false;
    while (true) {
      if (pos == limit) {
        if (eof || !fill()) {
          if (!sawAny) {
            return null;
          }
          break;
        }
      }
      sawAny = true;
      int start = pos;
      int nl = -1;
      for (int i = pos; i < limit; i++) {
        byte b = buf[i];
        if (b == '\n') {
          nl = i;
          break;
        }
        if (b == '"') {
          quotes++;
        }
      }
      int end = nl < 0 ? limit : nl;
      int chunk = end - start;
      total += chunk;
      if (total <= maxLineBytes + 1L) { // +1: room for a CR before the LF
        ensure(len + chunk);
        System.arraycopy(buf, start, line, len, chunk);
        len += chunk;
      }
      pos = nl < 0 ? limit : nl + 1;
      bytesRead += (pos - start);
      if (nl >= 0) {
        break;
      }
    }
    lineNumber++;
    if (total > 0 && total <= maxLineBytes + 1L && line[len - 1] == '\r') {
      len--;
      total--;
    }
    if (total > maxLineBytes) {
      return new Line(
          lineNumber, "", "line is " + total + " bytes, over the limit of " + maxLineBytes, false);
    }
    int from = 0;
    if (lineNumber == 1
        && len >= 3
        && line[0] == (byte) 0xEF
        && line[1] == (byte) 0xBB
        && line[2] == (byte) 0xBF) {
      from = 3;
    }
    return decode(from, len, (quotes & 1) == 1);
  }

  private Line decode(int from, int len, boolean oddQuotes) {
    ByteBuffer bytes = ByteBuffer.wrap(line, from, len - from);
    CharBuffer chars = CharBuffer.allocate(len - from);
    strict.reset();
    CoderResult result = strict.decode(bytes, chars, true);
    if (result.isUnderflow()) {
      result = strict.flush(chars);
    }
    if (result.isError()) {
      int column = bytes.position() - from + 1;
      String lenient = new String(line, from, len - from, StandardCharsets.UTF_8);
      return new Line(
          lineNumber, lenient, "invalid UTF-8 at byte " + column + " of the line", oddQuotes);
    }
    chars.flip();
    return new Line(lineNumber, chars.toString(), null, oddQuotes);
  }

  private boolean fill() throws IOException {
    int n = in.read(buf, 0, buf.length);
    if (n <= 0) {
      eof = true;
      pos = limit = 0;
      return false;
    }
    pos = 0;
    limit = n;
    return true;
  }

  private void ensure(int capacity) {
    if (capacity > line.length) {
      line = Arrays.copyOf(line, Math.max(capacity, line.length * 2));
    }
  }
}
