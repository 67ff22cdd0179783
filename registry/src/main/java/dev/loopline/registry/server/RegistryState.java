package dev.loopline.registry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's whole state, rebuilt by replaying the {@code _schemas} log in order. Every
 * instance applies the same records in the same order with the same rules, so all instances agree.
 *
 * <p>Conflict rule (first write wins): a record that binds an id already bound to a different
 * schema, or a subject version already holding a different id, is ignored. A writer reads its own
 * record back and retries when it lost, so ids never collide, even with two instances writing or
 * after a kill -9 in the middle of a registration.
 */
final class RegistryState {

  private static final Logger LOG = LoggerFactory.getLogger(RegistryState.class);
  static final ObjectMapper JSON = new ObjectMapper();

  record SchemaEntry(int id, String canonical, Schema schema) {}

  record VersionEntry(String subject, int version, int id, boolean deleted, boolean permanent) {
    boolean live() {
      return !deleted && !permanent;
    }
  }

  private final Map<Integer, SchemaEntry> byId = new HashMap<>();
  private final Map<String, Integer> idByCanonical = new HashMap<>();
  private final Map<String, TreeMap<Integer, VersionEntry>> subjects = new TreeMap<>();
  private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
  private CompatibilityLevel globalLevel;
  private int maxId;

  // ---- log records ----

  static byte[] schemaKey(String subject, int version) {
    ObjectNode k = JSON.createObjectNode();
    k.put("keytype", "SCHEMA").put("subject", subject).put("version", version).put("magic", 1);
    return bytes(k);
  }

  static byte[] schemaValue(VersionEntry v, String canonical) {
    ObjectNode n = JSON.createObjectNode();
    n.put("subject", v.subject())
        .put("version", v.version())
        .put("id", v.id())
        .put("schema", canonical)
        .put("deleted", v.deleted() || v.permanent());
    if (v.permanent()) {
      n.put("permanent", true);
    }
    return bytes(n);
  }

  static byte[] configKey(String subject) {
    ObjectNode k = JSON.createObjectNode();
    k.put("keytype", "CONFIG");
    if (subject == null) {
      k.putNull("subject");
    } else {
      k.put("subject", subject);
    }
    k.put("magic", 0);
    return bytes(k);
  }

  static byte[] configValue(CompatibilityLevel level) {
    return bytes(JSON.createObjectNode().put("compatibilityLevel", level.name()));
  }

