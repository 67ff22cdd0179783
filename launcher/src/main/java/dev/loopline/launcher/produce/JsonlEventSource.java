package dev.loopline.launcher.produce;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.loopline.launcher.produce.EventValidator.Invalid;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads JSON Lines: one object per line, {@code {"id":..,"occurredAt":..,"text":..,"attributes":
 * {..},"origin":..}} ({@code attributes} and {@code origin} optional). Blank lines are skipped.
 * Each line is validated on its own; a bad line is rejected with its number and the rest are read
 * on.
 */
public final class JsonlEventSource implements EventSource {

  private static final JsonFactory JSON =
      JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private final StrictLineReader lines;
  private final EventValidator validator;
  private final ValidationRules rules;

  public JsonlEventSource(InputStream in, ValidationRules rules) {
    this.lines = new StrictLineReader(in, rules.maxLineBytes());
    this.validator = new EventValidator(rules);
    this.rules = rules;
  }

  @Override
  public long bytesRead() {
    return lines.bytesRead();
  }

  @Override
  public ParsedLine next() throws IOException {
    Line line;
    do {
      line = lines.next();
      if (line == null) {
        return null;
      }
    } while (line.error() == null && line.text().isBlank());
    if (line.error() != null) {
      return new ParsedLine.Rejected(line.number(), line.error());
    }
    try {
      return new ParsedLine.Valid(line.number(), parse(line.text()));
    } catch (Invalid e) {
      return new ParsedLine.Rejected(line.number(), e.getMessage());
    }
  }

  private dev.loopline.avro.Event parse(String text) throws Invalid {
    String id = null;
    Instant occurredAt = null;
    String body = null;
    String origin = null;
    Map<String, String> attributes = new LinkedHashMap<>();
    boolean seenOccurredAt = false;
    try (JsonParser p = JSON.createParser(text)) {
      JsonToken first = p.nextToken();
      if (first != JsonToken.START_OBJECT) {
        if (first != null && (first.isScalarValue() || first.isStructStart())) {
          skipToEnd(p);
        }
        throw new Invalid("not a JSON object");
      }
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        switch (name) {
          case "id" -> id = string("id", p, value);
          case "occurredAt" -> {
            seenOccurredAt = true;
            occurredAt = occurredAt(p, value);
          }
          case "text" -> body = string("text", p, value);
          case "attributes" -> attributes(p, value, attributes);
          case "origin" -> origin = string("origin", p, value);
          default -> {
            if (!rules.ignoreUnknown()) {
              throw new Invalid(
                  "unknown field '"
                      + EventValidator.abbreviate(name)
                      + "' (use --ignore-unknown to drop unknown fields)");
            }
            p.skipChildren();
          }
        }
      }
      if (t != JsonToken.END_OBJECT) {
        throw new Invalid("malformed JSON: unexpected " + t);
      }
      if (p.nextToken() != null) {
        throw new Invalid("malformed JSON: more content after the object");
      }
    } catch (JsonProcessingException e) {
      throw new Invalid(malformed(e));
    } catch (IOException e) {
      throw new Invalid("malformed JSON: " + e.getMessage());
    }
    id = validator.id(id);
    if (!seenOccurredAt) {
      validator.occurredAt(null);
    }
    body = validator.text(body);
    return validator.event(id, occurredAt, body, attributes, validator.origin(origin));
  }

  /** Jackson's message without its source excerpt, with the column where parsing stopped. */
  static String malformed(JsonProcessingException e) {
    String m = String.valueOf(e.getOriginalMessage());
    int cut = m.indexOf(" (start marker at");
    if (cut >= 0) {
      m = m.substring(0, cut);
    }
    m = m.replaceAll("\\s*\\R\\s*", " ");
    JsonLocation where = e.getLocation();
    return where != null && where.getColumnNr() > 0
        ? "malformed JSON at column " + where.getColumnNr() + ": " + m
        : "malformed JSON: " + m;
  }

  /** Reads to the end so that syntax errors after a non-object still say "malformed JSON". */
  private static void skipToEnd(JsonParser p) throws IOException {
    p.skipChildren();
    while (p.nextToken() != null) {
      p.skipChildren();
    }
  }

  private static String string(String name, JsonParser p, JsonToken value)
      throws Invalid, IOException {
    if (value == JsonToken.VALUE_NULL) {
      return null;
    }
    if (value != JsonToken.VALUE_STRING) {
      throw new Invalid("'" + name + "' must be a string, got " + kind(value));
    }
    return p.getText();
  }

  private Instant occurredAt(JsonParser p, JsonToken value) throws Invalid, IOException {
    if (value == JsonToken.VALUE_NULL) {
      return validator.occurredAt(null);
    }
    if (value == JsonToken.VALUE_STRING) {
      return validator.occurredAt(p.getText());
    }
    if (value == JsonToken.VALUE_NUMBER_INT) {
      if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
        throw new Invalid("'occurredAt' is out of range: " + p.getText());
      }
      return validator.epochMillis(p.getLongValue());
    }
    throw new Invalid(
        "'occurredAt' must be an ISO-8601 string or integer epoch milliseconds, got "
            + kind(value));
  }

  private void attributes(JsonParser p, JsonToken value, Map<String, String> out)
      throws Invalid, IOException {
    if (value == JsonToken.VALUE_NULL) {
      return;
    }
    if (value != JsonToken.START_OBJECT) {
      throw new Invalid("'attributes' must be an object of strings, got " + kind(value));
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      if (v != JsonToken.VALUE_STRING) {
        throw new Invalid(
            "'attributes."
                + EventValidator.abbreviate(name)
                + "' must be a string, got "
                + kind(v));
      }
      String text = p.getText();
      validator.attribute(name, text);
      out.put(name, text);
    }
  }

  private static String kind(JsonToken t) {
    if (t == null) {
      return "nothing";
    }
    return switch (t) {
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case START_ARRAY -> "an array";
      case START_OBJECT -> "an object";
      case VALUE_STRING -> "a string";
      case VALUE_NULL -> "null";
      default -> t.toString().toLowerCase(java.util.Locale.ROOT);
    };
  }
}
