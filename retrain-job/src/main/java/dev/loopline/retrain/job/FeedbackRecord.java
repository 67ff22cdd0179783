package dev.loopline.retrain.job;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One labeled example as it travels through the Flink job. A plain Flink POJO (public fields,
 * no-arg constructor) so that no Avro type crosses Flink's serializers (STACK.md): {@code
 * LabeledExample} is decoded at the source and copied here. Attributes are two parallel arrays
 * because Flink serializes arrays natively but a {@code Map} only through Kryo.
 *
 * <p>{@code problem} is non-null for a record that could not be decoded; it is carried to the end
 * of the job so that it is counted and reported rather than dropped silently.
 */
public class FeedbackRecord {
  public String eventId;
  public String text;
  public String[] attributeKeys = new String[0];
  public String[] attributeValues = new String[0];
  public long occurredAt;
  public String label;
  public String source;
  public long labeledAt;

  /** Kafka partition, or -1 for a bootstrap-file record. */
  public int partition;

  /** Kafka offset, or the line number for a bootstrap-file record. */
  public long offset;

  public String problem;

  public FeedbackRecord() {}

  public static FeedbackRecord of(
      String eventId,
      String text,
      Map<String, String> attributes,
      long occurredAt,
      String label,
      String source,
      long labeledAt,
      int partition,
      long offset) {
    FeedbackRecord r = new FeedbackRecord();
    r.eventId = eventId;
    r.text = text;
    r.setAttributes(attributes);
    r.occurredAt = occurredAt;
    r.label = label;
    r.source = source;
    r.labeledAt = labeledAt;
    r.partition = partition;
    r.offset = offset;
    return r;
  }

  /** A record that could not be decoded: only its position and the reason are known. */
  public static FeedbackRecord undecodable(int partition, long offset, String problem) {
    FeedbackRecord r = new FeedbackRecord();
    r.eventId = "undecodable:" + partition + ":" + offset;
    r.partition = partition;
    r.offset = offset;
    r.problem = problem;
    return r;
  }

  public Map<String, String> attributes() {
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < attributeKeys.length; i++) {
      out.put(attributeKeys[i], attributeValues[i]);
    }
    return out;
  }

  public void setAttributes(Map<String, String> attributes) {
    int n = attributes == null ? 0 : attributes.size();
    attributeKeys = new String[n];
    attributeValues = new String[n];
    if (attributes != null) {
      int i = 0;
      for (Map.Entry<String, String> e : attributes.entrySet()) {
        attributeKeys[i] = e.getKey();
        attributeValues[i] = e.getValue();
        i++;
      }
    }
  }

  /**
   * Whether this record supersedes {@code other} for the same event id: the later label wins
   * (labeledAt), ties go to the later offset, and a Kafka record beats a bootstrap line.
   */
  public boolean supersedes(FeedbackRecord other) {
    if (labeledAt != other.labeledAt) {
      return labeledAt > other.labeledAt;
    }
    if (partition != other.partition) {
      return partition > other.partition;
    }
    return offset >= other.offset;
  }

  @Override
  public String toString() {
    return "FeedbackRecord{"
        + eventId
        + " "
        + label
        + "/"
        + source
        + " @"
        + partition
        + ":"
        + offset
        + (problem == null ? "" : " problem=" + problem)
        + "}";
  }
}
