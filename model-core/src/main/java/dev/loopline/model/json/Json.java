package dev.loopline.model.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The one Jackson configuration of model-core, so that metadata, canaries, specs and reports are
 * written the same way everywhere. {@link Instant}s are ISO-8601 strings (no extra jsr310 module
 * needed), map keys are sorted so output is reproducible, and unknown properties are ignored on
 * read so an older reader can open a newer artifact's optional fields.
 */
public final class Json {

  private static final ObjectMapper PRETTY = build(true);
  private static final ObjectMapper COMPACT = build(false);

  private Json() {}

  /** Indented, sorted keys: for files people read ({@code metadata.json}, reports). */
  public static ObjectMapper pretty() {
    return PRETTY;
  }

  /**
   * One line, sorted properties and map keys: the canonical form used for fingerprints and for
   * values embedded in other messages.
   */
  public static ObjectMapper compact() {
    return COMPACT;
  }

  /** Writes {@code value} as indented JSON; a mapping failure is a bug, hence unchecked. */
  public static String toPrettyJson(Object value) {
    try {
      return PRETTY.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + value.getClass().getSimpleName(), e);
    }
  }

  /** Writes {@code value} as canonical one-line JSON. */
  public static String toCompactJson(Object value) {
    try {
      return COMPACT.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + value.getClass().getSimpleName(), e);
    }
  }

  /**
   * Reads {@code json} as {@code type}.
   *
   * @throws IllegalArgumentException with a one-line reason when the JSON is malformed
   */
  public static <T> T fromJson(String json, Class<T> type) {
    try {
      return COMPACT.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "invalid " + type.getSimpleName() + " JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static ObjectMapper build(boolean indent) {
    SimpleModule time = new SimpleModule("loopline-time");
    time.addSerializer(Instant.class, new InstantSerializer());
    time.addDeserializer(Instant.class, new InstantDeserializer());
    return JsonMapper.builder()
        .addModule(time)
        .configure(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY, !indent)
        .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
        .configure(SerializationFeature.INDENT_OUTPUT, indent)
        .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false)
        .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
        .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
        .build();
  }

  private static final class InstantSerializer extends JsonSerializer<Instant> {
    @Override
    public void serialize(Instant value, JsonGenerator gen, SerializerProvider serializers)
        throws IOException {
      gen.writeString(value.toString());
    }
  }

  private static final class InstantDeserializer extends JsonDeserializer<Instant> {
    @Override
    public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (p.currentToken().isNumeric()) {
        return Instant.ofEpochMilli(p.getLongValue());
      }
      String text = p.getValueAsString();
      try {
        return Instant.parse(text);
      } catch (DateTimeParseException e) {
        return (Instant)
            ctxt.handleWeirdStringValue(Instant.class, text, "not an ISO-8601 instant");
      }
    }
  }
}
