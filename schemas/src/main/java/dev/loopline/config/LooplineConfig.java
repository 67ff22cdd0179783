package dev.loopline.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * One configuration layer for every Kafka client, Streams app, Flink source and registry client, so
 * that connection, SASL/TLS and registry-auth settings pass through everywhere the same way.
 *
 * <p>Layers, later wins: built-in defaults, then a properties file, then the environment ({@code
 * LOOPLINE_BOOTSTRAP_SERVERS} becomes {@code bootstrap.servers}; {@code LOOPLINE_} prefix, upper
 * case, underscores for dots), then explicit overrides (CLI flags). Keys follow Kafka's dotted
 * lower-case style.
 */
public final class LooplineConfig {

  public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
  public static final String REGISTRY_URL = "schema.registry.url";
  public static final String ENV_PREFIX = "LOOPLINE_";

  /** Defaults point at the embedded platform that {@code loopline up} starts. */
  public static final Map<String, String> DEFAULTS =
      Map.of(
          BOOTSTRAP_SERVERS,
          "localhost:9092",
          REGISTRY_URL,
          "http://localhost:8081",
          "model.name",
          "tickets",
          "model.store.uri",
          "file:" + System.getProperty("user.home") + "/.loopline/models");

  /** Client settings copied verbatim into every Kafka client (security, SASL, TLS, ids). */
  private static final String[] KAFKA_PREFIXES = {
    "security.",
    "sasl.",
    "ssl.",
    "client.dns.lookup",
    "client.id",
    "request.timeout.ms",
    "retry.backoff.ms",
    "metadata.max.age.ms",
    "connections.max.idle.ms"
  };

  /** Registry client settings, with Confluent's names (basic.auth.*, schema.registry.ssl.*). */
  private static final String[] REGISTRY_PREFIXES = {
    "schema.registry.",
    "basic.auth.",
    "auto.register.schemas",
    "use.latest.version",
    "bearer.auth.",
    "key.subject.name.strategy",
    "value.subject.name.strategy"
  };

  private final Map<String, String> values;

  private LooplineConfig(Map<String, String> values) {
    this.values = Collections.unmodifiableMap(new TreeMap<>(values));
  }

  /** Defaults only, plus the given overrides (tests, embedded platform). */
  public static LooplineConfig of(Map<String, String> overrides) {
    Map<String, String> merged = new LinkedHashMap<>(DEFAULTS);
    merged.putAll(overrides);
    return new LooplineConfig(merged);
  }

  /**
   * Defaults, then {@code file} (may be null), then {@code env} (usually {@code System.getenv()}),
   * then {@code overrides}.
   */
  public static LooplineConfig load(
      Path file, Map<String, String> env, Map<String, String> overrides) throws IOException {
    Map<String, String> merged = new LinkedHashMap<>(DEFAULTS);
    if (file != null) {
      Properties props = new Properties();
      try (InputStream in = Files.newInputStream(file)) {
        props.load(in);
      }
      props.stringPropertyNames().forEach(k -> merged.put(k, props.getProperty(k).trim()));
    }
    env.forEach(
        (k, v) -> {
          if (k.startsWith(ENV_PREFIX) && k.length() > ENV_PREFIX.length()) {
            merged.put(k.substring(ENV_PREFIX.length()).toLowerCase().replace('_', '.'), v);
          }
        });
    merged.putAll(overrides);
    return new LooplineConfig(merged);
  }

  /** A copy with more settings on top. */
  public LooplineConfig with(Map<String, String> overrides) {
    Map<String, String> merged = new LinkedHashMap<>(values);
    merged.putAll(overrides);
    return new LooplineConfig(merged);
  }

  public LooplineConfig with(String key, String value) {
    return with(Map.of(key, value));
  }

  public String get(String key) {
    return values.get(key);
  }

  public String get(String key, String fallback) {
    return values.getOrDefault(key, fallback);
  }

  public int getInt(String key, int fallback) {
    String v = values.get(key);
    if (v == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(key + " must be an integer, got '" + v + "'");
    }
  }

  public long getLong(String key, long fallback) {
    String v = values.get(key);
    if (v == null) {
      return fallback;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(key + " must be an integer, got '" + v + "'");
    }
  }

  public double getDouble(String key, double fallback) {
    String v = values.get(key);
    if (v == null) {
      return fallback;
    }
    try {
      return Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(key + " must be a number, got '" + v + "'");
    }
  }

  public boolean getBoolean(String key, boolean fallback) {
    String v = values.get(key);
    if (v == null) {
      return fallback;
    }
    if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(v);
    }
    throw new ConfigException(key + " must be true or false, got '" + v + "'");
  }

  public String bootstrapServers() {
    return values.get(BOOTSTRAP_SERVERS);
  }

  public String registryUrl() {
    return values.get(REGISTRY_URL);
  }

  /** All settings whose key starts with {@code prefix}, with the prefix removed. */
  public Map<String, String> withPrefix(String prefix) {
    Map<String, String> out = new TreeMap<>();
    values.forEach(
        (k, v) -> {
          if (k.startsWith(prefix)) {
            out.put(k.substring(prefix.length()), v);
          }
        });
    return out;
  }

  /**
   * Settings every Kafka client needs: bootstrap servers plus security/SASL/TLS settings, and
   * anything under {@code kafka.} with that prefix removed (e.g. {@code kafka.linger.ms}).
   */
  public Map<String, Object> kafkaClientProps() {
    Map<String, Object> out = new TreeMap<>();
    out.put(BOOTSTRAP_SERVERS, bootstrapServers());
    values.forEach(
        (k, v) -> {
          for (String p : KAFKA_PREFIXES) {
            if (k.startsWith(p)) {
              out.put(k, v);
            }
          }
        });
    out.putAll(withPrefix("kafka."));
    return out;
  }

  /** Settings for the registry client and the serde, with Confluent's names. */
  public Map<String, Object> registryClientProps() {
    Map<String, Object> out = new TreeMap<>();
    values.forEach(
        (k, v) -> {
          for (String p : REGISTRY_PREFIXES) {
            if (k.startsWith(p)) {
              out.put(k, v);
            }
          }
        });
    return out;
  }

  /** Kafka client settings and registry settings together, as a serde's configure() wants. */
  public Map<String, Object> clientAndSerdeProps() {
    Map<String, Object> out = new TreeMap<>(kafkaClientProps());
    out.putAll(registryClientProps());
    return out;
  }

  public Map<String, String> asMap() {
    return values;
  }

  /** A configuration value that cannot be used; its message is a one-line, user-facing answer. */
  public static final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
      super(message);
    }
  }
}
