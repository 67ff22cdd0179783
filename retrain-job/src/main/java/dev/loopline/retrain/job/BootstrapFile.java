package dev.loopline.retrain.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a bootstrap file of labeled examples (seed data for the first model), one JSON object per
 * line: {@code {"eventId":"..","text":"..","label":"..","occurredAt":"2026-01-01T00:00:00Z",
 * "attributes":{..}}}. {@code occurredAt} is an ISO instant or epoch millis; {@code eventId}
 * defaults to {@code bootstrap-<line>}. Lines that do not parse are logged and come back as problem
 * records, counted like bad feedback. Every example gets the label source BOOTSTRAP.
 */
public final class BootstrapFile {

  private static final Logger LOG = LoggerFactory.getLogger(BootstrapFile.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private BootstrapFile() {}

  public static List<FeedbackRecord> read(Path file) throws IOException {
    List<FeedbackRecord> out = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      long n = 0;
      while ((line = in.readLine()) != null) {
        n++;
        if (line.isBlank()) {
          continue;
        }
        try {
          out.add(parse(MAPPER.readTree(line), n));
        } catch (IOException | RuntimeException e) {
          LOG.warn("Bad bootstrap line {}:{}: {}", file, n, e.toString());
          out.add(FeedbackRecord.undecodable(-1, n, "bad bootstrap line: " + e.getMessage()));
        }
      }
    }
    return out;
  }

  private static FeedbackRecord parse(JsonNode node, long line) {
    long occurred = time(node.get("occurredAt"));
    Map<String, String> attrs = new LinkedHashMap<>();
    JsonNode a = node.get("attributes");
    if (a != null && a.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        attrs.put(e.getKey(), e.getValue().asText());
      }
    }
    JsonNode label = node.get("label");
    if (label == null || label.asText().isBlank()) {
      throw new IllegalArgumentException("no label");
    }
    return FeedbackRecord.of(
        node.hasNonNull("eventId") ? node.get("eventId").asText() : "bootstrap-" + line,
        node.hasNonNull("text") ? node.get("text").asText() : "",
        attrs,
        occurred,
        label.asText(),
        "BOOTSTRAP",
        node.hasNonNull("labeledAt") ? time(node.get("labeledAt")) : occurred,
        -1,
        line);
  }

  private static long time(JsonNode n) {
    if (n == null || n.isNull()) {
      throw new IllegalArgumentException("no occurredAt");
    }
    return n.isNumber() ? n.asLong() : Instant.parse(n.asText()).toEpochMilli();
  }
}
