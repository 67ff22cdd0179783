package dev.loopline.feedback.topology;

import org.apache.avro.specific.SpecificRecord;

/** A record for one of the collector's outputs; a null value on FEEDBACK is a tombstone. */
record Output(Kind kind, SpecificRecord value) {
  enum Kind {
    FEEDBACK,
    UNMATCHED
  }
}
