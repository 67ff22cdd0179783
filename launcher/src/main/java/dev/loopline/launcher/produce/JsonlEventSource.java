package dev.loopline.launcher.produce;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.loopline.launcher.produce.EventValidator.Invalid;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads JSON Lines: one object per line, {@code {"id":..,"occurredAt":..,"text":..,"attributes":
 * {..}}}. Blank lines are skipped. Each line is validated on its own; a bad line is rejected with
 * its number and the rest are read on.
 */
public final class JsonlEventSource implements EventSource {

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

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
    JsonNode node;
    try {
      node = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new Invalid("malformed JSON: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new Invalid("not a JSON object");
    }
    String id = null;
    Instant occurredAt = null;
    String body = null;
    Map<String, String> attributes = new LinkedHashMap<>();
    boolean seenOccurredAt = false;
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      JsonNode value = field.getValue();
      switch (field.getKey()) {
        case "id" -> id = string("id", value);
        case "occurredAt" -> {
          seenOccurredAt = true;
          occurredAt = occurredAt(value);
        }
        case "text" -> body = string("text", value);
        case "attributes" -> attributes(value, attributes);
        default -> {
          if (!rules.ignoreUnknown()) {
            throw new Invalid(
                "unknown field '"
                    + EventValidator.abbreviate(field.getKey())
                    + "' (use --ignore-unknown to drop unknown fields)");
          }
        }
      }
    }
    id = validator.id(id);
    if (!seenOccurredAt) {
      validator.occurredAt(null);
    }
    body = validator.text(body);
    return validator.event(id, occurredAt, body, attributes);
  }

  private static String string(String name, JsonNode value) throws Invalid {
    if (value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw new Invalid("'" + name + "' must be a string, got " + kind(value));
    }
    return value.textValue();
  }

  private Instant occurredAt(JsonNode value) throws Invalid {
    if (value.isNull()) {
      return validator.occurredAt(null);
    }
    if (value.isTextual()) {
      return validator.occurredAt(value.textValue());
    }
    if (value.isIntegralNumber() && value.canConvertToLong()) {
      return validator.epochMillis(value.longValue());
    }
    throw new Invalid(
        "'occurredAt' must be an ISO-8601 string or integer epoch milliseconds, got "
            + kind(value));
  }

  private void attributes(JsonNode value, Map<String, String> out) throws Invalid {
    if (value.isNull()) {
      return;
    }
    if (!value.isObject()) {
      throw new Invalid("'attributes' must be an object of strings, got " + kind(value));
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> attr = it.next();
      if (!attr.getValue().isTextual()) {
        throw new Invalid(
            "'attributes."
                + EventValidator.abbreviate(attr.getKey())
                + "' must be a string, got "
                + kind(attr.getValue()));
      }
      validator.attribute(attr.getKey(), attr.getValue().textValue());
      out.put(attr.getKey(), attr.getValue().textValue());
    }
  }

  private static String kind(JsonNode v) {
    return switch (v.getNodeType()) {
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      case STRING -> "a string";
      case NULL, MISSING -> "null";
      default -> v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    };
  }
}
