package dev.loopline.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopline.avro.Event;
import dev.loopline.serde.AvroClassTrust;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecordBase;
import org.junit.jupiter.api.Test;

/**
 * The fast guard of the {@code Event} evolution (no cluster): the schema before the {@code origin}
 * field ({@code compat/Event-v1.avsc}) and the current one resolve both ways, and the v1 class
 * compiled by the build (what an old scoring instance runs) reads v2 bytes and is read as v2. A
 * future change to {@code Event} that breaks old readers or writers fails here first; {@code
 * RollingUpgradeIntegrationTest} proves the same on real processes.
 */
class EventSchemaEvolutionTest {

  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  @Test
  void v1AndCurrentEventResolveBothWays() throws Exception {
    Schema v1;
    try (InputStream in = getClass().getResourceAsStream("/compat/Event-v1.avsc")) {
      v1 = new Schema.Parser().parse(in);
    }
    Schema current = Event.getClassSchema();
    assertThat(
            SchemaCompatibility.checkReaderWriterCompatibility(current, v1)
                .getResult()
                .getCompatibility())
        .as("a current reader on v1 data (BACKWARD)")
        .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    assertThat(
            SchemaCompatibility.checkReaderWriterCompatibility(v1, current)
                .getResult()
                .getCompatibility())
        .as("a v1 reader on current data (FORWARD)")
        .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
  }

  @Test
  void theCompiledV1ClassReadsV2BytesAndIsReadAsV2() throws Exception {
    Path v1Classes =
        Path.of(System.getProperty("loopline.deploy.classes")).resolveSibling("compat-v1-classes");
    try (var loader = new RollingUpgradeIntegrationTest.EventV1Loader(v1Classes.toUri().toURL())) {
      Class<?> oldEvent = loader.loadClass(Event.class.getName());
      AvroClassTrust.trust(oldEvent);
      Schema v1 = (Schema) oldEvent.getField("SCHEMA$").get(null);
      assertThat(v1.getField("origin")).isNull();

      Event v2 =
          Event.newBuilder()
              .setId("ev-1")
              .setOccurredAt(T0)
              .setText("Rechnung doppelt")
              .setAttributes(Map.of("channel", "mail"))
              .setOrigin("helpdesk")
              .build();
      // Resolve record classes through the v1 loader, as the old JVM's only Event class would be.
      SpecificData v1Data = new SpecificData(loader);
      SpecificRecordBase old =
          read(write(v2, Event.getClassSchema()), Event.getClassSchema(), v1, v1Data);
      assertThat(old.getClass()).isSameAs(oldEvent);
      assertThat(old.get("id")).isEqualTo("ev-1");
      assertThat(old.get("occurredAt")).isEqualTo(T0);
      assertThat(old.get("text")).isEqualTo("Rechnung doppelt");
      assertThat(old.get("attributes")).isEqualTo(Map.of("channel", "mail"));

      Event back =
          (Event)
              read(
                  write(old, v1),
                  v1,
                  Event.getClassSchema(),
                  SpecificData.getForClass(Event.class));
      assertThat(back).isEqualTo(Event.newBuilder(v2).setOrigin(null).build());
    }
  }

  private static byte[] write(SpecificRecordBase record, Schema schema) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
    new SpecificDatumWriter<Object>(schema, SpecificData.getForClass(record.getClass()))
        .write(record, enc);
    enc.flush();
    return out.toByteArray();
  }

  private static SpecificRecordBase read(
      byte[] bytes, Schema writer, Schema reader, SpecificData data) throws Exception {
    SpecificDatumReader<Object> r = new SpecificDatumReader<>(writer, reader, data);
    return (SpecificRecordBase) r.read(null, DecoderFactory.get().binaryDecoder(bytes, null));
  }
}
