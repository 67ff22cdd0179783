package dev.loopline.feedback.topology;

import org.apache.avro.specific.SpecificRecord;

/** One record from any of the collector's inputs, tagged with where it came from. */
record Input(Kind kind, SpecificRecord value) {
  enum Kind {
    EVENT,
    PREDICTION,
    CORRECTION,
    TRIAGE,
    FORGOTTEN
  }
}
