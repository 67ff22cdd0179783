package dev.loopline.topics;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.utils.Exit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * For a JVM that runs a Kafka broker in-process (the embedded broker, the registry's test broker):
 * Kafka's own {@code Exit.halt/exit} must not decide how that JVM ends once it is already shutting
 * down. At exit, shutdown hooks run concurrently: Kafka's test kit deletes its temporary log
 * directories in one while the broker stops in another, the broker then sees every log directory
 * fail and calls {@code Exit.halt(1)}, which turns a clean exit (a test JVM whose tests all passed:
 * Surefire's "Error occurred in starting fork") into exit code 1; {@code Exit.exit} during shutdown
 * would block forever. While the JVM runs, both behave exactly as Kafka's defaults (halt /
 * System.exit).
 */
public final class ShutdownSafeExit {

  private static final Logger LOG = LoggerFactory.getLogger(ShutdownSafeExit.class);
  private static final AtomicBoolean INSTALLED = new AtomicBoolean();

  private ShutdownSafeExit() {}

  /** Installs the procedures once per JVM; later calls do nothing. */
  public static void install() {
    if (!INSTALLED.compareAndSet(false, true)) {
      return;
    }
    Exit.setHaltProcedure(
        (code, message) -> {
          if (jvmShuttingDown()) {
            LOG.warn("ignoring Kafka's halt({}) during JVM shutdown: {}", code, message);
            return;
          }
          Runtime.getRuntime().halt(code);
        });
    Exit.setExitProcedure(
        (code, message) -> {
          if (jvmShuttingDown()) {
            LOG.warn("ignoring Kafka's exit({}) during JVM shutdown: {}", code, message);
            return;
          }
          System.exit(code);
        });
  }

  /** True once the JVM has begun its shutdown (hooks can no longer be added). */
  public static boolean jvmShuttingDown() {
    Thread probe = new Thread(() -> {});
    try {
      Runtime.getRuntime().addShutdownHook(probe);
      Runtime.getRuntime().removeShutdownHook(probe);
      return false;
    } catch (IllegalStateException e) {
      return true;
    }
  }
}
