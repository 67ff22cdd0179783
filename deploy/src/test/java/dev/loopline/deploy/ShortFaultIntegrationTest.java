package dev.loopline.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopline.deploy.FaultSuite.Fault;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short fault suite (CI): one kill -9 of a scoring instance (the other takes over its
 * partitions, then it is restarted) and one kill -9 of a broker (then restarted), on the local
 * multi-process cluster; exactly one prediction and one route per event, read_committed.
 */
@Tag("integration")
class ShortFaultIntegrationTest {

  @TempDir Path dir;

  @Test
  void scoringKillAndBrokerKillLoseAndDuplicateNothing() throws Exception {
    FaultSuite.Result r = FaultSuite.run(dir, List.of(Fault.KILL_SCORING_0, Fault.KILL_BROKER_2));
    assertThat(r.faults()).hasSize(2);
    assertThat(r.events()).isGreaterThan(1_500);
  }
}
