package dev.loopline.inference.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.loopline.avro.Event;
import dev.loopline.inference.FakeRegistry;
import dev.loopline.registry.client.RegistryClient;
import dev.loopline.serde.AvroSerdes;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The hand-written event decoder against the registry deserializer (on a fake registry): equal
 * events for v1 and v2 writers, the registry deserializer for any other writer schema, and the
 * registry deserializer's own errors for bad bytes.
 */
class EventDecoderTest {

  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  private static final String TOPIC = "events";
  private static FakeRegistry registry;
  private static RegistryClient client;
  private static Serde<Event> serde;

  private final AtomicInteger fallbacks = new AtomicInteger();
  private EventDecoder decoder;

  @BeforeAll
  static void startRegistry() throws Exception {
    registry = new FakeRegistry();
    Map<String, Object> props = Map.of("schema.registry.url", registry.url());
    client = RegistryClient.fromConfig(props);
    serde = AvroSerdes.specific(Event.class, props, false, client);
  }

  @AfterAll
  static void stopRegistry() {
    registry.close();
  }

  private EventDecoder decoder() {
    Deserializer<Event> counting =
        (topic, data) -> {
          fallbacks.incrementAndGet();
          return serde.deserializer().deserialize(topic, data);
        };
    return new EventDecoder(client, counting);
  }

  /** The current Event schema without its last {@code drop} fields, plus {@code extra}. */
  private static Schema variant(int drop, List<Schema.Field> extra) {
    Schema current = Event.getClassSchema();
    List<Schema.Field> fields = new ArrayList<>();
    List<Schema.Field> own = current.getFields();
    for (Schema.Field f : own.subList(0, own.size() - drop)) {
      fields.add(new Schema.Field(f, f.schema()));
    }
    fields.addAll(extra);
    return Schema.createRecord(
        current.getName(), current.getDoc(), current.getNamespace(), false, fields);
  }

  private static byte[] frame(int id, GenericRecord r, boolean blocking) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.write(new byte[] {(byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id});
    BinaryEncoder enc =
        blocking
            ? EncoderFactory.get().blockingBinaryEncoder(out, null)
            : EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(r.getSchema(), GenericData.get()).write(r, enc);
    enc.flush();
    return out.toByteArray();
  }

  private static GenericRecord generic(Schema schema, Event e) {
    GenericData.Record r = new GenericData.Record(schema);
    for (Schema.Field f : schema.getFields()) {
      Object v =
          switch (f.name()) {
            case "id" -> e.getId();
            case "occurredAt" -> e.getOccurredAt().toEpochMilli();
            case "text" -> e.getText();
            case "attributes" -> e.getAttributes();
            case "origin" -> e.getOrigin();
            default -> 7;
          };
      r.put(f.name(), v);
    }
    return r;
  }

  private static Event randomEvent(Random r) {
    Map<String, String> attrs = new HashMap<>();
    for (int i = r.nextInt(6); i > 0; i--) {
      attrs.put("k" + r.nextInt(100) + (r.nextBoolean() ? "ß" : ""), "v" + r.nextLong());
    }
    StringBuilder text = new StringBuilder();
    for (int i = r.nextInt(400); i > 0; i--) {
      text.append((char) (r.nextInt(8) == 0 ? 0x400 + r.nextInt(200) : 32 + r.nextInt(90)));
    }
    if (r.nextInt(20) == 0) {
      text.append("\uD83D\uDE00");
    }
    return new Event(
        "ev-" + r.nextInt(),
        T0.plusMillis(r.nextLong() % 100_000_000_000L),
        text.toString(),
        attrs,
        r.nextBoolean() ? null : "helpdesk-" + r.nextInt(3));
  }

  @Test
  void decodesCurrentEventsLikeTheRegistryDeserializer() {
    decoder = decoder();
    Random r = new Random(1);
    for (int i = 0; i < 2_000; i++) {
      Event e = randomEvent(r);
      byte[] bytes = serde.serializer().serialize(TOPIC, e);
      Event fast = decoder.deserialize(TOPIC, bytes);
      assertThat(fast).as("event %d", i).isEqualTo(e);
      assertThat(fast).isEqualTo(serde.deserializer().deserialize(TOPIC, bytes));
    }
    assertThat(fallbacks).hasValue(0);
  }

