package dev.loopline.retrain.job;

import org.apache.flink.api.common.functions.ReduceFunction;

/**
 * Keeps one record per event id: the latest label by labeledAt, ties to the later offset (the
 * feedback topic's own rule; it is compacted, but compaction lags, and bootstrap data may repeat an
 * id).
 */
public class LatestLabel implements ReduceFunction<FeedbackRecord> {

  private static final long serialVersionUID = 1L;

  @Override
  public FeedbackRecord reduce(FeedbackRecord a, FeedbackRecord b) {
    return b.supersedes(a) ? b : a;
  }
}
