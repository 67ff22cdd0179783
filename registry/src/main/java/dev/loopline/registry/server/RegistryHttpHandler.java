package dev.loopline.registry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.loopline.registry.server.RegistryState.SchemaEntry;
import dev.loopline.registry.server.RegistryState.VersionEntry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Confluent's REST API on top of {@link RegistryService}: routes, JSON shapes, status codes and
 * {@code error_code}s as Confluent's clients expect them.
 */
final class RegistryHttpHandler implements HttpHandler {

  private static final Logger LOG = LoggerFactory.getLogger(RegistryHttpHandler.class);
  static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

  private final RegistryService service;
  private final Map<String, String> users;

  RegistryHttpHandler(RegistryService service, Map<String, String> users) {
    this.service = service;
    this.users = users;
  }

  private record Request(
      String method, List<String> path, Map<String, String> query, HttpExchange exchange) {
    boolean flag(String name) {
      return "true".equalsIgnoreCase(query.get(name));
    }

    String seg(int i) {
      return path.get(i);
    }
  }

  /** A response: JSON or a raw string (the {@code /schema} variants). */
  private record Answer(int status, Object body) {}

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      Answer answer;
      try {
        if (!authorized(exchange)) {
          exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"schema-registry\"");
          answer = new Answer(401, error(401, "Unauthorized"));
        } else {
          answer = route(request(exchange));
        }
      } catch (ApiException e) {
        answer = new Answer(e.status(), error(e.errorCode(), e.getMessage()));
      } catch (BadRequest e) {
        answer = new Answer(e.status, error(e.status, e.getMessage()));
      } catch (RuntimeException e) {
        LOG.error("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
        answer = new Answer(500, error(500, "Internal error: " + e));
      }
      byte[] bytes =
          answer.body() instanceof String s
              ? s.getBytes(StandardCharsets.UTF_8)
              : RegistryState.JSON.writeValueAsBytes(answer.body());
      exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
      exchange.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
      if (bytes.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      }
    }
  }

  private static final class BadRequest extends RuntimeException {
    final int status;

    BadRequest(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  private boolean authorized(HttpExchange exchange) {
    if (users.isEmpty()) {
      return true;
    }
    String header = exchange.getRequestHeaders().getFirst("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
      return false;
    }
    String decoded;
    try {
      decoded =
          new String(
              Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return false;
    }
    int colon = decoded.indexOf(':');
    if (colon < 0) {
      return false;
    }
    String expected = users.get(decoded.substring(0, colon));
    return expected != null
        && MessageDigest.isEqual(
            expected.getBytes(StandardCharsets.UTF_8),
            decoded.substring(colon + 1).getBytes(StandardCharsets.UTF_8));
  }

  private static Request request(HttpExchange exchange) {
    String raw = exchange.getRequestURI().getRawPath();
    List<String> path = new ArrayList<>();
    for (String s : raw.split("/")) {
      if (!s.isEmpty()) {
        path.add(URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8));
      }
    }
    Map<String, String> query = new HashMap<>();
    String rawQuery = exchange.getRequestURI().getRawQuery();
    if (rawQuery != null) {
      for (String kv : rawQuery.split("&")) {
        int eq = kv.indexOf('=');
        String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
        String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
        query.put(k, v);
      }
    }
    return new Request(exchange.getRequestMethod().toUpperCase(), path, query, exchange);
  }

  private Answer route(Request r) {
    List<String> p = r.path();
    int n = p.size();
    if (n == 0) {
      return ok(RegistryState.JSON.createObjectNode());
    }
    switch (p.get(0)) {
      case "subjects" -> {
        if (n == 1) {
          return only(r, "GET", () -> ok(strings(service.subjects(r.flag("deleted")))));
        }
        String subject = r.seg(1);
        if (n == 2) {
          return switch (r.method()) {
            case "POST" -> ok(lookup(r, subject));
            case "DELETE" -> ok(ints(service.deleteSubject(subject, r.flag("permanent"))));
            default -> notAllowed();
          };
        }
        if (!"versions".equals(r.seg(2))) {
          break;
        }
        if (n == 3) {
          return switch (r.method()) {
            case "GET" -> ok(ints(service.versions(subject, r.flag("deleted"))));
            case "POST" -> ok(register(r, subject));
            default -> notAllowed();
          };
        }
        String version = r.seg(3);
        if (n == 4) {
          return switch (r.method()) {
            case "GET" -> ok(versionJson(service.version(subject, version, r.flag("deleted"))));
            case "DELETE" ->
                ok(
                    RegistryState.JSON
                        .getNodeFactory()
                        .numberNode(service.deleteVersion(subject, version, r.flag("permanent"))));
            default -> notAllowed();
          };
        }
        if (n == 5 && "schema".equals(r.seg(4))) {
          return only(
              r,
              "GET",
              () -> {
                VersionEntry v = service.version(subject, version, r.flag("deleted"));
                return new Answer(200, service.schema(v.id()).canonical());
              });
        }
        if (n == 5 && "referencedby".equals(r.seg(4))) {
          return only(
              r,
              "GET",
              () -> {
                service.version(subject, version, r.flag("deleted"));
                return ok(RegistryState.JSON.createArrayNode());
              });
        }
      }
      case "schemas" -> {
        if (n == 2 && "types".equals(r.seg(1))) {
          return only(r, "GET", () -> ok(strings(List.of("AVRO"))));
        }
        if (n >= 3 && "ids".equals(r.seg(1))) {
          int id = schemaId(r.seg(2));
          if (n == 3) {
            return only(
                r,
                "GET",
                () -> {
                  ObjectNode o = RegistryState.JSON.createObjectNode();
                  o.put("schema", service.schema(id).canonical());
                  if (r.flag("fetchMaxId")) {
                    o.put("maxId", id);
                  }
                  return ok(o);
                });
          }
          if (n == 4) {
            return switch (r.seg(3)) {
              case "schema" ->
                  only(r, "GET", () -> new Answer(200, service.schema(id).canonical()));
              case "versions" ->
                  only(
                      r,
                      "GET",
                      () -> {
                        ArrayNode a = RegistryState.JSON.createArrayNode();
                        for (VersionEntry v : service.usages(id, r.flag("deleted"))) {
                          a.addObject().put("subject", v.subject()).put("version", v.version());
                        }
                        return ok(a);
                      });
              case "subjects" ->
                  only(
                      r,
                      "GET",
                      () ->
                          ok(
                              strings(
                                  service.usages(id, r.flag("deleted")).stream()
                                      .map(VersionEntry::subject)
                                      .distinct()
                                      .toList())));
              default -> notFound();
            };
          }
        }
      }
      case "compatibility" -> {
        if (n >= 3 && "subjects".equals(r.seg(1))) {
          String subject = r.seg(2);
          String version;
          if (n == 3) {
            version = null;
          } else if (n == 4 && "versions".equals(r.seg(3))) {
            version = null;
          } else if (n == 5 && "versions".equals(r.seg(3))) {
            version = r.seg(4);
          } else {
            break;
          }
          return only(
              r,
              "POST",
              () -> {
                Schema schema = schemaFromBody(r);
                List<String> violations = service.compatibility(subject, version, schema);
                ObjectNode o = RegistryState.JSON.createObjectNode();
                o.put("is_compatible", violations.isEmpty());
                if (r.flag("verbose")) {
                  o.set("messages", strings(violations));
                }
                return ok(o);
              });
        }
      }
      case "config" -> {
        String subject = n == 2 ? r.seg(1) : null;
        if (n > 2) {
          break;
        }
        return switch (r.method()) {
          case "GET" -> ok(getConfig(r, subject));
          case "PUT" -> {
            JsonNode body = body(r);
            String raw =
                body.path("compatibility").asText(body.path("compatibilityLevel").asText(null));
            CompatibilityLevel level = CompatibilityLevel.parse(raw);
            if (level == null) {
              throw new ApiException(
                  422,
                  ApiException.INVALID_COMPATIBILITY_LEVEL,
                  "Invalid compatibility level. Valid values are none, backward, forward, full,"
                      + " backward_transitive, forward_transitive, and full_transitive");
            }
            service.setLevel(subject, level);
            yield ok(RegistryState.JSON.createObjectNode().put("compatibility", level.name()));
          }
          case "DELETE" -> {
            if (subject == null) {
              yield notAllowed();
            }
            yield ok(
                RegistryState.JSON
                    .createObjectNode()
                    .put("compatibilityLevel", service.deleteLevel(subject).name()));
          }
          default -> notAllowed();
        };
      }
      case "mode" -> {
        return only(
            r, "GET", () -> ok(RegistryState.JSON.createObjectNode().put("mode", "READWRITE")));
      }
      default -> {
        return notFound();
      }
    }
    return notFound();
  }

  private ObjectNode getConfig(Request r, String subject) {
    CompatibilityLevel level;
    if (subject == null) {
      level = service.effectiveLevel(null);
    } else {
      level = service.subjectLevel(subject);
      if (level == null) {
        if (!r.flag("defaultToGlobal")) {
          throw new ApiException(
              404,
              ApiException.SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED,
              "Subject '" + subject + "' does not have subject-level compatibility configured");
        }
        level = service.effectiveLevel(subject);
      }
    }
    return RegistryState.JSON.createObjectNode().put("compatibilityLevel", level.name());
  }

  private ObjectNode register(Request r, String subject) {
    int id = service.register(subject, schemaFromBody(r));
    return RegistryState.JSON.createObjectNode().put("id", id);
  }

  private ObjectNode lookup(Request r, String subject) {
    return versionJson(service.lookup(subject, schemaFromBody(r), r.flag("deleted")));
  }

  private ObjectNode versionJson(VersionEntry v) {
    SchemaEntry s = service.schema(v.id());
    ObjectNode o = RegistryState.JSON.createObjectNode();
    o.put("subject", v.subject()).put("version", v.version()).put("id", v.id());
    o.put("schema", s.canonical());
    return o;
  }

  private static Schema schemaFromBody(Request r) {
    JsonNode body = body(r);
    JsonNode refs = body.path("references");
    if (refs.isArray() && !refs.isEmpty()) {
      throw ApiException.invalidSchema("Schema references are not supported by this registry");
    }
    JsonNode schema = body.get("schema");
    if (schema == null || schema.isNull()) {
      throw ApiException.invalidSchema("Empty schema");
    }
    return RegistryService.parseRequest(
        schema.isTextual() ? schema.asText() : schema.toString(),
        body.path("schemaType").asText(null));
  }

  private static JsonNode body(Request r) {
    try (InputStream in = r.exchange().getRequestBody()) {
      byte[] bytes = in.readAllBytes();
      JsonNode n = bytes.length == 0 ? null : RegistryState.JSON.readTree(bytes);
      if (n == null || !n.isObject()) {
        throw new BadRequest(400, "Request body must be a JSON object");
      }
      return n;
    } catch (IOException e) {
      throw new BadRequest(400, "Malformed JSON request body: " + e.getMessage());
    }
  }

  private static int schemaId(String s) {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw ApiException.schemaNotFound("Schema " + s + " not found");
    }
  }

  private interface Action {
    Answer run();
  }

  private static Answer only(Request r, String method, Action action) {
    return r.method().equals(method) ? action.run() : notAllowed();
  }

  private static Answer ok(Object body) {
    return new Answer(200, body);
  }

  private static Answer notFound() {
    return new Answer(404, error(404, "HTTP 404 Not Found"));
  }

  private static Answer notAllowed() {
    return new Answer(405, error(405, "HTTP 405 Method Not Allowed"));
  }

  private static ObjectNode error(int code, String message) {
    return RegistryState.JSON.createObjectNode().put("error_code", code).put("message", message);
  }

  private static ArrayNode strings(List<String> values) {
    ArrayNode a = RegistryState.JSON.createArrayNode();
    values.forEach(a::add);
    return a;
  }

  private static ArrayNode ints(List<Integer> values) {
    ArrayNode a = RegistryState.JSON.createArrayNode();
    values.forEach(a::add);
    return a;
  }
}
