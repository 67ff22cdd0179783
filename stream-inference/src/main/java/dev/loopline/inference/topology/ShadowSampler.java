package dev.loopline.inference.topology;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Which events the shadow version scores: a stable hash of the event id, so a reprocessed event is
 * sampled the same way and every instance agrees without coordination.
 */
final class ShadowSampler {

  private ShadowSampler() {}

  static boolean sampled(String eventId, double rate) {
    if (rate >= 1) {
      return true;
    }
    if (rate <= 0) {
      return false;
    }
    CRC32 crc = new CRC32();
    crc.update(eventId.getBytes(StandardCharsets.UTF_8));
    crc.update(0x5A);
    return (crc.getValue() & 0xFFFFFF) < rate * 0x1000000;
  }
}
