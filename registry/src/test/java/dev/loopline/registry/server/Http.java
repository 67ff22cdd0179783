package dev.loopline.registry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** A raw HTTP caller for asserting status codes and JSON bodies of the REST API. */
final class Http {

  static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  record Answer(int status, String body, String contentType) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + body, e);
      }
    }

    int errorCode() {
      return json().path("error_code").asInt();
    }
  }

  private final String base;

  Http(String base) {
    this.base = base;
  }

  Answer get(String path) {
    return call("GET", path, null);
  }

  Answer delete(String path) {
    return call("DELETE", path, null);
  }

  Answer post(String path, String body) {
    return call("POST", path, body);
  }

  Answer put(String path, String body) {
    return call("PUT", path, body);
  }

  /** Body {"schema": "<schema>"}. */
  static String schemaBody(String schema) {
    return JSON.createObjectNode().put("schema", schema).toString();
  }

  Answer call(String method, String path, String body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/vnd.schemaregistry.v1+json");
    }
    try {
      HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(
          r.statusCode(), r.body(), r.headers().firstValue("Content-Type").orElse(""));
    } catch (IOException e) {
      throw new AssertionError(method + " " + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