  private static byte[] bytes(JsonNode n) {
    try {
      return JSON.writeValueAsBytes(n);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Applies one record of the log; unreadable records are logged and skipped. */
  synchronized void apply(byte[] key, byte[] value, long offset) {
    JsonNode k;
    JsonNode v;
    try {
      k = JSON.readTree(key);
      v = value == null ? null : JSON.readTree(value);
    } catch (IOException | RuntimeException e) {
      LOG.warn("_schemas offset {}: unreadable record skipped: {}", offset, e.toString());
      return;
    }
    if (k == null) {
      return;
    }
    switch (k.path("keytype").asText()) {
      case "SCHEMA" -> applySchema(k, v, offset);
      case "CONFIG" -> {
        String subject = k.path("subject").isTextual() ? k.path("subject").asText() : null;
        CompatibilityLevel level =
            v == null ? null : CompatibilityLevel.parse(v.path("compatibilityLevel").asText());
        if (subject == null) {
          globalLevel = level;
        } else if (level == null) {
          subjectLevels.remove(subject);
        } else {
          subjectLevels.put(subject, level);
        }
      }
      default -> {
        // NOOP and other key types of Confluent's log: nothing to do
      }
    }
  }

  private void applySchema(JsonNode k, JsonNode v, long offset) {
    String subject = k.path("subject").asText();
    int version = k.path("version").asInt();
    if (v == null) {
      // A tombstone (a hard delete by another registry): hide the version, keep its id reserved.
      TreeMap<Integer, VersionEntry> versions = subjects.get(subject);
      if (versions != null && versions.containsKey(version)) {
        VersionEntry e = versions.get(version);
        versions.put(version, new VersionEntry(subject, version, e.id(), true, true));
      }
      return;
    }
    int id = v.path("id").asInt();
    // An id in the log is spent, even if its record is ignored below: never hand it out again.
    maxId = Math.max(maxId, id);
    String text = v.path("schema").asText();
    Schema schema;
    try {
      // Lenient on replay: the log is the truth; validation happens when registering.
      schema = new Schema.Parser().setValidateDefaults(false).parse(text);
    } catch (RuntimeException e) {
      LOG.warn(
          "_schemas offset {}: invalid schema for id {} skipped: {}", offset, id, e.toString());
      return;
    }
    String canonical = schema.toString();
    SchemaEntry bound = byId.get(id);
    if (bound != null && !bound.canonical().equals(canonical)) {
      LOG.info("_schemas offset {}: id {} already bound to another schema; ignored", offset, id);
      return;
    }
    TreeMap<Integer, VersionEntry> versions =
        subjects.computeIfAbsent(subject, s -> new TreeMap<>());
    VersionEntry existing = versions.get(version);
    if (existing != null && existing.id() != id) {
      LOG.info(
          "_schemas offset {}: {} version {} already holds id {}; ignored",
          offset,
          subject,
          version,
          existing.id());
      return;
    }
    if (bound == null) {
      byId.put(id, new SchemaEntry(id, canonical, schema));
      idByCanonical.putIfAbsent(canonical, id);
    }
    versions.put(
        version,
        new VersionEntry(
            subject,
            version,
            id,
            v.path("deleted").asBoolean(false),
            v.path("permanent").asBoolean(false)));
  }

  // ---- queries ----

  synchronized SchemaEntry schema(int id) {
    return byId.get(id);
  }

  synchronized Integer idOf(String canonical) {
    return idByCanonical.get(canonical);
  }

  synchronized int maxId() {
    return maxId;
  }

  synchronized List<String> subjects(boolean includeDeleted) {
    List<String> out = new ArrayList<>();
    subjects.forEach(
        (s, versions) -> {
          if (versions.values().stream()
              .anyMatch(v -> includeDeleted ? !v.permanent() : v.live())) {
            out.add(s);
          }
        });
    return out;
  }

  /** Versions of a subject, oldest first: live ones, or also soft-deleted ones. */
  synchronized List<VersionEntry> versions(String subject, boolean includeDeleted) {
    List<VersionEntry> out = new ArrayList<>();
    TreeMap<Integer, VersionEntry> versions = subjects.get(subject);
    if (versions != null) {
      for (VersionEntry v : versions.values()) {
        if (includeDeleted ? !v.permanent() : v.live()) {
          out.add(v);
        }
      }
    }
    return out;
  }

  /** Highest version number ever used in the subject (0 when none). */
  synchronized int maxVersion(String subject) {
    TreeMap<Integer, VersionEntry> versions = subjects.get(subject);
    return versions == null || versions.isEmpty() ? 0 : versions.lastKey();
  }

  synchronized VersionEntry version(String subject, int version) {
    TreeMap<Integer, VersionEntry> versions = subjects.get(subject);
    return versions == null ? null : versions.get(version);
  }

  /** Subject versions (not hard-deleted) that use the id. */
  synchronized List<VersionEntry> usages(int id, boolean includeDeleted) {
    List<VersionEntry> out = new ArrayList<>();
    for (TreeMap<Integer, VersionEntry> versions : subjects.values()) {
      for (VersionEntry v : versions.values()) {
        if (v.id() == id && (includeDeleted ? !v.permanent() : v.live())) {
          out.add(v);
        }
      }
    }
    return out;
  }

  synchronized CompatibilityLevel subjectLevel(String subject) {
    return subjectLevels.get(subject);
  }

  synchronized CompatibilityLevel globalLevel() {
    return globalLevel;
  }
}
