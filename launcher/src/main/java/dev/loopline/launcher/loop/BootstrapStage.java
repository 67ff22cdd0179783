package dev.loopline.launcher.loop;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loopline.config.LooplineConfig;
import dev.loopline.launcher.EmbeddedLoop;
import dev.loopline.launcher.sim.GeneratedTicket;
import dev.loopline.launcher.sim.TicketGenerator;
import dev.loopline.retrain.RetrainService;
import dev.loopline.retrain.job.RetrainResult;
import dev.loopline.retrain.registry.ModelHistory;
import dev.loopline.retrain.registry.ModelRegistryReader;
import dev.loopline.topics.Topics;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Version 1 from a labeled seed set: writes the seed set (generated tickets with their true labels,
 * before any drift, another seed than the live traffic) as the retrain job's bootstrap file, and,
 * if no version of the model exists yet, runs one retrain. Later retrains read the same file, so
 * the seed set stays part of the training data. On a second start nothing is retrained.
 */
final class BootstrapStage implements EmbeddedLoop.Stage {

  private static final Logger LOG = LoggerFactory.getLogger(BootstrapStage.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final DemoSettings demo;
  private final RetrainService service;
  private volatile RetrainResult result;

  BootstrapStage(DemoSettings demo, RetrainService service) {
    this.demo = demo;
    this.service = service;
  }

  @Override
  public String name() {
    return "bootstrap (version 1 from the seed set)";
  }

  /** The bootstrap run's result, or null when a version already existed. */
  RetrainResult result() {
    return result;
  }

  @Override
  public EmbeddedLoop.Running start(LooplineConfig config) throws Exception {
    LooplineConfig c = config;
    if (c.get("model.labels") == null) {
      c = c.with("model.labels", String.join(",", TicketGenerator.DEFAULT_LABELS));
    }
    List<String> labels = List.of(c.get("model.labels").split("\\s*,\\s*"));
    Path seedFile = Path.of(c.get("retrain.bootstrap.file"));
    if (!Files.exists(seedFile)) {
      writeSeedSet(seedFile, labels);
    }
    String name = c.get("model.name");
    ModelHistory history = ModelRegistryReader.read(c, Topics.from(c), name);
    String what;
    if (history.currentDeployment().isPresent()) {
      what = name + " v" + history.currentDeployment().get().getVersion() + " serves (resumed)";
      LOG.info("{}: not retraining at start", what);
    } else {
      LOG.info("no version of {} yet: training v1 on the seed set {}", name, seedFile);
      RetrainResult r = service.runOnce(c);
      result = r;
      if (!r.published()) {
        throw new IllegalStateException("bootstrapping v1 failed: " + r.summary());
      }
      what = name + " v" + r.version + " " + r.verdict + " from " + demo.seedExamples() + " seeds";
      LOG.info("bootstrap: {}", r.summary());
    }
    return new EmbeddedLoop.Running(
        List.of(new EmbeddedLoop.Endpoint("Model", "bootstrap", what)), c, () -> {});
  }

  private void writeSeedSet(Path file, List<String> labels) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    TicketGenerator gen =
        new TicketGenerator(TicketGenerator.Settings.withLabels(demo.seed() + 1, labels));
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      for (GeneratedTicket t : gen.take(demo.seedExamples())) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("eventId", "seed-" + t.event().getId());
        line.put("text", t.event().getText());
        line.put("label", t.label());
        line.put("occurredAt", t.event().getOccurredAt().toString());
        line.put("attributes", t.event().getAttributes());
        w.write(JSON.writeValueAsString(line));
        w.newLine();
      }
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    LOG.info("seed set: {} labeled tickets in {}", demo.seedExamples(), file);
  }
}
