package dev.loopline.topics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.utils.Exit;
import org.junit.jupiter.api.Test;

/**
 * In a child JVM: a shutdown hook that calls Kafka's {@code Exit.halt(1)}, as a broker closing
 * while its log directories are deleted does, turns a clean exit into exit code 1 unless {@link
 * ShutdownSafeExit} is installed.
 */
class ShutdownSafeExitTest {

  /** The child: {@code install} or not, then a hook that halts the way Kafka does, then exit 0. */
  public static final class Child {
    public static void main(String[] args) {
      if (args.length > 0 && args[0].equals("install")) {
        ShutdownSafeExit.install();
      }
      System.out.println("shutting down while running: " + ShutdownSafeExit.jvmShuttingDown());
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    System.out.println(
                        "shutting down in a hook: " + ShutdownSafeExit.jvmShuttingDown());
                    Exit.halt(1, "log directories failed");
                  }));
      System.exit(0);
    }
  }

  private static Result child(boolean install) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                List.of(
                    java,
                    "-Xmx64m",
                    "-cp",
                    System.getProperty("java.class.path"),
                    Child.class.getName(),
                    install ? "install" : "plain"))
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), out);
  }

  record Result(int exit, String out) {}

  @Test
  void kafkasHaltDuringShutdownNoLongerDecidesTheExitCode() throws Exception {
    Result plain = child(false);
    assertThat(plain.exit()).as(plain.out()).isEqualTo(1);

    Result safe = child(true);
    assertThat(safe.exit()).as(safe.out()).isZero();
    assertThat(safe.out())
        .contains("shutting down while running: false")
        .contains("shutting down in a hook: true");
  }
}
