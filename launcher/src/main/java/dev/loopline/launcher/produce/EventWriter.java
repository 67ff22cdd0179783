package dev.loopline.launcher.produce;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.loopline.avro.Event;
import java.io.IOException;
import java.io.Writer;
import java.util.List;

/**
 * Writes events in the formats {@code produce} reads (JSONL, or CSV with {@code attr.<name>}
 * columns and RFC 4180 quoting), so generated files round-trip through {@code produce}.
 */
public final class EventWriter {

  private static final JsonFactory JSON = new JsonFactory();

  private final Writer out;
  private final InputFormat format;
  private final List<String> attributes;

  /**
   * @param attributes the CSV attribute columns, in order (ignored for JSONL, which writes all)
   */
  public EventWriter(Writer out, InputFormat format, List<String> attributes) throws IOException {
    this.out = out;
    this.format = format;
    this.attributes = List.copyOf(attributes);
    if (format == InputFormat.CSV) {
      StringBuilder header = new StringBuilder("id,occurredAt,text");
      for (String a : attributes) {
        header.append(",attr.").append(a);
      }
      out.write(header.append("\r\n").toString());
    }
  }

  public void write(Event e) throws IOException {
    if (format == InputFormat.JSONL) {
      writeJson(e);
    } else {
      StringBuilder row = new StringBuilder();
      row.append(csv(e.getId())).append(',').append(e.getOccurredAt()).append(',');
      row.append(csv(e.getText()));
      for (String a : attributes) {
        String v = e.getAttributes().get(a);
        row.append(',').append(v == null ? "" : csv(v));
      }
      out.write(row.append("\r\n").toString());
    }
  }

  private void writeJson(Event e) throws IOException {
    JsonGenerator g = JSON.createGenerator(out);
    g.writeStartObject();
    g.writeStringField("id", e.getId());
    g.writeStringField("occurredAt", e.getOccurredAt().toString());
    g.writeStringField("text", e.getText());
    g.writeObjectFieldStart("attributes");
    for (var attr : e.getAttributes().entrySet()) {
      g.writeStringField(attr.getKey(), attr.getValue());
    }
    g.writeEndObject();
    if (e.getOrigin() != null) {
      g.writeStringField("origin", e.getOrigin());
    }
    g.writeEndObject();
    g.flush();
    out.write('\n');
  }

  /** RFC 4180: quote when the value holds a comma, quote, CR or LF; double inner quotes. */
  static String csv(String v) {
    boolean quote = false;
    for (int i = 0; i < v.length() && !quote; i++) {
      char c = v.charAt(i);
      quote = c == ',' || c == '"' || c == '\n' || c == '\r';
    }
    return quote ? '"' + v.replace("\"", "\"\"") + '"' : v;
  }
}
