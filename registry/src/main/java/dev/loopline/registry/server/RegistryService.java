package dev.loopline.registry.server;

import dev.loopline.registry.server.RegistryState.SchemaEntry;
import dev.loopline.registry.server.RegistryState.VersionEntry;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;

/**
 * The registry's operations with Confluent's semantics (ids global per schema content, versions per
 * subject, soft and hard deletes, subject and global compatibility levels). Reads answer from the
 * in-memory state; writes go through the log and are serialized per instance.
 */
final class RegistryService {

  private static final int MAX_ATTEMPTS = 5;

  private final RegistryState state;
  private final KafkaSchemaLog log;
  private final CompatibilityLevel defaultLevel;
  private final Object writeLock = new Object();

  RegistryService(RegistryState state, KafkaSchemaLog log, CompatibilityLevel defaultLevel) {
    this.state = state;
    this.log = log;
    this.defaultLevel = defaultLevel;
  }

  /** Parses an Avro schema as the registry accepts it (defaults validated). */
  static Schema parse(String text) {
    return new Schema.Parser().setValidateDefaults(true).parse(text);
  }

  static Schema parseRequest(String text, String schemaType) {
    if (schemaType != null && !schemaType.isEmpty() && !"AVRO".equalsIgnoreCase(schemaType)) {
      throw ApiException.invalidSchema("Schema type " + schemaType + " is not supported; use AVRO");
    }
    if (text == null || text.isBlank()) {
      throw ApiException.invalidSchema("Empty schema");
    }
    try {
      return parse(text);
    } catch (RuntimeException e) {
      throw ApiException.invalidSchema("Invalid schema " + text + ", details: " + e.getMessage());
    }
  }

  CompatibilityLevel effectiveLevel(String subject) {
    CompatibilityLevel own = subject == null ? null : state.subjectLevel(subject);
    if (own != null) {
      return own;
    }
    CompatibilityLevel global = state.globalLevel();
    return global != null ? global : defaultLevel;
  }

