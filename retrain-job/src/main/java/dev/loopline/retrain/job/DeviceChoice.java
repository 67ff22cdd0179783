package dev.loopline.retrain.job;

import java.util.Locale;
import java.util.Set;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;

/**
 * Where training runs: on the GPU when the TaskManager reports Flink's {@code gpu} external
 * resource (the GPU plugin in {@code plugins/external-resource-gpu}), otherwise on the CPU. {@code
 * retrain.device} can force {@code cpu} or {@code gpu}; the default {@code auto} follows the
 * TaskManager. A local MiniCluster never reports GPUs, so it always trains on the CPU.
 */
public final class DeviceChoice {

  private DeviceChoice() {}

  /**
   * @param configured {@code auto}, {@code cpu} or {@code gpu}
   * @param gpus what {@code getRuntimeContext().getExternalResourceInfos("gpu")} returned
   * @return the device to ask the trainer for: {@code gpu} or {@code cpu}
   */
  public static String choose(String configured, Set<ExternalResourceInfo> gpus) {
    String c = configured == null ? "auto" : configured.trim().toLowerCase(Locale.ROOT);
    return switch (c) {
      case "cpu" -> "cpu";
      case "gpu" -> "gpu";
      case "auto" -> gpus == null || gpus.isEmpty() ? "cpu" : "gpu";
      default ->
          throw new IllegalArgumentException("retrain.device must be auto, cpu or gpu, got " + c);
    };
  }

  /** The GPU indexes Flink assigned to this TaskManager, for the log and the metadata. */
  public static String describe(Set<ExternalResourceInfo> gpus) {
    if (gpus == null || gpus.isEmpty()) {
      return "none";
    }
    StringBuilder sb = new StringBuilder();
    for (ExternalResourceInfo info : gpus) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(info.getProperty("index").orElse("?"));
    }
    return sb.toString();
  }
}
