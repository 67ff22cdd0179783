package dev.loopline.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loopline.avro.Event;
import dev.loopline.avro.LabelProbability;
import dev.loopline.avro.Prediction;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SpecificAvroSerdeTest {

  private static final Instant T0 = Instant.parse("2026-05-06T07:08:09.123Z");

  private StubRegistry registry;
  private Map<String, Object> config;

  @BeforeEach
  void start() throws Exception {
    registry = new StubRegistry();
    config = new HashMap<>(Map.of("schema.registry.url", registry.url()));
  }

  @AfterEach
  void stop() {
    registry.close();
  }

  static Event event(String id) {
    return Event.newBuilder()
        .setId(id)
        .setOccurredAt(T0)
        .setText("Kann mich nicht einloggen — 登录失败")
        .setAttributes(Map.of("channel", "mail"))
        .build();
  }

  static Prediction prediction() {
    return Prediction.newBuilder()
        .setEventId("e-1")
        .setModelName("tickets")
        .setModelVersion(7)
        .setProbabilities(
            List.of(new LabelProbability("access", 0.9), new LabelProbability("billing", 0.1)))
        .setTopLabel("access")
        .setTopProbability(0.9)
        .setDecision("AUTO_ROUTE")
        .setRoute("routed.access")
        .setOccurredAt(T0)
        .setScoredAt(T0.plusMillis(5))
        .build();
  }

  private static int id(byte[] bytes) {
    return ByteBuffer.wrap(bytes, 1, 4).getInt();
  }

  @Test
  void writesConfluentWireFormatAndReadsItBack() {
    Serde<Event> serde = AvroSerdes.specific(Event.class, config, false);
    Event e = event("e-1");
    byte[] bytes = serde.serializer().serialize("events", e);
    assertThat(bytes[0]).isZero();
    assertThat(id(bytes)).isEqualTo(registry.register("events-value", Event.getClassSchema()));
    assertThat(serde.deserializer().deserialize("events", bytes)).isEqualTo(e);

    Serde<Prediction> predictions = AvroSerdes.specific(Prediction.class, config, false);
    Prediction p = prediction();
    byte[] pb = predictions.serializer().serialize("predictions", p);
    assertThat(predictions.deserializer().deserialize("predictions", pb)).isEqualTo(p);
    assertThat(id(pb)).isNotEqualTo(id(bytes));
  }

  @Test
  void usesTopicNameStrategySubjectsForKeysAndValues() {
    AvroSerdes.specific(Event.class, config, true).serializer().serialize("events", event("k"));
    AvroSerdes.specific(Event.class, config, false).serializer().serialize("events", event("v"));
    assertThat(registry.count("POST", "/subjects/events-key/versions")).isEqualTo(1);
    assertThat(registry.count("POST", "/subjects/events-value/versions")).isEqualTo(1);
  }

  @Test
  void recordNameStrategyByConfluentClassName() {
    config.put(
        "value.subject.name.strategy", "io.confluent.kafka.serializers.subject.RecordNameStrategy");
    AvroSerdes.specific(Event.class, config, false).serializer().serialize("events", event("r"));
    assertThat(registry.count("POST", "/subjects/dev.loopline.avro.Event/versions")).isEqualTo(1);
  }

  @Test
  void callsTheRegistryOncePerTopicAndSchemaIdOnce() {
    Serde<Event> serde = AvroSerdes.specific(Event.class, config, false);
    for (int i = 0; i < 200; i++) {
      byte[] b = serde.serializer().serialize("events", event("e-" + i));
      serde.deserializer().deserialize("events", b);
    }
    serde.serializer().serialize("events-copy", event("c"));
    assertThat(registry.count("POST", "/subjects/")).isEqualTo(2);
    // The deserializer shares the client, which learned the schema when registering it.
    assertThat(registry.count("GET", "/schemas/ids/")).isZero();
    var fresh = new SpecificAvroDeserializer<Event>();
    fresh.configure(
        Map.of(
            "schema.registry.url",
            registry.url(),
            "specific.avro.value.type",
            Event.class.getName()),
        false);
    byte[] b = serde.serializer().serialize("events", event("x"));
    fresh.deserialize("events", b);
    fresh.deserialize("events", b);
    assertThat(registry.count("GET", "/schemas/ids/")).isEqualTo(1);
  }

  @Test
  void nullIsNull() {
    Serde<Event> serde = AvroSerdes.specific(Event.class, config, false);
    assertThat(serde.serializer().serialize("events", null)).isNull();
    assertThat(serde.deserializer().deserialize("events", null)).isNull();
  }

  @Test
  void wrongMagicByteNamesTopicAndCause() {
    Serde<Event> serde = AvroSerdes.specific(Event.class, config, false);
    byte[] bytes = serde.serializer().serialize("events", event("e"));
    bytes[0] = 1;
    assertThatThrownBy(() -> serde.deserializer().deserialize("events", bytes))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("topic events")
        .hasMessageContaining("magic byte 1");
    assertThatThrownBy(() -> serde.deserializer().deserialize("events", "plain text".getBytes()))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("topic events")
        .hasMessageContaining("magic byte");
  }

  @Test
  void unknownSchemaIdNamesTopicAndCause() {
    Serde<Event> serde = AvroSerdes.specific(Event.class, config, false);
    byte[] bytes = serde.serializer().serialize("events", event("e"));
    ByteBuffer.wrap(bytes).put(1, (byte) 0).putInt(1, 4242);
    assertThatThrownBy(() -> serde.deserializer().deserialize("events", bytes))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("topic events")
        .hasMessageContaining("unknown schema id 4242");
  }

  @Test
  void truncatedOrCorruptBytesNameTopic() {
    Serde<Event> serde = AvroSerdes.specific(Event.class, config, false);
    byte[] bytes = serde.serializer().serialize("events", event("e"));
    assertThatThrownBy(() -> serde.deserializer().deserialize("events", new byte[] {0, 0}))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("topic events")
        .hasMessageContaining("too short");
    byte[] truncated = Arrays.copyOf(bytes, 9);
    assertThatThrownBy(() -> serde.deserializer().deserialize("events", truncated))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("topic events")
        .hasMessageContaining("schema id " + id(bytes));
  }

  @Test
  void withoutAutoRegisterTheSchemaMustExist() {
    config.put("auto.register.schemas", "false");
    Serde<Event> serde = AvroSerdes.specific(Event.class, config, false);
    assertThatThrownBy(() -> serde.serializer().serialize("events", event("e")))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("topic events")
        .hasMessageContaining("events-value");
    int id = registry.register("events-value", Event.getClassSchema());
    Serde<Event> again = AvroSerdes.specific(Event.class, config, false);
    byte[] bytes = again.serializer().serialize("events", event("e"));
    assertThat(id(bytes)).isEqualTo(id);
    assertThat(registry.count("POST", "/subjects/events-value/versions")).isZero();
  }

  @Test
  void useLatestVersionWritesWithTheLatestSchemaAndOldReadersResolveIt() {
    Schema evolved =
        new Schema.Parser()
            .parse(
                Event.getClassSchema()
                    .toString()
                    .replace(
                        "\"fields\":[",
                        "\"fields\":[{\"name\":\"tenant\",\"type\":\"string\",\"default\":\"acme\"},"));
    registry.register("events-value", Event.getClassSchema());
    int latest = registry.register("events-value", evolved);
    config.put("auto.register.schemas", false);
    config.put("use.latest.version", true);
    Serde<Event> serde = AvroSerdes.specific(Event.class, config, false);
    Event e = event("e-9");
    byte[] bytes = serde.serializer().serialize("events", e);
    assertThat(id(bytes)).isEqualTo(latest);
    // Decoded with writer = evolved (by id), reader = Event: the extra field is skipped.
    assertThat(serde.deserializer().deserialize("events", bytes)).isEqualTo(e);
  }

  @Test
  void deserializerByClassNameReadsTypeFromConfig() {
    byte[] bytes =
        AvroSerdes.specific(Event.class, config, true).serializer().serialize("events", event("k"));
    SpecificAvroDeserializer<Event> d = new SpecificAvroDeserializer<>();
    d.configure(
        Map.of(
            "schema.registry.url",
            registry.url(),
            "specific.avro.key.type",
            "dev.loopline.avro.Event"),
        true);
    assertThat(d.deserialize("events", bytes).getId()).isEqualTo("k");
    assertThat(d.type()).isEqualTo(Event.class);

    SpecificAvroDeserializer<Event> missing = new SpecificAvroDeserializer<>();
    assertThatThrownBy(
            () -> missing.configure(Map.of("schema.registry.url", registry.url()), false))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("specific.avro.value.type");
    SpecificAvroDeserializer<Event> wrong = new SpecificAvroDeserializer<>();
    assertThatThrownBy(
            () ->
                wrong.configure(
                    Map.of(
                        "schema.registry.url",
                        registry.url(),
                        "specific.avro.value.type",
                        "java.lang.String"),
                    false))
        .isInstanceOf(ConfigException.class);
  }

  @Test
  void serializerByClassNameIsAKafkaSerializer() {
    SpecificAvroSerializer<Event> s = new SpecificAvroSerializer<>();
    s.configure(Map.of("schema.registry.url", registry.url()), false);
    byte[] bytes = s.serialize("events", event("n"));
    assertThat(bytes[0]).isZero();
    assertThat(registry.count("POST", "/subjects/events-value/versions")).isEqualTo(1);
  }
}
