package dev.loopline.launcher.produce;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StrictLineReaderTest {

  private static List<Line> read(byte[] bytes, int max) throws IOException {
    StrictLineReader r = new StrictLineReader(new ByteArrayInputStream(bytes), max);
    List<Line> out = new ArrayList<>();
    Line l;
    while ((l = r.next()) != null) {
      out.add(l);
    }
    assertThat(r.bytesRead()).isEqualTo(bytes.length);
    return out;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void splitsLfAndCrlfStripsBomAndKeepsEmptyLines() throws IOException {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(bom);
    b.writeBytes(utf8("first\r\n\nthird ✓\nlast without newline"));
    List<Line> lines = read(b.toByteArray(), 100);
    assertThat(lines)
        .extracting(Line::text)
        .containsExactly("first", "", "third ✓", "last without newline");
    assertThat(lines).extracting(Line::number).containsExactly(1L, 2L, 3L, 4L);
    assertThat(lines).allMatch(l -> l.error() == null);
  }

  @Test
  void reportsInvalidUtf8WithLineAndByteAndReadsOn() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(utf8("ok\nab"));
    b.write(0xC3); // a lead byte with no continuation
    b.writeBytes(utf8("(\nfine again\n"));
    List<Line> lines = read(b.toByteArray(), 100);
    assertThat(lines).hasSize(3);
    assertThat(lines.get(1).error()).isEqualTo("invalid UTF-8 at byte 3 of the line");
    assertThat(lines.get(1).number()).isEqualTo(2);
    assertThat(lines.get(2).text()).isEqualTo("fine again");
    assertThat(lines.get(2).error()).isNull();
  }

  @Test
  void rejectsOverlongLineWithoutLosingTheNextOne() throws IOException {
    String longLine = "x".repeat(200_000);
    List<Line> lines = read(utf8("short\n" + longLine + "\nafter\n"), 1000);
    assertThat(lines).hasSize(3);
    assertThat(lines.get(1).error()).isEqualTo("line is 200000 bytes, over the limit of 1000");
    assertThat(lines.get(2).text()).isEqualTo("after");
  }

  @Test
  void countsQuotesOnRawBytes() throws IOException {
    List<Line> lines = read(utf8("a,\"b\nc\"\n\"\"\n"), 100);
    assertThat(lines).extracting(Line::oddQuotes).containsExactly(true, true, false);
  }
}
