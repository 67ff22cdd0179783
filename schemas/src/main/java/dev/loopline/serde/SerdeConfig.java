package dev.loopline.serde;

import java.util.Locale;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;

/**
 * The serde settings, with Confluent's names and defaults, read once at {@code configure()}.
 * Subject naming follows Confluent's strategies; the class names {@code
 * io.confluent.kafka.serializers.subject.TopicNameStrategy}, {@code RecordNameStrategy} and {@code
 * TopicRecordNameStrategy} (or just the simple names) are accepted so existing client configs work.
 */
final class SerdeConfig {

  static final String AUTO_REGISTER = "auto.register.schemas";
  static final String USE_LATEST = "use.latest.version";
  static final String KEY_STRATEGY = "key.subject.name.strategy";
  static final String VALUE_STRATEGY = "value.subject.name.strategy";
  static final String KEY_TYPE = "specific.avro.key.type";
  static final String VALUE_TYPE = "specific.avro.value.type";

  enum Strategy {
    TOPIC,
    RECORD,
    TOPIC_RECORD
  }

  final boolean autoRegister;
  final boolean useLatest;
  final Strategy strategy;
  final boolean isKey;

  private SerdeConfig(boolean autoRegister, boolean useLatest, Strategy strategy, boolean isKey) {
    this.autoRegister = autoRegister;
    this.useLatest = useLatest;
    this.strategy = strategy;
    this.isKey = isKey;
  }

  static SerdeConfig from(Map<String, ?> config, boolean isKey) {
    return new SerdeConfig(
        bool(config, AUTO_REGISTER, true),
        bool(config, USE_LATEST, false),
        strategy(config.get(isKey ? KEY_STRATEGY : VALUE_STRATEGY)),
        isKey);
  }

  /** The subject a schema is registered under for a topic: {@code <topic>-key}/{@code -value}. */
  String subject(String topic, Schema schema) {
    return switch (strategy) {
      case TOPIC -> topic + (isKey ? "-key" : "-value");
      case RECORD -> schema.getFullName();
      case TOPIC_RECORD -> topic + "-" + schema.getFullName();
    };
  }

  private static Strategy strategy(Object value) {
    if (value == null) {
      return Strategy.TOPIC;
    }
    String name = value instanceof Class<?> c ? c.getName() : value.toString().trim();
    String simple = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
    return switch (simple) {
      case "", "topicnamestrategy" -> Strategy.TOPIC;
      case "recordnamestrategy" -> Strategy.RECORD;
      case "topicrecordnamestrategy" -> Strategy.TOPIC_RECORD;
      default ->
          throw new ConfigException(
              "subject.name.strategy",
              name,
              "supported: TopicNameStrategy, RecordNameStrategy, TopicRecordNameStrategy");
    };
  }

  private static boolean bool(Map<String, ?> config, String key, boolean fallback) {
    Object v = config.get(key);
    if (v == null) {
      return fallback;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    String s = v.toString().trim();
    if (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(s);
    }
    throw new ConfigException(key, v, "must be true or false");
  }
}
