package dev.loopline.registry.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.avro.Schema;

/**
 * A thin, caching client of the Confluent Schema Registry REST API. It talks only the public API,
 * so the same code works against our {@code registry} server, Confluent Schema Registry, Karapace,
 * Apicurio's ccompat API or Redpanda.
 *
 * <p>Caches what never changes (id to schema, subject+schema to id/version) forever, and the latest
 * version of a subject for {@code latest.cache.ttl.sec} (default: no expiry, as Confluent's
 * serdes). Thread-safe; one instance can be shared by many serdes.
 *
 * <p>Settings use Confluent's names: {@code schema.registry.url} (comma-separated; tried in order),
 * {@code basic.auth.credentials.source} ({@code USER_INFO} or {@code URL}), {@code
 * basic.auth.user.info} (or {@code schema.registry.basic.auth.user.info}), {@code
 * bearer.auth.token}, {@code schema.registry.ssl.truststore.location/password/type}, {@code
 * schema.registry.ssl.keystore.location/password/type}, {@code schema.registry.ssl.key.password},
 * {@code http.connect.timeout.ms}, {@code http.read.timeout.ms}.
 */
public final class RegistryClient {

  public static final String URL = "schema.registry.url";
  public static final String CREDENTIALS_SOURCE = "basic.auth.credentials.source";
  public static final String USER_INFO = "basic.auth.user.info";
  public static final String REGISTRY_USER_INFO = "schema.registry.basic.auth.user.info";
  public static final String BEARER_TOKEN = "bearer.auth.token";
  public static final String SSL_PREFIX = "schema.registry.ssl.";
  public static final String LATEST_TTL = "latest.cache.ttl.sec";
  public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A registered schema as the registry describes it. */
  public record SubjectVersion(String subject, int version, int id, Schema schema) {}

  private record Latest(SubjectVersion value, long fetchedAtNanos) {}

  private final List<URI> baseUrls;
  private final HttpClient http;
  private final String authorization;
  private final Duration readTimeout;
  private final long latestTtlNanos;

  private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
  private final Map<String, Map<Schema, Integer>> idsBySubject = new ConcurrentHashMap<>();
  private final Map<String, Map<Schema, SubjectVersion>> lookups = new ConcurrentHashMap<>();
  private final Map<String, Latest> latest = new ConcurrentHashMap<>();

  private RegistryClient(
      List<URI> baseUrls,
      HttpClient http,
      String authorization,
      Duration readTimeout,
      long latestTtlSeconds) {
    this.baseUrls = baseUrls;
    this.http = http;
    this.authorization = authorization;
    this.readTimeout = readTimeout;
    this.latestTtlNanos =
        latestTtlSeconds < 0 ? -1 : Duration.ofSeconds(latestTtlSeconds).toNanos();
  }

