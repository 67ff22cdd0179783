package dev.loopline.registry.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;

/**
 * Confluent's seven compatibility levels, checked with Avro's own schema resolution rules ({@link
 * SchemaCompatibility}), so "compatible" means exactly "Avro can decode one with the other".
 */
public enum CompatibilityLevel {
  NONE(false, false, false),
  BACKWARD(true, false, false),
  BACKWARD_TRANSITIVE(true, false, true),
  FORWARD(false, true, false),
  FORWARD_TRANSITIVE(false, true, true),
  FULL(true, true, false),
  FULL_TRANSITIVE(true, true, true);

  private final boolean backward;
  private final boolean forward;
  private final boolean transitive;

  CompatibilityLevel(boolean backward, boolean forward, boolean transitive) {
    this.backward = backward;
    this.forward = forward;
    this.transitive = transitive;
  }

  /** The level named {@code name} (case-insensitive), or null when there is none. */
  public static CompatibilityLevel parse(String name) {
    if (name == null) {
      return null;
    }
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * Why {@code candidate} may not follow {@code existing} (oldest first, live versions only) at
   * this level; empty when it may.
   */
  public List<String> violations(Schema candidate, List<Schema> existing) {
    List<String> out = new ArrayList<>();
    if (this == NONE || existing.isEmpty()) {
      return out;
    }
    List<Schema> against = transitive ? existing : List.of(existing.get(existing.size() - 1));
    for (int i = against.size() - 1; i >= 0; i--) {
      Schema old = against.get(i);
      if (backward) {
        describe(
            SchemaCompatibility.checkReaderWriterCompatibility(candidate, old), "BACKWARD", out);
      }
      if (forward) {
        describe(
            SchemaCompatibility.checkReaderWriterCompatibility(old, candidate), "FORWARD", out);
      }
    }
    return out;
  }

  private static void describe(SchemaPairCompatibility result, String direction, List<String> out) {
    if (result.getType() == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
      return;
    }
    for (SchemaCompatibility.Incompatibility inc : result.getResult().getIncompatibilities()) {
      out.add(
          "{errorType:'"
              + inc.getType()
              + "', description:'"
              + direction
              + ": "
              + inc.getMessage()
              + "', location:'"
              + inc.getLocation()
              + "'}");
    }
    if (result.getResult().getIncompatibilities().isEmpty()) {
      out.add(direction + ": " + result.getDescription());
    }
  }
}
