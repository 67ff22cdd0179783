package dev.loopline.retrain.job;

/**
 * A deduplicated, validated and featurized example, ready for the training step. A Flink POJO; the
 * sparse features are two primitive arrays. {@code problem} non-null means the example is excluded
 * and only counted (empty text, undecodable record).
 */
public class Example {
  public String eventId;

  /** Holdout examples only: the artifact's canaries are raw inputs. */
  public String text;

  public String[] attributeKeys = new String[0];
  public String[] attributeValues = new String[0];
  public String label;
  public String source;
  public long occurredAt;
  public long labeledAt;
  public int partition;
  public long offset;
  public boolean holdout;
  public int[] indices = new int[0];
  public float[] values = new float[0];
  public String problem;

  public Example() {}

  public java.util.Map<String, String> attributes() {
    java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
    for (int i = 0; i < attributeKeys.length; i++) {
      out.put(attributeKeys[i], attributeValues[i]);
    }
    return out;
  }
}
