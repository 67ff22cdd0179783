package dev.loopline.registry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loopline.avro.Event;
import dev.loopline.avro.LabelProbability;
import dev.loopline.avro.Prediction;
import dev.loopline.serde.AvroSerdes;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.avro.AvroSchema;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.CachedSchemaRegistryClient;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.SchemaMetadata;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.rest.exceptions.RestClientException;
import org.apache.flink.avro.shaded.org.apache.avro.generic.GenericRecord;
import org.apache.flink.formats.avro.registry.confluent.ConfluentRegistryAvroDeserializationSchema;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Confluent's own Java client (7.5.3, shaded inside Flink's flink-sql-avro-confluent-registry)
 * against our server, and Flink's Confluent deserializer reading bytes our serde wrote: proof that
 * we speak the protocol, not just agree with ourselves.
 */
@Tag("integration")
class ConfluentClientConformanceIntegrationTest {

  private static final Instant T0 = Instant.parse("2026-03-04T05:06:07.089Z");

  private static RegistryServer server;
  private static CachedSchemaRegistryClient confluent;

  @BeforeAll
  static void start() {
    server =
        RegistryServer.start(
            RegistryServer.Options.of(TestKafka.clientProps()).withTopic("_schemas_conformance"));
    confluent = new CachedSchemaRegistryClient(server.url(), 100);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void confluentClientRegistersLooksUpEvolvesAndIsRejected() throws Exception {
    String subject = "conformance-value";
    AvroSchema v1 = new AvroSchema(RegistryApiIntegrationTest.V1);
    int id1 = confluent.register(subject, v1);
    assertThat(id1).isPositive();
    assertThat(confluent.register(subject, v1)).isEqualTo(id1);

    // A fresh client (no cache) sees what the first one registered.
    CachedSchemaRegistryClient fresh = new CachedSchemaRegistryClient(server.url(), 100);
    assertThat(fresh.getSchemaById(id1).canonicalString()).isEqualTo(v1.canonicalString());
    assertThat(fresh.getId(subject, v1)).isEqualTo(id1);
    assertThat(fresh.getVersion(subject, v1)).isEqualTo(1);
    SchemaMetadata latest = fresh.getLatestSchemaMetadata(subject);
    assertThat(latest.getId()).isEqualTo(id1);
    assertThat(latest.getVersion()).isEqualTo(1);
    assertThat(fresh.getAllSubjects()).contains(subject);

    AvroSchema v2 = new AvroSchema(RegistryApiIntegrationTest.V2);
    assertThat(fresh.testCompatibility(subject, v2)).isTrue();
    int id2 = fresh.register(subject, v2);
    assertThat(id2).isNotEqualTo(id1);
    assertThat(fresh.getLatestSchemaMetadata(subject).getVersion()).isEqualTo(2);
    assertThat(fresh.getAllVersions(subject)).containsExactly(1, 2);
    assertThat(fresh.getSchemaMetadata(subject, 1).getId()).isEqualTo(id1);

    AvroSchema incompatible = new AvroSchema(RegistryApiIntegrationTest.NO_DEFAULT);
    assertThat(fresh.testCompatibility(subject, incompatible)).isFalse();
    assertThatThrownBy(() -> fresh.register(subject, incompatible))
        .isInstanceOfSatisfying(
            RestClientException.class,
            e -> {
              assertThat(e.getStatus()).isEqualTo(409);
              assertThat(e.getErrorCode()).isEqualTo(409);
            });

    assertThatThrownBy(() -> fresh.getSchemaById(987654))
        .isInstanceOfSatisfying(
            RestClientException.class, e -> assertThat(e.getErrorCode()).isEqualTo(40403));

    assertThat(fresh.updateCompatibility(subject, "FULL_TRANSITIVE")).isEqualTo("FULL_TRANSITIVE");
    assertThat(fresh.getCompatibility(subject)).isEqualTo("FULL_TRANSITIVE");
  }

  @Test
  void flinkConfluentDeserializerDecodesWhatOurSerdeWrote() throws Exception {
    Map<String, Object> config = Map.of("schema.registry.url", server.url());
    Serde<Event> events = AvroSerdes.specific(Event.class, config, false);
    Event event =
        Event.newBuilder()
            .setId("ev-1")
            .setOccurredAt(T0)
            .setText("Mein Drucker druckt nicht 🖨")
            .setAttributes(Map.of("channel", "chat"))
            .build();
    byte[] bytes = events.serializer().serialize("conformance-events", event);

    var readerSchema =
        new org.apache.flink.avro.shaded.org.apache.avro.Schema.Parser()
            .parse(Event.getClassSchema().toString());
    ConfluentRegistryAvroDeserializationSchema<GenericRecord> flink =
        ConfluentRegistryAvroDeserializationSchema.forGeneric(readerSchema, server.url());
    GenericRecord decoded = flink.deserialize(bytes);
    assertThat(decoded.get("id").toString()).isEqualTo("ev-1");
    assertThat(decoded.get("occurredAt")).isEqualTo(T0.toEpochMilli());
    assertThat(decoded.get("text").toString()).isEqualTo("Mein Drucker druckt nicht 🖨");
    assertThat(((Map<?, ?>) decoded.get("attributes")).toString()).isEqualTo("{channel=chat}");

    // The id in the bytes is the one Confluent's client finds under TopicNameStrategy's subject.
    int id =
        ((bytes[1] & 0xff) << 24)
            | ((bytes[2] & 0xff) << 16)
            | ((bytes[3] & 0xff) << 8)
            | (bytes[4] & 0xff);
    assertThat(
            confluent.getId(
                "conformance-events-value", new AvroSchema(Event.getClassSchema().toString())))
        .isEqualTo(id);

    Serde<Prediction> predictions = AvroSerdes.specific(Prediction.class, config, false);
    Prediction p =
        Prediction.newBuilder()
            .setEventId("ev-1")
            .setModelName("tickets")
            .setModelVersion(3)
            .setProbabilities(
                List.of(new LabelProbability("billing", 0.75), new LabelProbability("tech", 0.25)))
            .setTopLabel("billing")
            .setTopProbability(0.75)
            .setDecision("AUTO_ROUTE")
            .setRoute("routed.billing")
            .setOccurredAt(T0)
            .setScoredAt(T0.plusMillis(12))
            .setFeaturizerFingerprint("fp-1")
            .build();
    byte[] pb = predictions.serializer().serialize("conformance-predictions", p);
    var predictionReader =
        new org.apache.flink.avro.shaded.org.apache.avro.Schema.Parser()
            .parse(Prediction.getClassSchema().toString());
    GenericRecord pd =
        ConfluentRegistryAvroDeserializationSchema.forGeneric(predictionReader, server.url())
            .deserialize(pb);
    assertThat(pd.get("modelVersion")).isEqualTo(3);
    assertThat(pd.get("probabilities").toString()).contains("billing").contains("0.75");
    assertThat(pd.get("featurizerFingerprint").toString()).isEqualTo("fp-1");
    assertThat(pd.get("scoredAt")).isEqualTo(T0.plusMillis(12).toEpochMilli());
  }

  @Test
  void ourSerdeReadsWhatConfluentsClientRegisteredAndAnEvolvedWriter() throws Exception {
    // An older Event without attributes, registered with Confluent's client; bytes framed by hand
    // with the id it got; our deserializer resolves it to today's Event (attributes default {}).
    String oldEvent =
        "{\"type\":\"record\",\"name\":\"Event\",\"namespace\":\"dev.loopline.avro\",\"fields\":["
            + "{\"name\":\"id\",\"type\":\"string\"},"
            + "{\"name\":\"occurredAt\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
            + "{\"name\":\"text\",\"type\":\"string\"}]}";
    int id = confluent.register("legacy-events-value", new AvroSchema(oldEvent));
    org.apache.avro.Schema old = new org.apache.avro.Schema.Parser().parse(oldEvent);
    org.apache.avro.generic.GenericData.Record rec =
        new org.apache.avro.generic.GenericData.Record(old);
    rec.put("id", "old-1");
    rec.put("occurredAt", T0.toEpochMilli());
    rec.put("text", "legacy");
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write(0);
    out.write(java.nio.ByteBuffer.allocate(4).putInt(id).array());
    var enc = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
    new org.apache.avro.generic.GenericDatumWriter<>(old).write(rec, enc);
    enc.flush();

    Serde<Event> events =
        AvroSerdes.specific(Event.class, Map.of("schema.registry.url", server.url()), false);
    Event decoded = events.deserializer().deserialize("legacy-events", out.toByteArray());
    assertThat(decoded.getId()).isEqualTo("old-1");
    assertThat(decoded.getOccurredAt()).isEqualTo(T0);
    assertThat(decoded.getAttributes()).isEmpty();
  }
}