  @Test
  void decodesV1EventsWithoutOriginAndBlockedMaps() throws Exception {
    decoder = decoder();
    Schema v1 = variant(1, List.of());
    int v1Id = client.register("events-value", v1);
    int v2Id = client.register("events-value", Event.getClassSchema());
    assertThat(v1Id).isNotEqualTo(v2Id);
    Random r = new Random(2);
    for (int i = 0; i < 500; i++) {
      Event e = randomEvent(r);
      for (boolean blocking : new boolean[] {false, true}) {
        byte[] old = frame(v1Id, generic(v1, e), blocking);
        Event fast = decoder.deserialize(TOPIC, old);
        assertThat(fast).isEqualTo(serde.deserializer().deserialize(TOPIC, old));
        assertThat(fast.getOrigin()).isNull();
        assertThat(fast.getAttributes()).isEqualTo(e.getAttributes());
        byte[] current = frame(v2Id, generic(Event.getClassSchema(), e), blocking);
        assertThat(decoder.deserialize(TOPIC, current)).isEqualTo(e);
      }
    }
    assertThat(fallbacks).hasValue(0);
  }

  @Test
  void anyOtherWriterSchemaGoesToTheRegistryDeserializer() throws Exception {
    decoder = decoder();
    Schema v3 =
        variant(
            0,
            List.of(
                new Schema.Field("priority", Schema.create(Schema.Type.INT), "a later field", 0)));
    int v3Id = client.register("events-value", v3);
    Event e = randomEvent(new Random(3));
    byte[] bytes = frame(v3Id, generic(v3, e), false);
    assertThat(decoder.deserialize(TOPIC, bytes)).isEqualTo(e);
    assertThat(decoder.deserialize(TOPIC, bytes)).isEqualTo(e);
    assertThat(fallbacks).hasValue(2);
    assertThat(EventDecoder.layoutOf(v3)).isEqualTo(EventDecoder.Layout.FALLBACK);
    assertThat(EventDecoder.layoutOf(Event.getClassSchema())).isEqualTo(EventDecoder.Layout.V2);
    assertThat(EventDecoder.layoutOf(variant(1, List.of()))).isEqualTo(EventDecoder.Layout.V1);
    // Same fields in another order: not the layout the fast path reads.
    Schema current = Event.getClassSchema();
    List<Schema.Field> swapped = new ArrayList<>();
    for (Schema.Field f : current.getFields()) {
      swapped.add(new Schema.Field(f, f.schema()));
    }
    swapped.add(0, swapped.remove(2));
    assertThat(
            EventDecoder.layoutOf(
                Schema.createRecord(
                    current.getName(), null, current.getNamespace(), false, swapped)))
        .isEqualTo(EventDecoder.Layout.FALLBACK);
  }

  @Test
  void anOlderLoadedEventClassSendsEveryRecordToTheRegistryDeserializer() {
    // An old generation runs with the v1 Event class (no origin) ahead on its classpath.
    EventDecoder old =
        new EventDecoder(
            client,
            (topic, data) -> {
              fallbacks.incrementAndGet();
              return serde.deserializer().deserialize(topic, data);
            },
            variant(1, List.of()));
    assertThat(old.fast()).isFalse();
    Event e = randomEvent(new Random(5));
    assertThat(old.deserialize(TOPIC, serde.serializer().serialize(TOPIC, e))).isEqualTo(e);
    assertThat(fallbacks).hasValue(1);
    assertThat(decoder().fast()).isTrue();
  }

  @Test
  void badBytesFailWithTheRegistryDeserializersError() {
    decoder = decoder();
    byte[] good = serde.serializer().serialize(TOPIC, randomEvent(new Random(4)));
    byte[] unknownId = good.clone();
    unknownId[1] = 0x7f;
    byte[] badMagic = good.clone();
    badMagic[0] = 1;
    byte[] negativeLength = Arrays.copyOf(good, 7);
    negativeLength[5] = 3; // zig-zag -2
    List<byte[]> bad =
        List.of(
            Arrays.copyOf(good, good.length - 3),
            Arrays.copyOf(good, 6),
            Arrays.copyOf(good, 3),
            unknownId,
            badMagic,
            negativeLength);
    for (byte[] b : bad) {
      Throwable expected = catchThrowable(() -> serde.deserializer().deserialize(TOPIC, b));
      assertThat(expected).isNotNull();
      Throwable actual = catchThrowable(() -> decoder.deserialize(TOPIC, b));
      assertThat(actual).isInstanceOf(expected.getClass()).hasMessage(expected.getMessage());
    }
    assertThat(decoder.deserialize(TOPIC, null)).isNull();
  }
}
