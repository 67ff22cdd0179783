package dev.loopline.model.store;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Replacing a file so that readers see the old or the new content, never a partial one: write a
 * temporary file in the target's directory, then move it over the target (atomically where the file
 * system can; a plain replacing move otherwise).
 */
public final class AtomicFiles {

  private AtomicFiles() {}

  /** Moves {@code tmp} over {@code target}, atomically where supported. */
  public static void replace(Path tmp, Path target) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
