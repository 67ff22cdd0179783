package dev.loopline.launcher.produce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopline.avro.Event;
import dev.loopline.launcher.sim.GeneratedTicket;
import dev.loopline.launcher.sim.TicketGenerator;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Generated tickets (emails with line breaks, quotes, HTML, non-Latin text) survive both formats.
 */
class EventWriterTest {

  @Test
  void generatedTicketsRoundTripThroughJsonlAndCsv() throws IOException {
    List<Event> events =
        new TicketGenerator(TicketGenerator.Settings.defaults(7))
            .take(500).stream().map(GeneratedTicket::event).toList();
    for (InputFormat format : InputFormat.values()) {
      StringWriter out = new StringWriter();
      EventWriter writer = new EventWriter(out, format, TicketGenerator.ATTRIBUTES);
      for (Event e : events) {
        writer.write(e);
      }
      EventSource source =
          format.open(
              new ByteArrayInputStream(out.toString().getBytes(StandardCharsets.UTF_8)),
              ValidationRules.defaults());
      List<Event> back = new ArrayList<>();
      ParsedLine p;
      while ((p = source.next()) != null) {
        assertThat(p).as(format + " " + p).isInstanceOf(ParsedLine.Valid.class);
        back.add(((ParsedLine.Valid) p).event());
      }
      assertThat(back).as(format.name()).isEqualTo(events);
    }
  }

  @Test
  void jsonlKeepsTheOriginOfEventV2() throws IOException {
    Event e =
        Event.newBuilder()
            .setId("a")
            .setOccurredAt(java.time.Instant.parse("2026-01-05T08:00:00Z"))
            .setText("hello")
            .setOrigin("mail-gateway")
            .build();
    StringWriter out = new StringWriter();
    new EventWriter(out, InputFormat.JSONL, List.of()).write(e);
    assertThat(out.toString()).contains("\"origin\":\"mail-gateway\"");
    ParsedLine p =
        InputFormat.JSONL
            .open(
                new ByteArrayInputStream(out.toString().getBytes(StandardCharsets.UTF_8)),
                ValidationRules.defaults())
            .next();
    assertThat(((ParsedLine.Valid) p).event()).isEqualTo(e);
  }

  @Test
  void csvQuotesOnlyWhenNeeded() {
    assertThat(EventWriter.csv("plain")).isEqualTo("plain");
    assertThat(EventWriter.csv("a,b")).isEqualTo("\"a,b\"");
    assertThat(EventWriter.csv("say \"hi\"\n")).isEqualTo("\"say \"\"hi\"\"\n\"");
  }
}
