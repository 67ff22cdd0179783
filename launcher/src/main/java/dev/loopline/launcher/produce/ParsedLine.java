package dev.loopline.launcher.produce;

import dev.loopline.avro.Event;

/** What one input record became: a valid event, or a rejection with its line number and reason. */
public sealed interface ParsedLine permits ParsedLine.Valid, ParsedLine.Rejected {

  /** 1-based number of the (first) line of the record. */
  long line();

  /** A record that passed validation, ready to produce. */
  record Valid(long line, Event event) implements ParsedLine {}

  /** A record that is not produced, and why. */
  record Rejected(long line, String reason) implements ParsedLine {}
}
