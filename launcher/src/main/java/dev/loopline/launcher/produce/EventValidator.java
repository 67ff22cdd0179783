package dev.loopline.launcher.produce;

import dev.loopline.avro.Event;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Map;

/**
 * The field rules shared by the JSONL and CSV readers, so both reject the same things with the same
 * words: a non-empty id, an occurredAt that is an ISO-8601 instant or epoch milliseconds (a valid
 * Kafka timestamp), a non-blank text within the size limit and free of unpaired surrogates, and an
 * optional origin (Event v2) no longer than an id.
 */
final class EventValidator {

  private final ValidationRules rules;

  EventValidator(ValidationRules rules) {
    this.rules = rules;
  }

  /** Thrown with a user-facing reason; the record is rejected. */
  static final class Invalid extends Exception {
    Invalid(String reason) {
      super(reason, null, false, false);
    }
  }

  String id(String id) throws Invalid {
    if (id == null) {
      throw new Invalid("missing field 'id'");
    }
    if (id.isBlank()) {
      throw new Invalid("'id' is empty");
    }
    if (utf8Length(id) > ValidationRules.MAX_ID_BYTES) {
      throw new Invalid("'id' is longer than " + ValidationRules.MAX_ID_BYTES + " bytes");
    }
    checkSurrogates("id", id);
    return id;
  }

  Instant occurredAt(String value) throws Invalid {
    if (value == null) {
      throw new Invalid("missing field 'occurredAt'");
    }
    String v = value.strip();
    if (!v.isEmpty() && v.chars().allMatch(c -> c >= '0' && c <= '9')) {
      try {
        return epochMillis(Long.parseLong(v));
      } catch (NumberFormatException e) {
        throw new Invalid("'occurredAt' is out of range: " + v);
      }
    }
    Instant fast = simpleUtcInstant(v);
    if (fast != null) {
      return fast;
    }
    try {
      return Instant.parse(v);
    } catch (DateTimeException e) {
      throw new Invalid(
          "'occurredAt' is not an ISO-8601 instant or epoch milliseconds: " + abbreviate(v));
    }
  }

  /**
   * {@code yyyy-MM-ddTHH:mm:ss[.fraction]Z}, the shape nearly every file uses, without the
   * formatter machinery of {@link Instant#parse} (several times slower); null for anything else,
   * which then goes through {@link Instant#parse}.
   */
  static Instant simpleUtcInstant(String v) {
    int n = v.length();
    if (n < 20
        || v.charAt(n - 1) != 'Z'
        || v.charAt(4) != '-'
        || v.charAt(7) != '-'
        || v.charAt(10) != 'T'
        || v.charAt(13) != ':'
        || v.charAt(16) != ':') {
      return null;
    }
    int year = digits(v, 0, 4);
    int month = digits(v, 5, 7);
    int day = digits(v, 8, 10);
    int hour = digits(v, 11, 13);
    int minute = digits(v, 14, 16);
    int second = digits(v, 17, 19);
    int nanos = 0;
    if (n > 20) {
      if (v.charAt(19) != '.' || n - 21 > 9 || n - 21 < 1) {
        return null;
      }
      int fraction = digits(v, 20, n - 1);
      if (fraction < 0) {
        return null;
      }
      nanos = fraction * (int) Math.pow(10, 9 - (n - 21));
    } else if (n != 20) {
      return null;
    }
    if ((year | month | day | hour | minute | second) < 0
        || hour > 23
        || minute > 59
        || second > 59) {
      return null;
    }
    try {
      return java.time.LocalDateTime.of(year, month, day, hour, minute, second, nanos)
          .toInstant(java.time.ZoneOffset.UTC);
    } catch (DateTimeException e) {
      return null;
    }
  }

  private static int digits(String s, int from, int to) {
    int v = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  Instant epochMillis(long millis) throws Invalid {
    if (millis < 0) {
      throw new Invalid("'occurredAt' must not be before 1970-01-01T00:00:00Z");
    }
    return Instant.ofEpochMilli(millis);
  }

  String text(String text) throws Invalid {
    if (text == null) {
      throw new Invalid("missing field 'text'");
    }
    if (text.isBlank()) {
      throw new Invalid("'text' is empty");
    }
    int bytes = utf8Length(text);
    if (bytes > rules.maxTextBytes()) {
      throw new Invalid(
          "'text' is " + bytes + " bytes, over the limit of " + rules.maxTextBytes() + " bytes");
    }
    checkSurrogates("text", text);
    return text;
  }

  void attribute(String name, String value) throws Invalid {
    if (name.isEmpty()) {
      throw new Invalid("an attribute has an empty name");
    }
    checkSurrogates("attributes." + name, value);
  }

  /**
   * The optional {@code origin} (the producing system, Event v2): absent, null or blank means not
   * given (null in the record), as an empty CSV cell does.
   */
  String origin(String origin) throws Invalid {
    if (origin == null || origin.isBlank()) {
      return null;
    }
    if (utf8Length(origin) > ValidationRules.MAX_ID_BYTES) {
      throw new Invalid("'origin' is longer than " + ValidationRules.MAX_ID_BYTES + " bytes");
    }
    checkSurrogates("origin", origin);
    return origin;
  }

  Event event(
      String id, Instant occurredAt, String text, Map<String, String> attributes, String origin) {
    return Event.newBuilder()
        .setId(id)
        .setOccurredAt(occurredAt)
        .setText(text)
        .setAttributes(attributes)
        .setOrigin(origin)
        .build();
  }

  static String abbreviate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }

  /**
   * UTF-8 length without allocating (a lone surrogate counts as the 1 byte '?' it would become).
   */
  static int utf8Length(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else if (Character.isSurrogate(c)) {
        n++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  /** JSON escapes can spell a lone surrogate, which has no UTF-8 form: reject it, never mangle. */
  private static void checkSurrogates(String field, String s) throws Invalid {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new Invalid("'" + field + "' contains an unpaired UTF-16 surrogate (not valid text)");
      }
    }
  }
}
