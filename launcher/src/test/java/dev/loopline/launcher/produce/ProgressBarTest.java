package dev.loopline.launcher.produce;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

  @Test
  void drawsAtMostOncePerIntervalWithPercentage() {
    StringWriter sink = new StringWriter();
    AtomicLong now = new AtomicLong(0);
    ProgressBar bar = new ProgressBar(new PrintWriter(sink), 1000, 200, now::get);
    bar.progress(10, 100); // too early: nothing drawn
    assertThat(sink.toString()).isEmpty();
    now.set(250_000_000L);
    bar.progress(500, 500);
    bar.progress(510, 510); // throttled
    assertThat(sink.toString()).startsWith("\r[###############...............]  50%  500 records");
    assertThat(sink.toString().chars().filter(c -> c == '\r').count()).isEqualTo(1);
    bar.done();
    assertThat(sink.toString()).endsWith("\r");
  }

  @Test
  void unknownSizeShowsCountsOnly() {
    ProgressBar bar = new ProgressBar(new PrintWriter(new StringWriter()), -1, 200, () -> 0);
    assertThat(bar.render(2_000, 3 * 1048576L, 2_000_000_000L))
        .isEqualTo("2,000 records  3.0 MiB  1,000 rec/s");
  }
}
