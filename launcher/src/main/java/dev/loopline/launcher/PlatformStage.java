package dev.loopline.launcher;

import dev.loopline.config.LooplineConfig;
import dev.loopline.embedded.EmbeddedPlatform;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The first stage of {@code loopline up}: the embedded broker, the schema registry and the core
 * topics. The configuration it hands on points at them; only {@code topic.*} settings are passed to
 * the platform, since the user's security settings belong to remote clusters, not to it.
 */
public final class PlatformStage implements EmbeddedLoop.Stage {

  private final EmbeddedPlatform.Options options;

  public PlatformStage(EmbeddedPlatform.Options options) {
    this.options = options;
  }

  @Override
  public String name() {
    return "platform";
  }

  @Override
  public EmbeddedLoop.Running start(LooplineConfig config) {
    Map<String, String> settings = new TreeMap<>();
    config
        .asMap()
        .forEach(
            (k, v) -> {
              if (k.startsWith("topic.")) {
                settings.put(k, v);
              }
            });
    EmbeddedPlatform platform = EmbeddedPlatform.start(options.withSettings(settings));
    LooplineConfig after =
        config.with(
            Map.of(
                LooplineConfig.BOOTSTRAP_SERVERS, platform.bootstrapServers(),
                LooplineConfig.REGISTRY_URL, platform.registryUrl()));
    return new EmbeddedLoop.Running(
        List.of(
            new EmbeddedLoop.Endpoint(
                "Kafka broker (KRaft)", "bootstrap servers", platform.bootstrapServers()),
            new EmbeddedLoop.Endpoint(
                "Schema registry", "Confluent REST API", platform.registryUrl()),
            new EmbeddedLoop.Endpoint(
                "Data",
                "broker storage",
                options.dataDir() == null ? "(temporary)" : options.dataDir().toString())),
        after,
        platform);
  }
}
