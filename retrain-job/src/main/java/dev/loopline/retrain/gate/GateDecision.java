package dev.loopline.retrain.gate;

/**
 * The gate's verdict and the reason, both recorded on {@code model-versions} (and the reason on the
 * {@code Deployment} when promoted).
 */
public record GateDecision(Verdict verdict, String reason) {

  /** Mirrors the Avro {@code Verdict} minus UNKNOWN, so the gate needs no Avro type. */
  public enum Verdict {
    PROMOTED,
    CANDIDATE,
    REJECTED
  }

  public boolean promoted() {
    return verdict == Verdict.PROMOTED;
  }
}
