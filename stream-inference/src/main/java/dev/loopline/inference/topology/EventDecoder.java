package dev.loopline.inference.topology;

import dev.loopline.avro.Event;
import dev.loopline.registry.client.RegistryClient;
import dev.loopline.serde.AvroBinaryReader;
import dev.loopline.serde.AvroSerdes;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Reads {@link Event}s in the Confluent wire format with a hand-written Avro decoder when the
 * writer schema is one whose binary layout it knows, Event v2 ({@code id, occurredAt, text,
 * attributes, origin}) or v1 (without {@code origin}, read as null like Avro's resolution does);
 * every other writer schema, and anything the fast path cannot read, goes to the registry
 * deserializer ({@code fallback}), so schema evolution, error messages and dead-lettering stay
 * exactly the registry deserializer's. The generic reader costs ~1.5 us per event on the scoring
 * app's one stream thread, mostly in its per-field resolution machinery.
 *
 * <p>The layout of a schema id is decided once, from the writer schema fetched from the registry by
 * id (the same call the fallback makes). The fast path builds the {@code Event} class this was
 * compiled against; when another {@code Event} class is loaded (an old generation's v1 class ahead
 * on the classpath, as in the rolling-upgrade test), every record goes to the fallback.
 * Thread-safe: one instance serves every stream thread.
 */
public final class EventDecoder implements Deserializer<Event> {

  /** How a writer schema id is read. */
  enum Layout {
    V1,
    V2,
    FALLBACK
  }

  private final RegistryClient client;
  private final Deserializer<Event> fallback;
  private final Map<Integer, Layout> layouts = new ConcurrentHashMap<>();
  private volatile boolean fast;

  public EventDecoder(RegistryClient client, Deserializer<Event> fallback) {
    this(client, fallback, Event.getClassSchema());
  }

  /** With the loaded {@code Event} class's schema: the fast path only if it is the v2 layout. */
  EventDecoder(RegistryClient client, Deserializer<Event> fallback, Schema loadedEvent) {
    this.client = client;
    this.fallback = fallback;
    this.fast = layoutOf(loadedEvent) == Layout.V2;
  }

  /** Whether records with a known layout are decoded by hand (false: all go to the fallback). */
  boolean fast() {
    return fast;
  }

  /**
   * The scoring app's event serde: the registry serde ({@link AvroSerdes#specific}) with this
   * decoder in front of its deserializer; both share one caching registry client.
   */
  public static Serde<Event> serde(Map<String, ?> serdeProps) {
    RegistryClient client = RegistryClient.fromConfig(serdeProps);
    Serde<Event> registry = AvroSerdes.specific(Event.class, serdeProps, false, client);
    return Serdes.serdeFrom(
        registry.serializer(), new EventDecoder(client, registry.deserializer()));
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    fallback.configure(configs, isKey);
  }

  @Override
  public Event deserialize(String topic, byte[] data) {
    int id = AvroBinaryReader.schemaId(data);
    if (!fast || id < 0) {
      return fallback.deserialize(topic, data);
    }
    Layout layout = layouts.get(id);
    if (layout == null) {
      layout = layout(id);
      if (layout == null) {
        // The registry did not answer: the fallback reports it (or decodes, if it can).
        return fallback.deserialize(topic, data);
      }
      layouts.put(id, layout);
    }
    if (layout == Layout.FALLBACK) {
      return fallback.deserialize(topic, data);
    }
    try {
      return new Reader(data).event(layout == Layout.V2);
    } catch (RuntimeException e) {
      // Malformed Avro: the fallback throws its own SerializationException (the dead-letter path).
      return fallback.deserialize(topic, data);
    } catch (LinkageError e) {
      // Not the Event class this was compiled against after all: the fallback from now on.
      fast = false;
      return fallback.deserialize(topic, data);
    }
  }

  @Override
  public void close() {
    fallback.close();
  }

  /** The layout of {@code id}'s writer schema; null when the registry cannot be asked now. */
  private Layout layout(int id) {
    Schema writer;
    try {
      writer = client.schemaById(id);
    } catch (RuntimeException e) {
      return null;
    }
    return layoutOf(writer);
  }

  /** V1, V2 or FALLBACK for a writer schema. */
  static Layout layoutOf(Schema writer) {
    if (writer.getType() != Schema.Type.RECORD
        || !Event.getClassSchema().getFullName().equals(writer.getFullName())) {
      return Layout.FALLBACK;
    }
    List<Schema.Field> f = writer.getFields();
    if (f.size() != 4 && f.size() != 5) {
      return Layout.FALLBACK;
    }
    boolean v1 =
        is(f.get(0), "id", Schema.Type.STRING)
            && is(f.get(1), "occurredAt", Schema.Type.LONG)
            && timestampMillis(f.get(1).schema())
            && is(f.get(2), "text", Schema.Type.STRING)
            && is(f.get(3), "attributes", Schema.Type.MAP)
            && f.get(3).schema().getValueType().getType() == Schema.Type.STRING;
    if (!v1) {
      return Layout.FALLBACK;
    }
    if (f.size() == 4) {
      return Layout.V1;
    }
    Schema.Field origin = f.get(4);
    if (is(origin, "origin", Schema.Type.UNION)
        && origin.schema().getTypes().size() == 2
        && origin.schema().getTypes().get(0).getType() == Schema.Type.NULL
        && origin.schema().getTypes().get(1).getType() == Schema.Type.STRING) {
      return Layout.V2;
    }
    return Layout.FALLBACK;
  }

  private static boolean is(Schema.Field f, String name, Schema.Type type) {
    return f.name().equals(name) && f.schema().getType() == type;
  }

  private static boolean timestampMillis(Schema s) {
    LogicalType t = s.getLogicalType();
    return t != null && LogicalTypes.timestampMillis().getName().equals(t.getName());
  }

  /** One record's Avro binary after the 5-byte header; throws on anything malformed. */
  private static final class Reader extends AvroBinaryReader {

    Reader(byte[] b) {
      reset(b, 5);
    }

    Event event(boolean withOrigin) {
      String id = string();
      Instant occurredAt = Instant.ofEpochMilli(varLong());
      String text = string();
      Map<String, String> attributes = map();
      String origin = null;
      if (withOrigin) {
        long branch = varLong();
        if (branch == 1) {
          origin = string();
        } else if (branch != 0) {
          throw new IllegalArgumentException("union branch " + branch);
        }
      }
      return new Event(id, occurredAt, text, attributes, origin);
    }

    private Map<String, String> map() {
      long count = varLong();
      Map<String, String> m = new HashMap<>(count > 0 && count < 64 ? (int) count * 2 : 16);
      while (count != 0) {
        if (count < 0) {
          count = -count;
          varLong(); // the block's size in bytes
        }
        if (count > b.length) {
          throw new IllegalArgumentException("map block of " + count + " entries");
        }
        for (long i = 0; i < count; i++) {
          String k = string();
          m.put(k, string());
        }
        count = varLong();
      }
      return m;
    }
  }
}