  /** Registers a schema under a subject; returns its global id (existing id when already there). */
  int register(String subject, Schema schema) {
    String canonical = schema.toString();
    synchronized (writeLock) {
      for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        List<VersionEntry> live = state.versions(subject, false);
        for (VersionEntry v : live) {
          if (state.schema(v.id()).canonical().equals(canonical)) {
            return v.id();
          }
        }
        List<String> violations = effectiveLevel(subject).violations(schema, schemas(live));
        if (!violations.isEmpty()) {
          throw new ApiException(
              409,
              ApiException.INCOMPATIBLE,
              "Schema being registered is incompatible with an earlier schema for subject \""
                  + subject
                  + "\", details: "
                  + violations);
        }
        Integer known = state.idOf(canonical);
        int id = known != null ? known : state.maxId() + 1;
        int version = state.maxVersion(subject) + 1;
        VersionEntry entry = new VersionEntry(subject, version, id, false, false);
        log.append(
            RegistryState.schemaKey(subject, version), RegistryState.schemaValue(entry, canonical));
        VersionEntry applied = state.version(subject, version);
        if (applied != null && applied.id() == id && applied.live()) {
          return id;
        }
        // Another instance won the id or the version: the state now shows it; try again.
      }
    }
    throw new ApiException(
        500, ApiException.STORE_ERROR, "Could not register under " + subject + ": contention");
  }

  private List<Schema> schemas(List<VersionEntry> versions) {
    List<Schema> out = new ArrayList<>();
    for (VersionEntry v : versions) {
      out.add(state.schema(v.id()).schema());
    }
    return out;
  }

  /** The live version of {@code subject} holding {@code schema}. */
  VersionEntry lookup(String subject, Schema schema, boolean includeDeleted) {
    List<VersionEntry> versions = state.versions(subject, includeDeleted);
    if (versions.isEmpty()) {
      throw ApiException.subjectNotFound(subject);
    }
    String canonical = schema.toString();
    for (VersionEntry v : versions) {
      if (state.schema(v.id()).canonical().equals(canonical)) {
        return v;
      }
    }
    throw ApiException.schemaNotFound("Schema not found");
  }

  List<String> subjects(boolean includeDeleted) {
    return state.subjects(includeDeleted);
  }

  List<Integer> versions(String subject, boolean includeDeleted) {
    List<VersionEntry> versions = state.versions(subject, includeDeleted);
    if (versions.isEmpty()) {
      throw ApiException.subjectNotFound(subject);
    }
    return versions.stream().map(VersionEntry::version).toList();
  }

  /** A version by {@code "latest"}, {@code -1} or number. */
  VersionEntry version(String subject, String version, boolean includeDeleted) {
    List<VersionEntry> versions = state.versions(subject, includeDeleted);
    if (versions.isEmpty()) {
      throw ApiException.subjectNotFound(subject);
    }
    int v = parseVersion(version);
    if (v == -1) {
      return versions.get(versions.size() - 1);
    }
    for (VersionEntry e : versions) {
      if (e.version() == v) {
        return e;
      }
    }
    throw ApiException.versionNotFound(v);
  }

  static int parseVersion(String version) {
    if ("latest".equalsIgnoreCase(version)) {
      return -1;
    }
    try {
      int v = Integer.parseInt(version);
      if (v == -1 || v >= 1) {
        return v;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw ApiException.invalidVersion(version);
  }

  SchemaEntry schema(int id) {
    SchemaEntry e = state.schema(id);
    if (e == null) {
      throw ApiException.schemaNotFound("Schema " + id + " not found");
    }
    return e;
  }

  List<VersionEntry> usages(int id, boolean includeDeleted) {
    schema(id);
    return state.usages(id, includeDeleted);
  }

  /** Whether {@code schema} may follow the given version (or all, when version is null). */
  List<String> compatibility(String subject, String version, Schema schema) {
    List<VersionEntry> live = state.versions(subject, false);
    List<VersionEntry> against;
    CompatibilityLevel level = effectiveLevel(subject);
    if (version == null) {
      against = live;
    } else {
      if (live.isEmpty()) {
        parseVersion(version);
        return List.of();
      }
      VersionEntry v = version(subject, version, false);
      against =
          level.name().endsWith("TRANSITIVE")
              ? live.stream().filter(e -> e.version() <= v.version()).toList()
              : List.of(v);
    }
    return level.violations(schema, schemas(against));
  }

  /** Soft-deletes (or, with permanent, hard-deletes) all versions; returns their numbers. */
  List<Integer> deleteSubject(String subject, boolean permanent) {
    synchronized (writeLock) {
      List<VersionEntry> all = state.versions(subject, true);
      if (all.isEmpty()) {
        throw ApiException.subjectNotFound(subject);
      }
      List<VersionEntry> live = state.versions(subject, false);
      if (permanent && !live.isEmpty()) {
        throw new ApiException(
            404,
            ApiException.SUBJECT_NOT_SOFT_DELETED,
            "Subject '" + subject + "' was not deleted first before being permanently deleted");
      }
      if (!permanent && live.isEmpty()) {
        throw new ApiException(
            404,
            ApiException.SUBJECT_SOFT_DELETED,
            "Subject '" + subject + "' was soft deleted.Set permanent=true to delete permanently");
      }
      List<Integer> out = new ArrayList<>();
      for (VersionEntry v : permanent ? all : live) {
        markDeleted(v, permanent);
        out.add(v.version());
      }
      return out;
    }
  }

  int deleteVersion(String subject, String version, boolean permanent) {
    synchronized (writeLock) {
      VersionEntry v = version(subject, version, true);
      if (!permanent && !v.live()) {
        throw new ApiException(
            404,
            ApiException.VERSION_SOFT_DELETED,
            "Subject '"
                + subject
                + "' Version "
                + v.version()
                + " was soft deleted.Set permanent=true to delete permanently");
      }
      if (permanent && v.live()) {
        throw new ApiException(
            404,
            ApiException.VERSION_NOT_SOFT_DELETED,
            "Subject '"
                + subject
                + "' Version "
                + v.version()
                + " was not deleted first before being permanently deleted");
      }
      markDeleted(v, permanent);
      return v.version();
    }
  }

  private void markDeleted(VersionEntry v, boolean permanent) {
    VersionEntry deleted = new VersionEntry(v.subject(), v.version(), v.id(), true, permanent);
    log.append(
        RegistryState.schemaKey(v.subject(), v.version()),
        RegistryState.schemaValue(deleted, state.schema(v.id()).canonical()));
  }

  void setLevel(String subject, CompatibilityLevel level) {
    synchronized (writeLock) {
      log.append(RegistryState.configKey(subject), RegistryState.configValue(level));
    }
  }

  CompatibilityLevel subjectLevel(String subject) {
    return state.subjectLevel(subject);
  }

  /** Removes a subject's own level; returns the level it had. */
  CompatibilityLevel deleteLevel(String subject) {
    synchronized (writeLock) {
      CompatibilityLevel had = state.subjectLevel(subject);
      if (had == null) {
        if (state.versions(subject, true).isEmpty()) {
          throw ApiException.subjectNotFound(subject);
        }
        return effectiveLevel(null);
      }
      log.append(RegistryState.configKey(subject), null);
      return had;
    }
  }
}
