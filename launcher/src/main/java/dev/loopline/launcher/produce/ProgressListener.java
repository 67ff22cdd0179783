package dev.loopline.launcher.produce;

/** Told about progress as records are read; implementations throttle their own output. */
public interface ProgressListener {

  ProgressListener NONE = (records, bytes) -> {};

  void progress(long records, long bytesRead);

  default void done() {}
}
