package dev.loopline.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.avro.Schema;

/**
 * A minimal in-memory stand-in for a Confluent registry (the real server lives in the registry
 * module, which depends on this one): just the calls the client and serde make, and a log of the
 * requests so tests can assert caching and headers. Ids start at 100.
 */
final class StubRegistry implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  record Call(String method, String path, String authorization) {}

  private final HttpServer server;
  private final Map<String, Integer> idsBySchema = new HashMap<>();
  private final Map<Integer, String> schemasById = new HashMap<>();
  private final Map<String, List<Integer>> subjects = new HashMap<>();
  final List<Call> calls = new CopyOnWriteArrayList<>();

  StubRegistry() throws IOException {
    server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String url() {
    return "http://localhost:" + server.getAddress().getPort();
  }

  synchronized int register(String subject, Schema schema) {
    String canonical = schema.toString();
    int id = idsBySchema.computeIfAbsent(canonical, s -> 100 + idsBySchema.size());
    schemasById.put(id, canonical);
    List<Integer> versions = subjects.computeIfAbsent(subject, s -> new ArrayList<>());
    if (!versions.contains(id)) {
      versions.add(id);
    }
    return id;
  }

  long count(String method, String pathPrefix) {
    return calls.stream()
        .filter(c -> c.method().equals(method) && c.path().startsWith(pathPrefix))
        .count();
  }

  private synchronized void handle(HttpExchange ex) throws IOException {
    String path = URLDecoder.decode(ex.getRequestURI().getRawPath(), StandardCharsets.UTF_8);
    calls.add(
        new Call(ex.getRequestMethod(), path, ex.getRequestHeaders().getFirst("Authorization")));
    String[] p = path.substring(1).split("/");
    JsonNode body =
        ex.getRequestMethod().equals("POST") ? JSON.readTree(ex.getRequestBody()) : null;
    int status = 200;
    ObjectNode out = JSON.createObjectNode();
    if (p[0].equals("subjects") && p.length == 3 && body != null) {
      out.put("id", register(p[1], new Schema.Parser().parse(body.get("schema").asText())));
    } else if (p[0].equals("subjects") && p.length == 2 && body != null) {
      List<Integer> versions = subjects.get(p[1]);
      Integer id =
          idsBySchema.get(new Schema.Parser().parse(body.get("schema").asText()).toString());
      if (versions == null) {
        status = 404;
        out.put("error_code", 40401).put("message", "Subject '" + p[1] + "' not found.");
      } else if (id == null || !versions.contains(id)) {
        status = 404;
        out.put("error_code", 40403).put("message", "Schema not found");
      } else {
        out.put("subject", p[1]).put("version", versions.indexOf(id) + 1).put("id", id);
        out.put("schema", schemasById.get(id));
      }
    } else if (p[0].equals("subjects") && p.length == 4 && p[3].equals("latest")) {
      List<Integer> versions = subjects.get(p[1]);
      if (versions == null) {
        status = 404;
        out.put("error_code", 40401).put("message", "Subject '" + p[1] + "' not found.");
      } else {
        int id = versions.get(versions.size() - 1);
        out.put("subject", p[1]).put("version", versions.size()).put("id", id);
        out.put("schema", schemasById.get(id));
      }
    } else if (p[0].equals("schemas") && p.length == 3) {
      String schema = schemasById.get(Integer.parseInt(p[2]));
      if (schema == null) {
        status = 404;
        out.put("error_code", 40403).put("message", "Schema " + p[2] + " not found");
      } else {
        out.put("schema", schema);
      }
    } else {
      status = 404;
      out.put("error_code", 404).put("message", "HTTP 404 Not Found");
    }
    byte[] bytes = JSON.writeValueAsBytes(out);
    ex.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
