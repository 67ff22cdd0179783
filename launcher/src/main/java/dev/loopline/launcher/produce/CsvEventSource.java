package dev.loopline.launcher.produce;

import dev.loopline.launcher.UserError;
import dev.loopline.launcher.produce.EventValidator.Invalid;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads RFC 4180 CSV with a header row {@code id,occurredAt,text[,origin][,attr.<name>...]} (any
 * column order). Quoted fields may hold commas, doubled quotes and line breaks; a record's line
 * number is the line it starts on. A quoted field that never closes within the line limit is
 * rejected and reading resumes on the line after its start, so one stray quote cannot swallow the
 * file. Empty attribute cells are omitted.
 */
public final class CsvEventSource implements EventSource {

  private static final String ATTR = "attr.";

  private final StrictLineReader lines;
  private final EventValidator validator;
  private final ValidationRules rules;
  private final Deque<Line> pushedBack = new ArrayDeque<>();
  private int idColumn = -1;
  private int occurredAtColumn = -1;
  private int textColumn = -1;
  private int originColumn = -1;
  private final Map<Integer, String> attributeColumns = new LinkedHashMap<>();
  private int columns = -1;

  public CsvEventSource(InputStream in, ValidationRules rules) {
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
    if (columns < 0) {
      readHeader();
      if (columns < 0) {
        return null;
      }
    }
    while (true) {
      Line first = nextLine();
      if (first == null) {
        return null;
      }
      if (first.error() == null && !first.oddQuotes() && first.text().isBlank()) {
        continue;
      }
      List<Line> record = collect(first);
      if (record == null) {
        return new ParsedLine.Rejected(
            first.number(), "quoted field is never closed (unbalanced '\"')");
      }
      for (Line l : record) {
        if (l.error() != null) {
          String where = l.number() == first.number() ? "" : " (on line " + l.number() + ")";
          return new ParsedLine.Rejected(first.number(), l.error() + where);
        }
      }
      try {
        List<String> fields = split(join(record));
        return new ParsedLine.Valid(first.number(), event(fields));
      } catch (Invalid e) {
        return new ParsedLine.Rejected(first.number(), e.getMessage());
      }
    }
  }

  private void readHeader() throws IOException {
    Line header = nextLine();
    while (header != null && header.error() == null && header.text().isBlank()) {
      header = nextLine();
    }
    if (header == null) {
      return;
    }
    if (header.error() != null) {
      throw new UserError("CSV header (line " + header.number() + "): " + header.error());
    }
    List<String> names;
    try {
      names = split(header.text());
    } catch (Invalid e) {
      throw new UserError("CSV header (line " + header.number() + "): " + e.getMessage());
    }
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i).strip();
      switch (name) {
        case "id" -> idColumn = once(idColumn, i, name);
        case "occurredAt" -> occurredAtColumn = once(occurredAtColumn, i, name);
        case "text" -> textColumn = once(textColumn, i, name);
        case "origin" -> originColumn = once(originColumn, i, name);
        default -> {
          if (name.startsWith(ATTR) && name.length() > ATTR.length()) {
            String attr = name.substring(ATTR.length());
            if (attributeColumns.containsValue(attr)) {
              throw new UserError("CSV header: column '" + name + "' appears twice");
            }
            attributeColumns.put(i, attr);
          } else if (!rules.ignoreUnknown()) {
            throw new UserError(
                "CSV header: unknown column '"
                    + name
                    + "' (expected id, occurredAt, text, origin and attr.<name> columns;"
                    + " use --ignore-unknown to skip others)");
          }
        }
      }
    }
    for (String required : List.of("id", "occurredAt", "text")) {
      if (!names.stream().map(String::strip).toList().contains(required)) {
        throw new UserError("CSV header: missing column '" + required + "'");
      }
    }
    columns = names.size();
  }

  private static int once(int current, int index, String name) {
    if (current >= 0) {
      throw new UserError("CSV header: column '" + name + "' appears twice");
    }
    return index;
  }

  private Line nextLine() throws IOException {
    return pushedBack.isEmpty() ? lines.next() : pushedBack.pollFirst();
  }

  /**
   * The physical lines of one record: lines are added while the quote count is odd. Returns null
   * (and pushes the continuation lines back) when the record runs past the line limit or the input
   * ends inside a quoted field.
   */
  private List<Line> collect(Line first) throws IOException {
    List<Line> record = new ArrayList<>();
    record.add(first);
    boolean open = first.oddQuotes();
    long bytes = first.text().length();
    while (open) {
      Line next = nextLine();
      if (next == null || bytes > rules.maxLineBytes()) {
        if (next != null) {
          pushedBack.addFirst(next);
        }
        for (int i = record.size() - 1; i >= 1; i--) {
          pushedBack.addFirst(record.get(i));
        }
        return null;
      }
      record.add(next);
      bytes += next.text().length() + 1;
      open ^= next.oddQuotes();
    }
    return record;
  }

  private static String join(List<Line> record) {
    if (record.size() == 1) {
      return record.get(0).text();
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < record.size(); i++) {
      if (i > 0) {
        sb.append('\n');
      }
      sb.append(record.get(i).text());
    }
    return sb.toString();
  }

  /** RFC 4180 field splitting of one complete record. */
  static List<String> split(String record) throws Invalid {
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    int i = 0;
    int n = record.length();
    while (true) {
      field.setLength(0);
      if (i < n && record.charAt(i) == '"') {
        i++;
        while (true) {
          if (i >= n) {
            throw new Invalid("malformed CSV: quoted field is never closed");
          }
          char c = record.charAt(i++);
          if (c == '"') {
            if (i < n && record.charAt(i) == '"') {
              field.append('"');
              i++;
            } else {
              break;
            }
          } else {
            field.append(c);
          }
        }
        if (i < n && record.charAt(i) != ',') {
          throw new Invalid(
              "malformed CSV: unexpected character after closing quote in field "
                  + (fields.size() + 1));
        }
      } else {
        while (i < n && record.charAt(i) != ',') {
          char c = record.charAt(i++);
          if (c == '"') {
            throw new Invalid(
                "malformed CSV: quote inside an unquoted field " + (fields.size() + 1));
          }
          field.append(c);
        }
      }
      fields.add(field.toString());
      if (i >= n) {
        return fields;
      }
      i++; // the comma
    }
  }

  private dev.loopline.avro.Event event(List<String> fields) throws Invalid {
    if (fields.size() != columns) {
      throw new Invalid("expected " + columns + " fields, got " + fields.size());
    }
    String id = validator.id(fields.get(idColumn));
    Instant occurredAt = validator.occurredAt(fields.get(occurredAtColumn));
    String text = validator.text(fields.get(textColumn));
    Map<String, String> attributes = new LinkedHashMap<>();
    for (Map.Entry<Integer, String> col : attributeColumns.entrySet()) {
      String value = fields.get(col.getKey());
      if (!value.isEmpty()) {
        validator.attribute(col.getValue(), value);
        attributes.put(col.getValue(), value);
      }
    }
    String origin = originColumn < 0 ? null : validator.origin(fields.get(originColumn));
    return validator.event(id, occurredAt, text, attributes, origin);
  }
}
