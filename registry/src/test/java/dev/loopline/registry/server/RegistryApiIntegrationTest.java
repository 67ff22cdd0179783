package dev.loopline.registry.server;

import static dev.loopline.registry.server.Http.schemaBody;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Confluent's REST API, status codes and error codes, on a real broker. */
@Tag("integration")
class RegistryApiIntegrationTest {

  static final String V1 =
      "{\"type\":\"record\",\"name\":\"Ticket\",\"namespace\":\"test\",\"fields\":["
          + "{\"name\":\"id\",\"type\":\"string\"}]}";
  static final String V2 =
      "{\"type\":\"record\",\"name\":\"Ticket\",\"namespace\":\"test\",\"fields\":["
          + "{\"name\":\"id\",\"type\":\"string\"},"
          + "{\"name\":\"channel\",\"type\":\"string\",\"default\":\"mail\"}]}";
  static final String NO_DEFAULT =
      "{\"type\":\"record\",\"name\":\"Ticket\",\"namespace\":\"test\",\"fields\":["
          + "{\"name\":\"id\",\"type\":\"string\"},"
          + "{\"name\":\"priority\",\"type\":\"int\"}]}";

  private static RegistryServer server;
  private static Http http;

  @BeforeAll
  static void start() {
    server =
        RegistryServer.start(
            RegistryServer.Options.of(TestKafka.clientProps()).withTopic("_schemas_api"));
    http = new Http(server.url());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String canonical(String schema) {
    return new Schema.Parser().parse(schema).toString();
  }

  @Test
  void registersLooksUpAndServesById() {
    Http.Answer reg = http.post("/subjects/api-a-value/versions", schemaBody(V1));
    assertThat(reg.status()).isEqualTo(200);
    assertThat(reg.contentType()).isEqualTo("application/vnd.schemaregistry.v1+json");
    int id = reg.json().path("id").asInt();
    assertThat(id).isPositive();

    // Registering the same schema again answers the same id and creates no version.
    assertThat(
            http.post("/subjects/api-a-value/versions", schemaBody(V1)).json().path("id").asInt())
        .isEqualTo(id);
    assertThat(http.get("/subjects/api-a-value/versions").json().toString()).isEqualTo("[1]");

    JsonNode v1 = http.get("/subjects/api-a-value/versions/1").json();
    assertThat(v1.path("subject").asText()).isEqualTo("api-a-value");
    assertThat(v1.path("version").asInt()).isEqualTo(1);
    assertThat(v1.path("id").asInt()).isEqualTo(id);
    assertThat(v1.path("schema").asText()).isEqualTo(canonical(V1));
    assertThat(http.get("/subjects/api-a-value/versions/latest").json()).isEqualTo(v1);
    assertThat(http.get("/subjects/api-a-value/versions/-1").json()).isEqualTo(v1);
    assertThat(http.get("/subjects/api-a-value/versions/1/schema").body()).isEqualTo(canonical(V1));

    assertThat(http.get("/schemas/ids/" + id).json().path("schema").asText())
        .isEqualTo(canonical(V1));
    assertThat(http.get("/schemas/ids/" + id + "/schema").body()).isEqualTo(canonical(V1));
    assertThat(http.get("/schemas/ids/" + id + "/subjects").json().toString())
        .isEqualTo("[\"api-a-value\"]");
    assertThat(http.get("/schemas/ids/" + id + "/versions").json().toString())
        .isEqualTo("[{\"subject\":\"api-a-value\",\"version\":1}]");

    JsonNode found = http.post("/subjects/api-a-value", schemaBody(V1)).json();
    assertThat(found.path("id").asInt()).isEqualTo(id);
    assertThat(found.path("version").asInt()).isEqualTo(1);

    assertThat(http.get("/subjects").json().toString()).contains("\"api-a-value\"");
    assertThat(http.get("/schemas/types").json().toString()).isEqualTo("[\"AVRO\"]");
  }

  @Test
  void sameSchemaUnderTwoSubjectsHasOneId() {
    int a = http.post("/subjects/api-b1-value/versions", schemaBody(V2)).json().path("id").asInt();
    int b = http.post("/subjects/api-b2-value/versions", schemaBody(V2)).json().path("id").asInt();
    assertThat(a).isEqualTo(b);
    List<String> subjects = new ArrayList<>();
    http.get("/schemas/ids/" + a + "/subjects").json().forEach(n -> subjects.add(n.asText()));
    assertThat(subjects).contains("api-b1-value", "api-b2-value");
  }

  @Test
  void evolvesCompatiblyAndRejectsIncompatibleWith409() {
    int v1 = http.post("/subjects/api-c-value/versions", schemaBody(V1)).json().path("id").asInt();
    Http.Answer v2 = http.post("/subjects/api-c-value/versions", schemaBody(V2));
    assertThat(v2.status()).isEqualTo(200);
    assertThat(v2.json().path("id").asInt()).isNotEqualTo(v1);
    assertThat(http.get("/subjects/api-c-value/versions/latest").json().path("version").asInt())
        .isEqualTo(2);

    Http.Answer bad = http.post("/subjects/api-c-value/versions", schemaBody(NO_DEFAULT));
    assertThat(bad.status()).isEqualTo(409);
    assertThat(bad.errorCode()).isEqualTo(409);
    assertThat(bad.json().path("message").asText()).contains("incompatible");
    assertThat(http.get("/subjects/api-c-value/versions").json().toString()).isEqualTo("[1,2]");

    Http.Answer check =
        http.post(
            "/compatibility/subjects/api-c-value/versions/latest?verbose=true",
            schemaBody(NO_DEFAULT));
    assertThat(check.status()).isEqualTo(200);
    assertThat(check.json().path("is_compatible").asBoolean()).isFalse();
    assertThat(check.json().path("messages")).isNotEmpty();
    assertThat(
            http.post("/compatibility/subjects/api-c-value/versions/1", schemaBody(V2))
                .json()
                .path("is_compatible")
                .asBoolean())
        .isTrue();

    // With the subject at NONE the same change is accepted.
    assertThat(http.put("/config/api-c-value", "{\"compatibility\":\"NONE\"}").status())
        .isEqualTo(200);
    assertThat(http.post("/subjects/api-c-value/versions", schemaBody(NO_DEFAULT)).status())
        .isEqualTo(200);
  }

  @Test
  void invalidSchemasGet42201() {
    Http.Answer notJson = http.post("/subjects/api-d-value/versions", schemaBody("{not json"));
    assertThat(notJson.status()).isEqualTo(422);
    assertThat(notJson.errorCode()).isEqualTo(42201);

    String badDefault =
        "{\"type\":\"record\",\"name\":\"T\",\"fields\":[{\"name\":\"n\",\"type\":\"int\",\"default\":\"x\"}]}";
    Http.Answer wrongDefault = http.post("/subjects/api-d-value/versions", schemaBody(badDefault));
    assertThat(wrongDefault.status()).isEqualTo(422);
    assertThat(wrongDefault.errorCode()).isEqualTo(42201);

    Http.Answer unknownType =
        http.post("/subjects/api-d-value/versions", schemaBody("{\"type\":\"nosuchtype\"}"));
    assertThat(unknownType.errorCode()).isEqualTo(42201);

    Http.Answer protobuf =
        http.post(
            "/subjects/api-d-value/versions",
            "{\"schemaType\":\"PROTOBUF\",\"schema\":\"syntax = \\\"proto3\\\";\"}");
    assertThat(protobuf.errorCode()).isEqualTo(42201);
    assertThat(http.get("/subjects/api-d-value/versions").errorCode()).isEqualTo(40401);
  }

  @Test
  void notFoundAndInvalidInputUseConfluentsCodes() {
    http.post("/subjects/api-e-value/versions", schemaBody(V1));
    assertThat(http.get("/subjects/api-none/versions").errorCode()).isEqualTo(40401);
    assertThat(http.get("/subjects/api-none/versions/1").status()).isEqualTo(404);
    assertThat(http.get("/subjects/api-e-value/versions/7").errorCode()).isEqualTo(40402);
    assertThat(http.get("/subjects/api-e-value/versions/abc").errorCode()).isEqualTo(42202);
    assertThat(http.get("/subjects/api-e-value/versions/0").errorCode()).isEqualTo(42202);
    Http.Answer unknownId = http.get("/schemas/ids/999999");
    assertThat(unknownId.status()).isEqualTo(404);
    assertThat(unknownId.errorCode()).isEqualTo(40403);
    assertThat(http.post("/subjects/api-e-value", schemaBody(V2)).errorCode()).isEqualTo(40403);
    assertThat(http.post("/subjects/api-none", schemaBody(V2)).errorCode()).isEqualTo(40401);
    Http.Answer level = http.put("/config/api-e-value", "{\"compatibility\":\"SIDEWAYS\"}");
    assertThat(level.status()).isEqualTo(422);
    assertThat(level.errorCode()).isEqualTo(42203);
    assertThat(http.get("/no/such/path").status()).isEqualTo(404);
  }

  @Test
  void configAcceptsAllSevenLevels() {
    assertThat(http.get("/config").json().path("compatibilityLevel").asText())
        .isEqualTo("BACKWARD");
    assertThat(http.get("/config/api-f-value").errorCode()).isEqualTo(40408);
    assertThat(
            http.get("/config/api-f-value?defaultToGlobal=true")
                .json()
                .path("compatibilityLevel")
                .asText())
        .isEqualTo("BACKWARD");
    for (CompatibilityLevel level : CompatibilityLevel.values()) {
      Http.Answer put =
          http.put(
              "/config/api-f-value", "{\"compatibility\":\"" + level.name().toLowerCase() + "\"}");
      assertThat(put.status()).isEqualTo(200);
      assertThat(put.json().path("compatibility").asText()).isEqualTo(level.name());
      assertThat(http.get("/config/api-f-value").json().path("compatibilityLevel").asText())
          .isEqualTo(level.name());
    }
    assertThat(http.delete("/config/api-f-value").json().path("compatibilityLevel").asText())
        .isEqualTo("FULL_TRANSITIVE");
    assertThat(http.get("/config/api-f-value").errorCode()).isEqualTo(40408);
  }

  @Test
  void softAndHardDeletes() {
    int id1 = http.post("/subjects/api-g-value/versions", schemaBody(V1)).json().path("id").asInt();
    http.post("/subjects/api-g-value/versions", schemaBody(V2));
    assertThat(http.delete("/subjects/api-g-value/versions/2?permanent=true").errorCode())
        .isEqualTo(40407);
    assertThat(http.delete("/subjects/api-g-value/versions/2").body()).isEqualTo("2");
    assertThat(http.get("/subjects/api-g-value/versions").json().toString()).isEqualTo("[1]");
    assertThat(http.get("/subjects/api-g-value/versions?deleted=true").json().toString())
        .isEqualTo("[1,2]");
    assertThat(http.delete("/subjects/api-g-value/versions/2").errorCode()).isEqualTo(40406);

    assertThat(http.delete("/subjects/api-g-value?permanent=true").errorCode()).isEqualTo(40405);
    assertThat(http.delete("/subjects/api-g-value").json().toString()).isEqualTo("[1]");
    assertThat(http.get("/subjects/api-g-value/versions").errorCode()).isEqualTo(40401);
    assertThat(http.get("/subjects").json().toString()).doesNotContain("api-g-value");
    assertThat(http.get("/subjects?deleted=true").json().toString()).contains("api-g-value");
    assertThat(http.delete("/subjects/api-g-value").errorCode()).isEqualTo(40404);
    assertThat(http.delete("/subjects/api-g-value?permanent=true").json().toString())
        .isEqualTo("[1,2]");
    assertThat(http.get("/subjects?deleted=true").json().toString()).doesNotContain("api-g-value");
    // Ids stay reserved: the schema is still served by id, and a new schema never reuses it.
    assertThat(http.get("/schemas/ids/" + id1).status()).isEqualTo(200);
    int again =
        http.post("/subjects/api-g-value/versions", schemaBody(V1)).json().path("id").asInt();
    assertThat(again).isEqualTo(id1);
  }

  @Test
  void basicAuthWhenConfigured() {
    try (RegistryServer secured =
        RegistryServer.start(
            RegistryServer.Options.of(TestKafka.clientProps())
                .withTopic("_schemas_auth")
                .withBasicAuthUsers(java.util.Map.of("alice", "s3cret")))) {
      Http anonymous = new Http(secured.url());
      assertThat(anonymous.get("/subjects").status()).isEqualTo(401);
      Http.Answer withAuth = anonymous.call("GET", "/subjects", null);
      assertThat(withAuth.errorCode()).isEqualTo(401);
      String url = secured.url().replace("http://", "http://alice:s3cret@");
      var client =
          dev.loopline.registry.client.RegistryClient.fromConfig(
              java.util.Map.of("schema.registry.url", url));
      int id = client.register("auth-value", new Schema.Parser().parse(V1));
      assertThat(client.schemaById(id).toString()).isEqualTo(canonical(V1));
      var wrong =
          dev.loopline.registry.client.RegistryClient.fromConfig(
              java.util.Map.of(
                  "schema.registry.url", secured.url(),
                  "basic.auth.credentials.source", "USER_INFO",
                  "basic.auth.user.info", "alice:wrong"));
      org.assertj.core.api.Assertions.assertThatThrownBy(wrong::subjects)
          .isInstanceOfSatisfying(
              dev.loopline.registry.client.RegistryException.class,
              e -> assertThat(e.status()).isEqualTo(401));
    }
  }
}
