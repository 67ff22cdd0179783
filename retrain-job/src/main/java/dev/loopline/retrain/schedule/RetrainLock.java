package dev.loopline.retrain.schedule;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * "Never two runs at once" for one model name: an OS file lock ({@code retrain-<name>.lock} in
 * {@code retrain.lock.dir}) held for the whole run, released by the OS if the process dies. Every
 * process that may retrain (the CLI, the embedded scheduler, cron) must see the same directory; on
 * a cluster with several submitters, point it at a shared file system. As a second line of defence
 * the training task re-reads {@code model-versions} right before publishing and refuses to reuse a
 * version number.
 */
public final class RetrainLock implements AutoCloseable {

  private final FileChannel channel;
  private final FileLock lock;
  private final Path path;

  private RetrainLock(FileChannel channel, FileLock lock, Path path) {
    this.channel = channel;
    this.lock = lock;
    this.path = path;
  }

  /** The lock, or empty when another run (in this or another process) holds it. */
  public static Optional<RetrainLock> tryAcquire(Path dir, String modelName) throws IOException {
    Files.createDirectories(dir);
    Path path = dir.resolve("retrain-" + modelName.replaceAll("[^A-Za-z0-9._-]", "_") + ".lock");
    FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    try {
      FileLock l = ch.tryLock();
      if (l == null) {
        ch.close();
        return Optional.empty();
      }
      return Optional.of(new RetrainLock(ch, l, path));
    } catch (OverlappingFileLockException e) {
      ch.close();
      return Optional.empty();
    }
  }

  public Path path() {
    return path;
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }
}
