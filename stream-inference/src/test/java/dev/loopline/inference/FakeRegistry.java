package dev.loopline.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The two calls of the Confluent REST API that the serde makes (register, schema by id), for
 * TopologyTestDriver tests that have no broker and hence no real registry. Integration tests use
 * the real registry of the embedded platform.
 */
public final class FakeRegistry implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpServer server;
  private final Map<String, Integer> idsBySchema = new ConcurrentHashMap<>();
  private final Map<Integer, String> schemasById = new ConcurrentHashMap<>();
  private final AtomicInteger nextId = new AtomicInteger(1);

  public FakeRegistry() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    try (ex) {
      if ("POST".equals(ex.getRequestMethod()) && path.matches("/subjects/[^/]+/versions")) {
        JsonNode body = JSON.readTree(ex.getRequestBody());
        String schema = body.path("schema").asText();
        int id =
            idsBySchema.computeIfAbsent(
                schema,
                s -> {
                  int n = nextId.getAndIncrement();
                  schemasById.put(n, s);
                  return n;
                });
        reply(ex, 200, JSON.createObjectNode().put("id", id).toString());
      } else if ("GET".equals(ex.getRequestMethod()) && path.startsWith("/schemas/ids/")) {
        String schema = schemasById.get(Integer.parseInt(path.substring("/schemas/ids/".length())));
        if (schema == null) {
          reply(
              ex,
              404,
              JSON.createObjectNode()
                  .put("error_code", 40403)
                  .put("message", "Schema not found")
                  .toString());
        } else {
          reply(ex, 200, JSON.createObjectNode().put("schema", schema).toString());
        }
      } else {
        reply(ex, 404, "{\"error_code\":40400,\"message\":\"not supported by the fake\"}");
      }
    }
  }

  private static void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
