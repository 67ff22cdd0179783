package dev.loopline.model.store;

import java.io.IOException;
import java.net.URI;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.regex.Pattern;

/**
 * The default store: a directory tree {@code <base>/<name>/<name>-<version>.zip}. Writes go to a
 * temporary file in the target directory and are moved into place atomically, so a concurrent
 * reader sees the whole zip or nothing; an existing version is never overwritten.
 */
public final class FileModelStore implements ModelStore {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  private final Path base;

  public FileModelStore(Path base) {
    this.base = base.toAbsolutePath().normalize();
  }

  /** The root directory. */
  public Path base() {
    return base;
  }

  @Override
  public URI put(String name, int version, Path zip) throws IOException {
    if (name == null || !NAME.matcher(name).matches() || name.contains("..")) {
      throw new IllegalArgumentException(
          "invalid model name '" + name + "': use letters, digits, '.', '_' or '-'");
    }
    if (version < 0) {
      throw new IllegalArgumentException("invalid model version " + version);
    }
    Path dir = base.resolve(name);
    Files.createDirectories(dir);
    Path target = dir.resolve(name + "-" + version + ".zip");
    if (Files.exists(target)) {
      return sameOrFail(zip, target);
    }
    Path tmp = Files.createTempFile(dir, ".put-", ".tmp");
    try {
      Files.copy(zip, tmp, StandardCopyOption.REPLACE_EXISTING);
      try {
        // No REPLACE_EXISTING: a concurrent writer of the same version loses, never overwrites.
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target);
      } catch (FileAlreadyExistsException e) {
        return sameOrFail(zip, target);
      }
      if (Files.exists(target) && !Files.isRegularFile(target)) {
        throw new IOException("not a regular file: " + target);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    return target.toUri();
  }

  private static URI sameOrFail(Path zip, Path target) throws IOException {
    if (Sha256.of(zip).equals(Sha256.of(target))) {
      return target.toUri();
    }
    throw new IOException("model version already stored with different content: " + target);
  }

  @Override
  public Path fetch(URI uri, Path localDir) throws IOException {
    if (uri.getScheme() == null || !uri.getScheme().equalsIgnoreCase("file")) {
      throw new IllegalArgumentException("FileModelStore cannot fetch " + uri);
    }
    Path source = Path.of(uri);
    if (!Files.isRegularFile(source)) {
      throw new IOException("no artifact at " + uri);
    }
    Files.createDirectories(localDir);
    Path target = localDir.resolve(source.getFileName().toString());
    Path tmp = Files.createTempFile(localDir, ".fetch-", ".tmp");
    try {
      Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
      AtomicFiles.replace(tmp, target);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return target;
  }
}
