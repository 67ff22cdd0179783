package dev.loopline.inference.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopline.avro.ActorType;
import dev.loopline.avro.Deployment;
import dev.loopline.avro.DeploymentAction;
import dev.loopline.inference.TestModels;
import dev.loopline.inference.TestTickets;
import dev.loopline.inference.ops.ScoringMetrics;
import dev.loopline.model.policy.DecisionPolicy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Native memory across hot swaps: 50 swaps between two real TensorFlow versions, each followed by
 * scoring, must not grow the process's resident set beyond a stated bound (every closed version
 * frees its native graph and session, and its unpacked directory is deleted).
 */
@Tag("integration")
class SwapRssIntegrationTest {

  private static final Logger LOG = LoggerFactory.getLogger(SwapRssIntegrationTest.class);
  static final int SWAPS = 50;

  /** Growth allowed between the 10th and the 50th swap. */
  static final long BOUND_BYTES = 96L << 20;

  @TempDir Path work;

  @Test
  void residentMemoryStaysBoundedAcross50Swaps() throws IOException {
    TestModels.StoredModel v1 = TestModels.shared(1, false);
    TestModels.StoredModel v2 = TestModels.shared(2, true);
    Models models = new Models();
    ScoringMetrics metrics = new ScoringMetrics(new SimpleMeterRegistry());
    HotSwapper swapper =
        new HotSwapper(
            models,
            new StoreModelSource(work, DecisionPolicy.defaults(), Clock.systemUTC()),
            metrics,
            0.1,
            m -> {});
    List<String> texts = new ArrayList<>();
    List<Map<String, String>> attrs = new ArrayList<>();
    for (int i = 0; i < 256; i++) {
      texts.add(TestTickets.text(i % 3, 3, i));
      attrs.add(Map.of());
    }
    long rssAt10 = 0;
    for (int i = 1; i <= SWAPS; i++) {
      TestModels.StoredModel m = i % 2 == 1 ? v1 : v2;
      assertThat(swapper.apply(deployment(m))).isTrue();
      ServingModel serving = models.serving().acquire();
      try {
        for (int b = 0; b < 4; b++) {
          assertThat(serving.featurizeAndPredict(texts, attrs)).hasNumberOfRows(256);
        }
      } finally {
        serving.release();
      }
      if (i == 10) {
        System.gc();
        rssAt10 = rss();
      }
    }
    System.gc();
    long rssAt50 = rss();
    LOG.info(
        "RSS after swap 10: {} MiB, after swap {}: {} MiB (bound: +{} MiB)",
        rssAt10 >> 20,
        SWAPS,
        rssAt50 >> 20,
        BOUND_BYTES >> 20);
    assertThat(metrics.swapCount()).isEqualTo((double) SWAPS);
    assertThat(rssAt50 - rssAt10).isLessThan(BOUND_BYTES);
    // Only the serving version's directory is left.
    try (var dirs = Files.list(work)) {
      assertThat(dirs.count()).isEqualTo(1);
    }
    models.close();
  }

  private static Deployment deployment(TestModels.StoredModel m) {
    return Deployment.newBuilder()
        .setModelName("tickets")
        .setVersion(m.version())
        .setArtifactUri(m.uri().toString())
        .setSha256(m.sha256())
        .setDeployedAt(Instant.parse("2026-03-01T10:00:00Z"))
        .setAction(DeploymentAction.PROMOTE)
        .setActorType(ActorType.CLI)
        .setActor("test")
        .setReason("swap " + m.version())
        .build();
  }

  /** VmRSS of this process, from /proc (Linux, where CI runs). */
  static long rss() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }
}
