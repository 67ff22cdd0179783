package dev.loopline.launcher.produce;

import java.io.IOException;

/** A reader of input records (JSONL or CSV) that validates each one as it goes. */
public interface EventSource {

  /** The next record, or null at the end of the input. */
  ParsedLine next() throws IOException;

  /** Input bytes consumed so far (for progress reporting). */
  long bytesRead();
}
