package dev.loopline.launcher.produce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopline.avro.Event;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonlEventSourceTest {

  static List<ParsedLine> parse(byte[] input, ValidationRules rules) throws IOException {
    EventSource source = new JsonlEventSource(new ByteArrayInputStream(input), rules);
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

  static String reason(ParsedLine p) {
    assertThat(p).isInstanceOf(ParsedLine.Rejected.class);
    return ((ParsedLine.Rejected) p).reason();
  }

  @Test
  void parsesIsoAndEpochTimestampsAndAttributes() throws IOException {
    List<ParsedLine> out =
        parse(
            """
            {"id":"a","occurredAt":"2026-01-05T08:00:00Z","text":"hello","attributes":{"channel":"chat"}}

            {"id":"b","occurredAt":1767600000000,"text":"hi"}
            {"id":"c","occurredAt":"2026-01-05T09:00:00+01:00","text":"x","attributes":null}
            """);
    assertThat(out).hasSize(3).allMatch(p -> p instanceof ParsedLine.Valid);
    Event a = ((ParsedLine.Valid) out.get(0)).event();
    assertThat(a.getId()).isEqualTo("a");
    assertThat(a.getOccurredAt()).isEqualTo(Instant.parse("2026-01-05T08:00:00Z"));
    assertThat(a.getAttributes()).isEqualTo(Map.of("channel", "chat"));
    assertThat(out).extracting(ParsedLine::line).containsExactly(1L, 3L, 4L);
    assertThat(((ParsedLine.Valid) out.get(1)).event().getOccurredAt().toEpochMilli())
        .isEqualTo(1767600000000L);
    assertThat(((ParsedLine.Valid) out.get(2)).event().getOccurredAt())
        .isEqualTo(Instant.parse("2026-01-05T08:00:00Z"));
  }

  @Test
  void readsTheOptionalOriginOfEventV2() throws IOException {
    List<ParsedLine> out =
        parse(
            String.join(
                "\n",
                "{\"id\":\"a\",\"occurredAt\":1,\"text\":\"t\",\"origin\":\"helpdesk\"}",
                "{\"id\":\"b\",\"occurredAt\":1,\"text\":\"t\"}",
                "{\"id\":\"c\",\"occurredAt\":1,\"text\":\"t\",\"origin\":null}",
                "{\"id\":\"d\",\"occurredAt\":1,\"text\":\"t\",\"origin\":\" \"}",
                "{\"id\":\"e\",\"occurredAt\":1,\"text\":\"t\",\"origin\":3}",
                "{\"id\":\"f\",\"occurredAt\":1,\"text\":\"t\",\"origin\":\"\\udc00\"}"));
    assertThat(out).hasSize(6);
    assertThat(out.subList(0, 4))
        .extracting(p -> ((ParsedLine.Valid) p).event().getOrigin())
        .containsExactly("helpdesk", null, null, null);
    assertThat(reason(out.get(4))).isEqualTo("'origin' must be a string, got a number");
    assertThat(reason(out.get(5))).contains("'origin' contains an unpaired UTF-16 surrogate");
  }

  @Test
  void rejectsEachKindOfBadLineWithItsReason() throws IOException {
    List<ParsedLine> out =
        parse(
            String.join(
                "\n",
                "{\"id\":\"a\",\"occurredAt\":1,\"text\":\"t\"",
                "[1,2]",
                "{\"id\":\"a\",\"occurredAt\":1,\"text\":\"t\",\"label\":\"x\"}",
                "{\"id\":7,\"occurredAt\":1,\"text\":\"t\"}",
                "{\"id\":\"a\",\"occurredAt\":\"yesterday\",\"text\":\"t\"}",
                "{\"id\":\"a\",\"occurredAt\":1.5,\"text\":\"t\"}",
                "{\"id\":\"a\",\"occurredAt\":-5,\"text\":\"t\"}",
                "{\"id\":\"a\",\"text\":\"t\"}",
                "{\"id\":\"a\",\"occurredAt\":1,\"text\":\"   \"}",
                "{\"id\":\"\",\"occurredAt\":1,\"text\":\"t\"}",
                "{\"id\":\"a\",\"occurredAt\":1,\"text\":\"t\",\"attributes\":{\"n\":3}}",
                "{\"id\":\"a\",\"occurredAt\":1,\"text\":\"t\",\"attributes\":[]}",
                "{\"id\":\"a\",\"occurredAt\":1,\"text\":\"\\ud800\"}",
                "{\"id\":\"a\",\"id\":\"b\",\"occurredAt\":1,\"text\":\"t\"}",
                "{\"id\":\"a\",\"occurredAt\":1,\"text\":\"t\"} {}",
                "{\"occurredAt\":1,\"text\":\"t\"}"));
    assertThat(out).hasSize(16);
    assertThat(out)
        .extracting(ParsedLine::line)
        .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L, 13L, 14L, 15L, 16L);
    assertThat(reason(out.get(0)))
        .isEqualTo(
            "malformed JSON at column 36: Unexpected end-of-input: expected close marker for Object");
    assertThat(reason(out.get(1))).isEqualTo("not a JSON object");
    assertThat(reason(out.get(2))).startsWith("unknown field 'label'");
    assertThat(reason(out.get(3))).isEqualTo("'id' must be a string, got a number");
    assertThat(reason(out.get(4))).startsWith("'occurredAt' is not an ISO-8601 instant");
    assertThat(reason(out.get(5))).startsWith("'occurredAt' must be an ISO-8601 string or integer");
    assertThat(reason(out.get(6))).startsWith("'occurredAt' must not be before 1970");
    assertThat(reason(out.get(7))).isEqualTo("missing field 'occurredAt'");
    assertThat(reason(out.get(8))).isEqualTo("'text' is empty");
    assertThat(reason(out.get(9))).isEqualTo("'id' is empty");
    assertThat(reason(out.get(10))).isEqualTo("'attributes.n' must be a string, got a number");
    assertThat(reason(out.get(11))).startsWith("'attributes' must be an object");
    assertThat(reason(out.get(12))).contains("unpaired UTF-16 surrogate");
    assertThat(reason(out.get(13)))
        .startsWith("malformed JSON at column")
        .contains("Duplicate field 'id'");
    assertThat(reason(out.get(14))).startsWith("malformed JSON");
    assertThat(reason(out.get(15))).isEqualTo("missing field 'id'");
  }

  @Test
  void oversizeTextAndBadBytesAreRejectedAndTheRestRead() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(
        ("{\"id\":\"big\",\"occurredAt\":1,\"text\":\"" + "é".repeat(60) + "\"}\n")
            .getBytes(StandardCharsets.UTF_8));
    b.writeBytes(
        "{\"id\":\"bad\",\"occurredAt\":1,\"text\":\"caf".getBytes(StandardCharsets.UTF_8));
    b.write(0xE9); // Latin-1 é: not UTF-8
    b.writeBytes(
        "\"}\n{\"id\":\"ok\",\"occurredAt\":1,\"text\":\"fine\"}\n"
            .getBytes(StandardCharsets.UTF_8));
    List<ParsedLine> out = parse(b.toByteArray(), new ValidationRules(100, false));
    assertThat(reason(out.get(0))).isEqualTo("'text' is 120 bytes, over the limit of 100 bytes");
    assertThat(reason(out.get(1))).isEqualTo("invalid UTF-8 at byte 39 of the line");
    assertThat(out.get(2)).isInstanceOf(ParsedLine.Valid.class);
  }

  @Test
  void fastTimestampPathAgreesWithInstantParse() {
    for (String s :
        List.of(
            "2026-01-05T08:00:00Z",
            "2026-01-05T08:00:00.8Z",
            "2026-01-05T08:00:00.820Z",
            "2024-02-29T23:59:59.123456789Z",
            "1970-01-01T00:00:00Z")) {
      assertThat(EventValidator.simpleUtcInstant(s)).as(s).isEqualTo(Instant.parse(s));
    }
    for (String s :
        List.of(
            "2026-02-30T08:00:00Z",
            "2026-01-05T24:00:00Z",
            "2026-01-05T08:00:00+01:00",
            "2026-01-05 08:00:00Z",
            "2026-01-05T08:00:00.Z",
            "2026-01-05T08:00:00.1234567890Z")) {
      assertThat(EventValidator.simpleUtcInstant(s)).as(s).isNull();
    }
  }

  @Test
  void ignoreUnknownDropsExtraFields() throws IOException {
    List<ParsedLine> out =
        parse(
            "{\"id\":\"a\",\"occurredAt\":1,\"text\":\"t\",\"label\":{\"x\":[1]}}\n"
                .getBytes(StandardCharsets.UTF_8),
            new ValidationRules(1000, true));
    assertThat(out).singleElement().isInstanceOf(ParsedLine.Valid.class);
  }
}
