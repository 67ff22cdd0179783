package dev.loopline.registry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Auth headers, URL handling and error mapping, against a canned HTTP endpoint. */
class RegistryClientTest {

  private HttpServer server;
  private final List<String> auth = new CopyOnWriteArrayList<>();
  private final List<String> paths = new CopyOnWriteArrayList<>();
  private volatile int status = 200;
  private volatile String body = "[\"a-value\"]";

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
    server.createContext(
        "/",
        ex -> {
          auth.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
          paths.add(ex.getRequestURI().getRawPath());
          byte[] b = body.getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(status, b.length);
          try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
          }
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private String url() {
    return "http://localhost:" + server.getAddress().getPort();
  }

  private static String basic(String userInfo) {
    return "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void sendsBasicAuthFromUserInfo() {
    RegistryClient c =
        RegistryClient.fromConfig(
            Map.of(
                "schema.registry.url", url(),
                "basic.auth.credentials.source", "USER_INFO",
                "basic.auth.user.info", "bob:pw"));
    assertThat(c.subjects()).containsExactly("a-value");
    assertThat(auth).containsExactly(basic("bob:pw"));
  }

  @Test
  void takesCredentialsFromTheUrlAndStripsThem() {
    RegistryClient c =
        RegistryClient.fromConfig(
            Map.of(
                "schema.registry.url",
                url().replace("http://", "http://carol:p%40ss@"),
                "basic.auth.credentials.source",
                "URL"));
    c.subjects();
    assertThat(auth).containsExactly(basic("carol:p@ss"));
    assertThat(c.url()).doesNotContain("carol");
  }

  @Test
  void noCredentialsNoHeader() {
    RegistryClient.fromConfig(Map.of("schema.registry.url", url() + "/")).subjects();
    assertThat(auth).containsExactly("null");
    assertThat(paths).containsExactly("/subjects");
  }

  @Test
  void encodesSubjectsInPaths() {
    body = "[1]";
    RegistryClient.fromConfig(Map.of("schema.registry.url", url())).versions("a b/c-value");
    assertThat(paths).containsExactly("/subjects/a%20b%2Fc-value/versions");
  }

  @Test
  void mapsConfluentErrorBodies() {
    status = 404;
    body = "{\"error_code\":40403,\"message\":\"Schema 9 not found\"}";
    RegistryClient c = RegistryClient.fromConfig(Map.of("schema.registry.url", url()));
    assertThatThrownBy(() -> c.schemaById(9))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> {
              assertThat(e.status()).isEqualTo(404);
              assertThat(e.errorCode()).isEqualTo(RegistryException.SCHEMA_NOT_FOUND);
              assertThat(e.getMessage()).contains("Schema 9 not found");
            });
  }

  @Test
  void triesTheNextUrlWhenOneIsDown() {
    RegistryClient c =
        RegistryClient.fromConfig(Map.of("schema.registry.url", "http://localhost:1," + url()));
    assertThat(c.subjects()).containsExactly("a-value");
  }

  @Test
  void rejectsUnusableSettings() {
    assertThatThrownBy(() -> RegistryClient.fromConfig(Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("schema.registry.url");
    assertThatThrownBy(
            () ->
                RegistryClient.fromConfig(
                    Map.of(
                        "schema.registry.url",
                        url(),
                        "basic.auth.credentials.source",
                        "SASL_INHERIT")))
        .hasMessageContaining("basic.auth.credentials.source");
    assertThatThrownBy(
            () ->
                RegistryClient.fromConfig(
                    Map.of(
                        "schema.registry.url", "https://localhost:1",
                        "schema.registry.ssl.truststore.location", "/no/such/truststore.jks",
                        "schema.registry.ssl.truststore.password", "x")))
        .hasMessageContaining("schema.registry.ssl");
  }
}
