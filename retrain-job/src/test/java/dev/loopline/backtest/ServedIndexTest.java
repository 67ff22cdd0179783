package dev.loopline.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The local served join's index follows the keyed join's rule (the latest scoredAt wins, ties to
 * the later record read) and keeps the whole prediction only for ids with a usable label.
 */
class ServedIndexTest {

  private static BacktestRecord served(String id, int version, long scoredAt, String decision) {
    BacktestRecord r = new BacktestRecord();
    r.kind = BacktestRecord.SERVED;
    r.eventId = id;
    r.time = scoredAt;
    r.servedVersion = version;
    r.servedDecision = decision;
    r.servedTopLabel = "A";
    r.servedLabels = new String[] {"A", "B"};
    r.servedProbs = new float[] {0.8f, 0.2f};
    return r;
  }

  @Test
  void labelledIdsKeepTheWholeLatestPrediction() {
    ServedIndex index = new ServedIndex();
    index.add(served("e1", 1, 100, "AUTO_ROUTE"), true);
    index.add(served("e1", 2, 300, "TRIAGE"), true);
    index.add(served("e1", 3, 200, "AUTO_ROUTE"), true); // older: ignored
    BacktestRecord s = index.full("e1");
    assertThat(s.servedVersion).isEqualTo(2);
    assertThat(s.servedDecision).isEqualTo("TRIAGE");
    assertThat(s.servedProbs).containsExactly(0.8f, 0.2f);
    index.add(served("e1", 4, 300, "AUTO_ROUTE"), true); // a tie: the later record read wins
    assertThat(index.full("e1").servedVersion).isEqualTo(4);
    assertThat(index.full("nobody")).isNull();
    assertThat(index.version("e1")).as("kept by id, not in the version table").isEqualTo(-1);
  }

  @Test
  void otherIdsKeepTheLatestVersionOnly() {
    ServedIndex index = new ServedIndex();
    index.add(served("u1", 1, 100, "TRIAGE"), false);
    index.add(served("u1", 2, 50, "TRIAGE"), false); // older: ignored
    index.add(served("u2", 3, 10, "TRIAGE"), false);
    index.add(served("u2", 5, 10, "TRIAGE"), false); // a tie: the later record read wins
    assertThat(index.version("u1")).isEqualTo(1);
    assertThat(index.version("u2")).isEqualTo(5);
    assertThat(index.version("u3")).isEqualTo(-1);
    assertThat(index.full("u1")).isNull();
    assertThat(index.size()).isEqualTo(2);
  }

  @Test
  void theTableGrowsAndKeepsEveryId() {
    ServedIndex index = new ServedIndex();
    int n = 50_000; // well past the initial 4,096 slots
    for (int i = 0; i < n; i++) {
      index.add(served("id-" + i, 1 + i % 7, i, "TRIAGE"), false);
    }
    for (int i = 0; i < n; i += 997) {
      assertThat(index.version("id-" + i)).isEqualTo(1 + i % 7);
    }
    assertThat(index.size()).isEqualTo(n);
    assertThat(index.version("id-" + n)).isEqualTo(-1);
  }

  @Test
  void partsReadSeparatelyMergeByTheSameRule() {
    ServedIndex a = new ServedIndex();
    ServedIndex b = new ServedIndex();
    a.add(served("u1", 1, 100, "TRIAGE"), false);
    b.add(served("u1", 2, 200, "TRIAGE"), false); // later: wins in the merge
    a.add(served("u2", 3, 300, "TRIAGE"), false);
    b.add(served("u2", 4, 100, "TRIAGE"), false); // older: loses
    b.add(served("u3", 5, 1, "TRIAGE"), false);
    a.add(served("e1", 1, 100, "AUTO_ROUTE"), true);
    b.add(served("e1", 2, 150, "TRIAGE"), true);
    a.addAll(b);
    assertThat(a.version("u1")).isEqualTo(2);
    assertThat(a.version("u2")).isEqualTo(3);
    assertThat(a.version("u3")).isEqualTo(5);
    assertThat(a.full("e1").servedDecision).isEqualTo("TRIAGE");
    assertThat(a.size()).isEqualTo(4);
  }
}
