package dev.loopline.launcher.loop;

import dev.loopline.config.LooplineConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the loop keeps its own state next to the broker's: model store, Streams state, locks and
 * the seed set, all under {@code <data dir>/loop}, so a second start on the same data directory
 * resumes everything and {@code --fresh} clears everything. Settings the user gave win.
 */
public final class LoopWorkspace {

  private LoopWorkspace() {}

  /**
   * @param dir the loop's directory
   * @param anyPorts HTTP endpoints on any free port (tests, {@code --kafka-port 0}) instead of the
   *     console on 8083 and the scoring app on 8084
   */
  public static LooplineConfig configure(LooplineConfig config, Path dir, boolean anyPorts) {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("scoring.state.dir", dir.resolve("streams-state").toString());
    d.put("scoring.work.dir", dir.resolve("serving").toString());
    d.put("collector.state.dir", dir.resolve("collector-state").toString());
    d.put("retrain.lock.dir", dir.resolve("locks").toString());
    d.put("retrain.work.dir", dir.resolve("retrain-work").toString());
    d.put("scoring.http.port", anyPorts ? "0" : "8084");
    d.put("collector.http.port", anyPorts ? "0" : "8083");
    d.put("retrain.bootstrap.file", dir.resolve("seed-set.jsonl").toString());
    // The demo's data sets are small (thousands of examples): with the defaults (5 epochs of
    // batches of 512) the model takes a few dozen steps, stays near uniform and sends everything
    // to triage. More, smaller steps give it the confidence to auto-route.
    d.put("retrain.trainer.epochs", "20");
    d.put("retrain.trainer.batch.size", "64");
    Map<String, String> out = new LinkedHashMap<>();
    d.forEach(
        (k, v) -> {
          if (config.get(k) == null) {
            out.put(k, v);
          }
        });
    // The built-in default store is shared by every data dir; the loop's versions live with it.
    String store = config.get("model.store.uri");
    if (store == null || store.equals(LooplineConfig.DEFAULTS.get("model.store.uri"))) {
      out.put("model.store.uri", "file:" + dir.resolve("models").toAbsolutePath());
    }
    return config.with(out);
  }
}