  /**
   * A client configured from serde/client settings ({@code LooplineConfig.registryClientProps()}).
   *
   * @throws IllegalArgumentException when {@code schema.registry.url} is missing or a setting is
   *     unusable (message names the key)
   */
  public static RegistryClient fromConfig(Map<String, ?> config) {
    String urls = string(config, URL);
    if (urls == null || urls.isBlank()) {
      throw new IllegalArgumentException(URL + " is required");
    }
    List<URI> baseUrls = new ArrayList<>();
    String urlUserInfo = null;
    for (String u : urls.split(",")) {
      URI uri = URI.create(u.trim());
      if (uri.getUserInfo() != null) {
        urlUserInfo = URLDecoder.decode(uri.getRawUserInfo(), StandardCharsets.UTF_8);
        try {
          uri =
              new URI(
                  uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), null, null);
        } catch (java.net.URISyntaxException e) {
          throw new IllegalArgumentException(URL + ": " + e.getMessage(), e);
        }
      }
      String s = uri.toString();
      baseUrls.add(URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s));
    }
    String authorization = authorization(config, urlUserInfo);
    Duration connect = Duration.ofMillis(longValue(config, "http.connect.timeout.ms", 60_000));
    Duration read = Duration.ofMillis(longValue(config, "http.read.timeout.ms", 60_000));
    HttpClient.Builder builder =
        HttpClient.newBuilder().connectTimeout(connect).version(HttpClient.Version.HTTP_1_1);
    SSLContext ssl = sslContext(config);
    if (ssl != null) {
      builder.sslContext(ssl);
    }
    return new RegistryClient(
        List.copyOf(baseUrls),
        builder.build(),
        authorization,
        read,
        longValue(config, LATEST_TTL, -1));
  }

  /** Registers {@code schema} under {@code subject} (or finds it there); returns its global id. */
  public int register(String subject, Schema schema) {
    Map<Schema, Integer> ids =
        idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
    Integer cached = ids.get(schema);
    if (cached != null) {
      return cached;
    }
    ObjectNode body = JSON.createObjectNode().put("schema", schema.toString());
    JsonNode answer = call("POST", "/subjects/" + enc(subject) + "/versions", body);
    int id = answer.path("id").asInt();
    ids.put(schema, id);
    schemasById.putIfAbsent(id, schema);
    return id;
  }

  /** The schema with this global id (cached forever: ids are immutable). */
  public Schema schemaById(int id) {
    Schema cached = schemasById.get(id);
    if (cached != null) {
      return cached;
    }
    JsonNode answer = call("GET", "/schemas/ids/" + id, null);
    String type = answer.path("schemaType").asText("AVRO");
    if (!"AVRO".equals(type)) {
      throw new RegistryException(
          200, -1, "schema id " + id + " is a " + type + " schema, not an Avro schema");
    }
    Schema schema = parse(answer.path("schema").asText());
    Schema prior = schemasById.putIfAbsent(id, schema);
    return prior != null ? prior : schema;
  }

  /**
   * The id and version of {@code schema} under {@code subject}, without registering it (Confluent's
   * {@code POST /subjects/{subject}}).
   *
   * @throws RegistryException with 40401/40403 when the subject or schema is not registered
   */
  public SubjectVersion lookup(String subject, Schema schema) {
    Map<Schema, SubjectVersion> bySchema =
        lookups.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
    SubjectVersion cached = bySchema.get(schema);
    if (cached != null) {
      return cached;
    }
    ObjectNode body = JSON.createObjectNode().put("schema", schema.toString());
    SubjectVersion found = subjectVersion(call("POST", "/subjects/" + enc(subject), body));
    bySchema.put(schema, found);
    schemasById.putIfAbsent(found.id(), found.schema());
    return found;
  }

  /** The latest version of a subject, cached for {@code latest.cache.ttl.sec}. */
  public SubjectVersion latest(String subject) {
    Latest cached = latest.get(subject);
    if (cached != null
        && (latestTtlNanos < 0 || System.nanoTime() - cached.fetchedAtNanos() < latestTtlNanos)) {
      return cached.value();
    }
    SubjectVersion fresh = version(subject, "latest");
    latest.put(subject, new Latest(fresh, System.nanoTime()));
    return fresh;
  }

  /** One version of a subject ({@code "latest"} or a number); not cached. */
  public SubjectVersion version(String subject, String version) {
    SubjectVersion sv =
        subjectVersion(call("GET", "/subjects/" + enc(subject) + "/versions/" + version, null));
    schemasById.putIfAbsent(sv.id(), sv.schema());
    return sv;
  }

  /** Subject names (not soft-deleted). */
  public List<String> subjects() {
    List<String> out = new ArrayList<>();
    call("GET", "/subjects", null).forEach(n -> out.add(n.asText()));
    return out;
  }

  /** Version numbers of a subject (not soft-deleted). */
  public List<Integer> versions(String subject) {
    List<Integer> out = new ArrayList<>();
    call("GET", "/subjects/" + enc(subject) + "/versions", null).forEach(n -> out.add(n.asInt()));
    return out;
  }

  /** Whether {@code schema} could be registered under {@code subject} as its next version. */
  public boolean testCompatibility(String subject, Schema schema) {
    ObjectNode body = JSON.createObjectNode().put("schema", schema.toString());
    return call("POST", "/compatibility/subjects/" + enc(subject) + "/versions/latest", body)
        .path("is_compatible")
        .asBoolean();
  }

  /** Sets the compatibility level of a subject, or the global level when subject is null. */
  public void setCompatibility(String subject, String level) {
    ObjectNode body = JSON.createObjectNode().put("compatibility", level);
    call("PUT", subject == null ? "/config" : "/config/" + enc(subject), body);
  }

  /**
   * The compatibility level that applies to a subject (its own, else the global one), or the global
   * level when subject is null.
   */
  public String compatibility(String subject) {
    String path = subject == null ? "/config" : "/config/" + enc(subject) + "?defaultToGlobal=true";
    return call("GET", path, null).path("compatibilityLevel").asText();
  }

  /** The first configured base URL, for messages. */
  public String url() {
    return baseUrls.get(0).toString();
  }

  private SubjectVersion subjectVersion(JsonNode n) {
    return new SubjectVersion(
        n.path("subject").asText(),
        n.path("version").asInt(),
        n.path("id").asInt(),
        parse(n.path("schema").asText()));
  }

  private static Schema parse(String schema) {
    return new Schema.Parser().setValidateDefaults(false).parse(schema);
  }

  private JsonNode call(String method, String path, JsonNode body) {
    RegistryException last = null;
    for (URI base : baseUrls) {
      HttpRequest.Builder req =
          HttpRequest.newBuilder(URI.create(base + path))
              .timeout(readTimeout)
              .header("Accept", CONTENT_TYPE + ", application/json");
      if (authorization != null) {
        req.header("Authorization", authorization);
      }
      if (body != null) {
        req.header("Content-Type", CONTENT_TYPE);
        req.method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
      } else {
        req.method(method, HttpRequest.BodyPublishers.noBody());
      }
      HttpResponse<String> resp;
      try {
        resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        last =
            new RegistryException(
                "schema registry " + base + " unreachable (" + method + " " + path + "): " + e, e);
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new RegistryException("interrupted calling schema registry " + base, e);
      }
      return answer(base, method, path, resp);
    }
    throw last;
  }

  private static JsonNode answer(URI base, String method, String path, HttpResponse<String> resp) {
    JsonNode json;
    try {
      json = resp.body() == null || resp.body().isBlank() ? null : JSON.readTree(resp.body());
    } catch (IOException e) {
      json = null;
    }
    if (resp.statusCode() / 100 == 2) {
      if (json == null) {
        throw new RegistryException(
            resp.statusCode(), -1, "schema registry " + base + " sent no JSON for " + path);
      }
      return json;
    }
    int code = json == null ? resp.statusCode() : json.path("error_code").asInt(resp.statusCode());
    String message = json == null ? resp.body() : json.path("message").asText(resp.body());
    throw new RegistryException(
        resp.statusCode(),
        code,
        "schema registry " + method + " " + path + ": " + message + " (error " + code + ")");
  }

  private static String enc(String subject) {
    return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String authorization(Map<String, ?> config, String urlUserInfo) {
    String token = string(config, BEARER_TOKEN);
    if (token != null && !token.isBlank()) {
      return "Bearer " + token;
    }
    String source = string(config, CREDENTIALS_SOURCE);
    String userInfo;
    if (source == null || source.isBlank()) {
      userInfo = string(config, USER_INFO);
      if (userInfo == null) {
        userInfo = string(config, REGISTRY_USER_INFO);
      }
      if (userInfo == null) {
        userInfo = urlUserInfo;
      }
    } else {
      switch (source.toUpperCase(Locale.ROOT)) {
        case "USER_INFO" -> {
          userInfo = string(config, USER_INFO);
          if (userInfo == null) {
            userInfo = string(config, REGISTRY_USER_INFO);
          }
        }
        case "URL" -> userInfo = urlUserInfo;
        default ->
            throw new IllegalArgumentException(
                CREDENTIALS_SOURCE + " must be USER_INFO or URL, got '" + source + "'");
      }
    }
    if (userInfo == null || userInfo.isBlank()) {
      return null;
    }
    return "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
  }

  private static SSLContext sslContext(Map<String, ?> config) {
    String trustStore = string(config, SSL_PREFIX + "truststore.location");
    String keyStore = string(config, SSL_PREFIX + "keystore.location");
    if ((trustStore == null || trustStore.isBlank()) && (keyStore == null || keyStore.isBlank())) {
      return null;
    }
    try {
      TrustManagerFactory tmf = null;
      if (trustStore != null && !trustStore.isBlank()) {
        KeyStore ts =
            load(
                trustStore,
                string(config, SSL_PREFIX + "truststore.type"),
                string(config, SSL_PREFIX + "truststore.password"));
        tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
      }
      KeyManagerFactory kmf = null;
      if (keyStore != null && !keyStore.isBlank()) {
        String password = string(config, SSL_PREFIX + "keystore.password");
        KeyStore ks = load(keyStore, string(config, SSL_PREFIX + "keystore.type"), password);
        String keyPassword = string(config, SSL_PREFIX + "key.password");
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, chars(keyPassword != null ? keyPassword : password));
      }
      String protocol = string(config, SSL_PREFIX + "protocol");
      SSLContext ctx = SSLContext.getInstance(protocol == null ? "TLS" : protocol);
      ctx.init(
          kmf == null ? null : kmf.getKeyManagers(),
          tmf == null ? null : tmf.getTrustManagers(),
          null);
      return ctx;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "cannot set up TLS for the schema registry client (" + SSL_PREFIX + "*): " + e, e);
    }
  }

  private static KeyStore load(String location, String type, String password)
      throws IOException, GeneralSecurityException {
    KeyStore ks = KeyStore.getInstance(type == null || type.isBlank() ? "JKS" : type);
    try (InputStream in = Files.newInputStream(Path.of(location))) {
      ks.load(in, chars(password));
    }
    return ks;
  }

  private static char[] chars(String s) {
    return s == null ? null : s.toCharArray();
  }

  private static String string(Map<String, ?> config, String key) {
    Object v = config.get(key);
    if (v == null) {
      return null;
    }
    if (v instanceof org.apache.kafka.common.config.types.Password p) {
      return p.value();
    }
    return v.toString();
  }

  private static long longValue(Map<String, ?> config, String key, long fallback) {
    String v = string(config, key);
    if (v == null || v.isBlank()) {
      return fallback;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be an integer, got '" + v + "'");
    }
  }
}
