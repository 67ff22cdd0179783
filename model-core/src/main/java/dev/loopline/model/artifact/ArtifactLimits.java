package dev.loopline.model.artifact;

/**
 * Bounds on what unpacking may write, so a corrupt or hostile zip cannot fill the disk (a zip bomb
 * declares small sizes and inflates to huge ones; the limits are enforced on the bytes actually
 * written).
 */
public record ArtifactLimits(long maxEntryBytes, long maxTotalBytes, int maxEntries) {

  /** 1 GiB per entry, 2 GiB in all, 10,000 entries. */
  public static ArtifactLimits defaults() {
    return new ArtifactLimits(1L << 30, 2L << 30, 10_000);
  }
}
