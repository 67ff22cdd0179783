package dev.loopline.model.train;

import dev.loopline.model.tf.TensorFlowNatives;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bytedeco.javacpp.PointerScope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.internal.c_api.TFE_Context;
import org.tensorflow.internal.c_api.TFE_ContextOptions;
import org.tensorflow.internal.c_api.TF_DeviceList;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.internal.c_api.global.tensorflow;
import org.tensorflow.proto.ConfigProto;

/**
 * Chooses where training runs. The retrain job asks for {@code "gpu"} when Flink's TaskManager
 * reports the {@code gpu} external resource; the trainer then needs the GPU build of the natives
 * ({@code org.tensorflow:tensorflow-core-native:1.0.0:linux-x86_64-gpu}) for TensorFlow to see a
 * GPU. With the CPU natives, or no visible GPU, it falls back to the CPU and says so.
 */
final class Device {
  private static final Logger LOG = LoggerFactory.getLogger(Device.class);
  private static volatile Boolean gpuVisible;

  private Device() {}

  /** "cpu" or "gpu": the device training will actually use for {@code requested}. */
  static String resolve(String requested, boolean gpuAvailable) {
    switch (requested.toLowerCase(Locale.ROOT)) {
      case "cpu":
        return "cpu";
      case "gpu":
        if (!gpuAvailable) {
          LOG.warn(
              "GPU requested but TensorFlow sees none (CPU natives, or no CUDA 12 driver):"
                  + " training on CPU");
          return "cpu";
        }
        return "gpu";
      case "auto":
        return gpuAvailable ? "gpu" : "cpu";
      default:
        throw new IllegalArgumentException("unknown device " + requested);
    }
  }

  /** Session config for the resolved device: CPU hides GPUs; GPU allows soft placement. */
  static ConfigProto sessionConfig(String resolved) {
    ConfigProto.Builder b = ConfigProto.newBuilder().setAllowSoftPlacement(true);
    if ("cpu".equals(resolved)) {
      b.putDeviceCount("GPU", 0);
    } else {
      b.getGpuOptionsBuilder().setAllowGrowth(true);
    }
    return b.build();
  }

  /** Whether the loaded TensorFlow natives list a GPU device. Cached. */
  static boolean gpuVisible() {
    Boolean v = gpuVisible;
    if (v == null) {
      v =
          !listDevices().stream()
              .filter(d -> d.toLowerCase(Locale.ROOT).contains("gpu"))
              .toList()
              .isEmpty();
      gpuVisible = v;
    }
    return v;
  }

  static List<String> listDevices() {
    TensorFlowNatives.ensureLoaded();
    List<String> names = new ArrayList<>();
    try (PointerScope scope = new PointerScope()) {
      TF_Status status = TF_Status.newStatus();
      TFE_ContextOptions opts = TFE_ContextOptions.newContextOptions();
      TFE_Context ctx = TFE_Context.newContext(opts, status);
      status.throwExceptionIfNotOK();
      TF_DeviceList list = tensorflow.TFE_ContextListDevices(ctx, status);
      status.throwExceptionIfNotOK();
      int n = tensorflow.TF_DeviceListCount(list);
      for (int i = 0; i < n; i++) {
        names.add(tensorflow.TF_DeviceListType(list, i, status).getString());
      }
      tensorflow.TF_DeleteDeviceList(list);
    } catch (RuntimeException e) {
      LOG.warn("Could not list TensorFlow devices, assuming CPU only: {}", e.toString());
    }
    return names;
  }
}
