package dev.loopline.launcher.produce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loopline.avro.Event;
import dev.loopline.launcher.UserError;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CsvEventSourceTest {

  static List<ParsedLine> parse(byte[] input, ValidationRules rules) throws IOException {
    EventSource source = new CsvEventSource(new ByteArrayInputStream(input), rules);
    List<ParsedLine> out = new ArrayList<>();
    ParsedLine p;
    while ((p = source.next()) != null) {
      out.add(p);
    }
    return out;
  }

  static List<ParsedLine> parse(String input) throws IOException {
    return parse(input.getBytes(StandardCharsets.UTF_8), ValidationRules.defaults());
  }

  private static Event event(ParsedLine p) {
    assertThat(p).isInstanceOf(ParsedLine.Valid.class);
    return ((ParsedLine.Valid) p).event();
  }

  private static String reason(ParsedLine p) {
    assertThat(p).isInstanceOf(ParsedLine.Rejected.class);
    return ((ParsedLine.Rejected) p).reason();
  }

  @Test
  void readsQuotedMultiLineFieldsAndAttributes() throws IOException {
    List<ParsedLine> out =
        parse(
            "text,id,occurredAt,attr.channel\r\n"
                + "\"Hello, \"\"world\"\"\",a,2026-01-05T08:00:00Z,chat\r\n"
                + "\"line one\r\nline two\",b,1767600000000,\r\n"
                + "plain,c,1767600000000,web\r\n");
    assertThat(out).hasSize(3);
    assertThat(event(out.get(0)).getText()).isEqualTo("Hello, \"world\"");
    assertThat(event(out.get(0)).getAttributes()).isEqualTo(Map.of("channel", "chat"));
    assertThat(event(out.get(1)).getText()).isEqualTo("line one\nline two");
    assertThat(event(out.get(1)).getAttributes()).isEmpty();
    assertThat(out).extracting(ParsedLine::line).containsExactly(2L, 3L, 5L);
  }

  @Test
  void readsTheOptionalOriginColumnOfEventV2() throws IOException {
    List<ParsedLine> out =
        parse("id,origin,occurredAt,text\r\n" + "a,helpdesk,1,hello\r\n" + "b,,1,hi\r\n");
    assertThat(out).hasSize(2);
    assertThat(event(out.get(0)).getOrigin()).isEqualTo("helpdesk");
    assertThat(event(out.get(1)).getOrigin()).isNull();
    assertThat(event(parse("id,occurredAt,text\r\na,1,hello\r\n").get(0)).getOrigin()).isNull();
  }

  @Test
  void rejectsBadRowsWithTheirStartLine() throws IOException {
    List<ParsedLine> out =
        parse(
            String.join(
                "\n",
                "id,occurredAt,text",
                "a,1,too,many",
                "b,notatime,x",
                "c,1,\"closed\"junk",
                "d,1,un\"quo\"ted",
                "e,1,",
                "f,1,fine"));
    assertThat(reason(out.get(0))).isEqualTo("expected 3 fields, got 4");
    assertThat(reason(out.get(1))).startsWith("'occurredAt' is not an ISO-8601 instant");
    assertThat(reason(out.get(2))).startsWith("malformed CSV: unexpected character after closing");
    assertThat(reason(out.get(3))).startsWith("malformed CSV: quote inside an unquoted field");
    assertThat(reason(out.get(4))).isEqualTo("'text' is empty");
    assertThat(event(out.get(5)).getId()).isEqualTo("f");
    assertThat(out).extracting(ParsedLine::line).containsExactly(2L, 3L, 4L, 5L, 6L, 7L);
  }

  @Test
  void unterminatedQuoteIsRejectedAndReadingResumesOnTheNextLine() throws IOException {
    List<ParsedLine> out =
        parse(
            "id,occurredAt,text\na,1,\"never closed\nb,1,fine\nc,1,also fine\n"
                .getBytes(StandardCharsets.UTF_8),
            ValidationRules.defaults());
    assertThat(reason(out.get(0))).isEqualTo("quoted field is never closed (unbalanced '\"')");
    assertThat(out.get(0).line()).isEqualTo(2);
    assertThat(event(out.get(1)).getId()).isEqualTo("b");
    assertThat(event(out.get(2)).getId()).isEqualTo("c");
  }

  @Test
  void badBytesInsideAMultiLineRecordRejectTheRecord() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes("id,occurredAt,text\na,1,\"first\nsec".getBytes(StandardCharsets.UTF_8));
    b.write(0xFF);
    b.writeBytes("ond\"\nb,1,ok\n".getBytes(StandardCharsets.UTF_8));
    List<ParsedLine> out = parse(b.toByteArray(), ValidationRules.defaults());
    assertThat(reason(out.get(0))).isEqualTo("invalid UTF-8 at byte 4 of the line (on line 3)");
    assertThat(out.get(0).line()).isEqualTo(2);
    assertThat(event(out.get(1)).getId()).isEqualTo("b");
  }

  @Test
  void headerProblemsAreUserErrors() {
    assertThatThrownBy(() -> parse("id,occurredAt,text,label\na,1,t,x\n"))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("unknown column 'label'");
    assertThatThrownBy(() -> parse("id,text\na,t\n"))
        .isInstanceOf(UserError.class)
        .hasMessage("CSV header: missing column 'occurredAt'");
    assertThatThrownBy(() -> parse("id,id,occurredAt,text\n"))
        .isInstanceOf(UserError.class)
        .hasMessage("CSV header: column 'id' appears twice");
  }

  @Test
  void ignoreUnknownSkipsExtraColumns() throws IOException {
    List<ParsedLine> out =
        parse(
            "id,occurredAt,text,label\na,1,t,Billing\n".getBytes(StandardCharsets.UTF_8),
            new ValidationRules(100, true));
    assertThat(event(out.get(0)).getText()).isEqualTo("t");
  }
}
