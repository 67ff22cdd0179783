package dev.loopline.model.tf;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes TensorFlow Java (training) and DJL's TensorFlow engine (serving) load ONE copy of the
 * TensorFlow 2.16.1 native libraries, taken from the {@code tensorflow-core-native} Maven artifact
 * on the classpath, with nothing downloaded at run time.
 *
 * <p>Why: DJL 0.36 would otherwise try to download its own natives (not on Maven Central), and
 * JavaCPP would unpack a second ~600 MB copy into {@code ~/.javacpp}. DJL's {@code LibUtils} reads
 * {@code TENSORFLOW_LIBRARY_PATH} with {@code Utils.getEnvOrSystemProperty} (environment first,
 * then system property), so a system property set here is enough; it then points JavaCPP's {@code
 * platform.preloadpath} at that directory. We set the same JavaCPP properties ourselves before the
 * first TensorFlow class loads, so TF Java finds the libraries in the same place.
 *
 * <p>The libraries are extracted once per machine into the directory named by the system property
 * {@value #DIR_PROPERTY} (default {@code ~/.cache/loopline/natives/tf-1.0.0-rc.1}): into a
 * temporary sibling directory first, then renamed, so concurrent JVMs never see a half-written
 * library.
 */
public final class TensorFlowNatives {

  /** System property naming the directory the natives are extracted into. */
  public static final String DIR_PROPERTY = "loopline.natives.dir";

  /** The TensorFlow Java native artifact version these libraries come from. */
  public static final String TF_JAVA_VERSION = "1.0.0-rc.1";

  static final List<String> LIBRARIES =
      List.of("libjnitensorflow.so", "libtensorflow_cc.so.2", "libtensorflow_framework.so.2");

  private static final String RESOURCE_DIR = "org/tensorflow/internal/c_api/linux-x86_64/";
  private static final Logger LOG = LoggerFactory.getLogger(TensorFlowNatives.class);
  private static volatile Path loadedFrom;

  private TensorFlowNatives() {}

  /**
   * Extracts the natives if needed, configures DJL and JavaCPP, and loads the libraries. Idempotent
   * and thread-safe; cheap after the first call.
   *
   * @throws IllegalStateException if the natives jar is not on the classpath or loading fails (also
   *     for a native {@code LinkageError})
   */
  public static void ensureLoaded() {
    if (loadedFrom != null) {
      return;
    }
    synchronized (TensorFlowNatives.class) {
      if (loadedFrom != null) {
        return;
      }
      Path dir = directory();
      extractIfMissing(dir);
      configure(dir);
      String version;
      try {
        version = org.tensorflow.TensorFlow.version();
      } catch (LinkageError e) {
        // UnsatisfiedLinkError, or NoClassDefFoundError after a failed first attempt: make it an
        // ordinary exception so callers (model loading, training) can reject and clean up
        throw new IllegalStateException(
            "TensorFlow natives in " + dir + " failed to load: " + e, e);
      }
      loadedFrom = dir;
      LOG.info("TensorFlow {} natives loaded from {}", version, dir);
    }
  }

  /** The directory the natives are (or will be) extracted into. */
  public static Path directory() {
    String configured = System.getProperty(DIR_PROPERTY);
    if (configured != null && !configured.isBlank()) {
      return Paths.get(configured).toAbsolutePath();
    }
    return Paths.get(
            System.getProperty("user.home"),
            ".cache",
            "loopline",
            "natives",
            "tf-" + TF_JAVA_VERSION)
        .toAbsolutePath();
  }

  /** Sets the DJL and JavaCPP properties; leaves settings a user made explicitly alone. */
  static void configure(Path dir) {
    String path = dir.toString();
    System.setProperty("TENSORFLOW_LIBRARY_PATH", path);
    System.setProperty("ai.djl.offline", "true");
    setIfAbsent("OPT_OUT_TRACKING", "true");
    System.setProperty("org.bytedeco.javacpp.pathsFirst", "true");
    setIfAbsent("org.bytedeco.javacpp.cachedir", dir.resolve("javacpp-cache").toString());
    System.setProperty("org.bytedeco.javacpp.platform.preloadpath", path);
    String linkPath = System.getProperty("org.bytedeco.javacpp.platform.linkpath");
    if (linkPath == null || !linkPath.contains(path)) {
      System.setProperty(
          "org.bytedeco.javacpp.platform.linkpath",
          linkPath == null || linkPath.isBlank()
              ? path
              : path + java.io.File.pathSeparator + linkPath);
    }
    // JavaCPP caches its properties; make it re-read them in case it was touched before us.
    org.bytedeco.javacpp.Loader.loadProperties(true);
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }

  static boolean complete(Path dir) {
    return LIBRARIES.stream().allMatch(lib -> Files.isRegularFile(dir.resolve(lib)));
  }

  static void extractIfMissing(Path dir) {
    if (complete(dir)) {
      return;
    }
    if (nonEmptyDirectory(dir)) {
      // the rename below is atomic, so this was not left by another JVM of ours
      throw new IllegalStateException(
          dir
              + " exists but lacks the TensorFlow libraries "
              + LIBRARIES
              + "; delete it and retry");
    }
    ClassLoader cl = TensorFlowNatives.class.getClassLoader();
    if (cl.getResource(RESOURCE_DIR + LIBRARIES.get(0)) == null) {
      throw new IllegalStateException(
          "TensorFlow natives not on the classpath: add org.tensorflow:tensorflow-core-native:"
              + TF_JAVA_VERSION
              + ":linux-x86_64 (or the linux-x86_64-gpu classifier)");
    }
    Path tmp = null;
    try {
      Files.createDirectories(dir.getParent());
      tmp = Files.createTempDirectory(dir.getParent(), dir.getFileName() + ".tmp-");
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
      } catch (UnsupportedOperationException ignored) {
        // not a POSIX file system: keep the default
      }
      for (String lib : LIBRARIES) {
        try (InputStream in = cl.getResourceAsStream(RESOURCE_DIR + lib)) {
          if (in == null) {
            throw new IllegalStateException(
                "missing " + RESOURCE_DIR + lib + " in the natives jar");
          }
          Files.copy(in, tmp.resolve(lib));
        }
      }
      LOG.info("Extracting TensorFlow natives to {}", dir);
      try {
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        tmp = null;
      } catch (FileAlreadyExistsException | DirectoryNotEmptyException raced) {
        // another JVM finished first, or an incomplete directory is in the way
        if (!complete(dir)) {
          throw new IllegalStateException(
              dir + " exists but lacks the TensorFlow libraries; delete it and retry", raced);
        }
      } catch (AtomicMoveNotSupportedException e) {
        throw new IllegalStateException("cannot rename into " + dir, e);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("extracting TensorFlow natives to " + dir, e);
    } finally {
      if (tmp != null) {
        deleteQuietly(tmp);
      }
    }
  }

  private static boolean nonEmptyDirectory(Path dir) {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isPresent();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteQuietly(Path root) {
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort
    }
  }
}
