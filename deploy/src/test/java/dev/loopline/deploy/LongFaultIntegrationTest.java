package dev.loopline.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopline.deploy.FaultSuite.Fault;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The long fault suite, on demand ({@code mvn -pl deploy verify -Ddeploy.excludedGroups=none
 * -Dgroups=slow}): both scoring instances killed in turn, two brokers killed in turn, both feedback
 * collectors killed in turn while an agent sends corrections, a registry restart and a corrupt
 * artifact announced as the serving version; a scoring kill and a collector kill right after a
 * broker restart (the sequence the first long run failed on). Results in docs/RELIABILITY.md.
 */
@Tag("slow")
class LongFaultIntegrationTest {

  @TempDir Path dir;

  @Test
  void everyFaultLosesAndDuplicatesNothing() throws Exception {
    List<Fault> faults =
        List.of(
            Fault.KILL_SCORING_0,
            Fault.KILL_BROKER_2,
            Fault.KILL_COLLECTOR_0,
            Fault.RESTART_REGISTRY,
            Fault.KILL_SCORING_1,
            Fault.CORRUPT_ARTIFACT,
            Fault.KILL_BROKER_3,
            Fault.KILL_SCORING_0,
            Fault.KILL_COLLECTOR_1);
    FaultSuite.Result r = FaultSuite.run(dir, faults, 2);
    assertThat(r.faults()).containsExactlyElementsOf(faults);
    assertThat(r.corrections()).isGreaterThan(1_000);
    assertThat(r.feedback().lost()).isZero();
    assertThat(r.feedback().duplicated()).isZero();
  }
}
