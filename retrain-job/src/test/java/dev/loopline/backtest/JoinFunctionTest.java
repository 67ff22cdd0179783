package dev.loopline.backtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loopline.retrain.job.FeedbackRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.junit.jupiter.api.Test;

/**
 * The join on its own: ids sharing a key hash stay apart, rows of unlabelled or forgotten events
 * carry only what the report counts, interleaved keys (not BATCH) are refused, and every record
 * type crossing Flink's serializers is a POJO (no Kryo fallback).
 */
class JoinFunctionTest {

  private static final List<String> AB = List.of("A", "B");

  private final BacktestPlan plan =
      new BacktestPlan(
          List.of(new VersionSpec("m", 1, "file:///x", "sha", AB, "fp", List.of())),
          "m",
          "file:///store",
          "/tmp",
          null,
          Set.of("gone"),
          256,
          Map.of(),
          false,
          "2026-01-01T00:00:00Z",
          "2026-01-02T00:00:00Z");

  private final List<BacktestRow> out = new ArrayList<>();
  private final Collector<BacktestRow> collector =
      new Collector<>() {
        @Override
        public void collect(BacktestRow row) {
          out.add(row);
        }

        @Override
        public void close() {}
      };

  private static BacktestRecord event(String id, float p) {
    BacktestRecord r = new BacktestRecord();
    r.kind = BacktestRecord.EVENT;
    r.eventId = id;
    r.time = 1000;
    r.slice = "email";
    r.probs = new float[] {p, 1 - p};
    return r;
  }

  private static BacktestRecord label(String id, String label, long labelledAt, long offset) {
    BacktestRecord r = new BacktestRecord();
    r.kind = BacktestRecord.LABEL;
    r.eventId = id;
    r.time = labelledAt;
    r.label = label;
    r.labelSource = "TRIAGE";
    r.offset = offset;
    return r;
  }

  private JoinFunction open() {
    JoinFunction join = new JoinFunction(plan);
    join.open(null);
    return join;
  }

  private static JoinFunction.Context context(JoinFunction join, long key) {
    TimerService timers =
        new TimerService() {
          @Override
          public long currentProcessingTime() {
            return 0;
          }

          @Override
          public long currentWatermark() {
            return Long.MIN_VALUE;
          }

          @Override
          public void registerProcessingTimeTimer(long time) {}

          @Override
          public void registerEventTimeTimer(long time) {}

          @Override
          public void deleteProcessingTimeTimer(long time) {}

          @Override
          public void deleteEventTimeTimer(long time) {}
        };
    return join.new Context() {
      @Override
      public Long timestamp() {
        return null;
      }

      @Override
      public TimerService timerService() {
        return timers;
      }

      @Override
      public <X> void output(OutputTag<X> outputTag, X value) {}

      @Override
      public Long getCurrentKey() {
        return key;
      }
    };
  }

  private static JoinFunction.OnTimerContext timerContext(JoinFunction join, long key) {
    return join.new OnTimerContext() {
      @Override
      public Long timestamp() {
        return Long.MAX_VALUE;
      }

      @Override
      public TimerService timerService() {
        return null;
      }

      @Override
      public <X> void output(OutputTag<X> outputTag, X value) {}

      @Override
      public TimeDomain timeDomain() {
        return TimeDomain.EVENT_TIME;
      }

      @Override
      public Long getCurrentKey() {
        return key;
      }
    };
  }

  @Test
  void idsSharingAKeyStayApartAndTheLatestLabelWins() throws Exception {
    JoinFunction join = open();
    JoinFunction.Context ctx = context(join, 7L); // pretend "e1" and "e2" hash alike
    join.processElement(label("e1", "B", 50, 1), ctx, collector);
    join.processElement(event("e2", 0.3f), ctx, collector);
    join.processElement(event("e1", 0.9f), ctx, collector);
    join.processElement(label("e1", "A", 60, 0), ctx, collector);
    join.processElement(label("e2", "B", 10, 2), ctx, collector);
    join.processElement(label("e3", "A", 10, 3), ctx, collector); // no event: no row
    join.onTimer(Long.MAX_VALUE, timerContext(join, 7L), collector);

    assertThat(out).hasSize(2);
    BacktestRow e1 = out.stream().filter(r -> "e1".equals(r.eventId)).findFirst().orElseThrow();
    BacktestRow e2 = out.stream().filter(r -> "e2".equals(r.eventId)).findFirst().orElseThrow();
    assertThat(e1.label).isEqualTo("A");
    assertThat(e1.probs).containsExactly(0.9f, 1 - 0.9f);
    assertThat(e2.label).isEqualTo("B");
    assertThat(e2.probs).containsExactly(0.3f, 1 - 0.3f);
    assertThat(e2.slice).isEqualTo("email");

    out.clear();
    JoinFunction.Context next = context(join, 8L);
    join.processElement(event("e4", 0.5f), next, collector);
    join.onTimer(Long.MAX_VALUE, timerContext(join, 8L), collector);
    assertThat(out).hasSize(1);
    assertThat(out.get(0).label).isNull();
    assertThat(out.get(0).eventId).as("unlabelled rows are counted only").isNull();
    assertThat(out.get(0).probs).isNull();
    assertThat(out.get(0).servedVersion).isEqualTo(-1);
  }

  @Test
  void forgottenEventsAreCountedWithoutTheirLabel() throws Exception {
    JoinFunction join = open();
    JoinFunction.Context ctx = context(join, 1L);
    join.processElement(event("gone", 0.9f), ctx, collector);
    join.processElement(label("gone", "A", 60, 0), ctx, collector);
    join.onTimer(Long.MAX_VALUE, timerContext(join, 1L), collector);
    assertThat(out).singleElement().satisfies(r -> assertThat(r.forgotten).isTrue());
    assertThat(out.get(0).label).isNull();
  }

  @Test
  void interleavedKeysAreRefused() throws Exception {
    JoinFunction join = open();
    join.processElement(event("e1", 0.9f), context(join, 1L), collector);
    assertThatThrownBy(() -> join.processElement(event("e2", 0.9f), context(join, 2L), collector))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("BATCH");
  }

  @Test
  void keysSpreadAndAreStable() {
    assertThat(JoinFunction.key("e1")).isEqualTo(JoinFunction.key("e1"));
    Set<Long> keys = new java.util.HashSet<>();
    for (int i = 0; i < 100_000; i++) {
      keys.add(JoinFunction.key("00000000-0000-4000-8000-" + String.format("%012d", i)));
    }
    assertThat(keys).hasSize(100_000);
  }

  @Test
  void recordsCrossingFlinkArePojosWithoutGenericFields() {
    for (Class<?> c : List.of(BacktestRecord.class, BacktestRow.class, FeedbackRecord.class)) {
      TypeInformation<?> t = TypeInformation.of(c);
      assertThat(t).as(c.getSimpleName()).isInstanceOf(PojoTypeInfo.class);
      PojoTypeInfo<?> p = (PojoTypeInfo<?>) t;
      for (int i = 0; i < p.getArity(); i++) {
        assertThat(p.getTypeAt(i))
            .as(c.getSimpleName() + "." + p.getPojoFieldAt(i).getField().getName())
            .isNotInstanceOf(GenericTypeInfo.class);
      }
    }
  }
}
