package dev.loopline.launcher;

import dev.loopline.config.LooplineConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The components {@code loopline up} runs, started in order and stopped in reverse. Each stage gets
 * the configuration the previous stages produced (the platform stage fills in the real bootstrap
 * servers and registry URL), so later stages (the scoring app, the collector, the retrain
 * scheduler, the traffic simulator) are added as one more {@link Stage} in {@link UpCommand}.
 *
 * <p>If a stage fails to start, the stages already running are stopped before the error is
 * rethrown, so a failed start leaves no broker or port behind.
 */
public final class EmbeddedLoop implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedLoop.class);

  /** What one component tells the user: {@code what} listens at {@code where}. */
  public record Endpoint(String component, String what, String where) {}

  /** A started component: its endpoints, the configuration after it, and how to stop it. */
  public record Running(List<Endpoint> endpoints, LooplineConfig config, AutoCloseable stopper) {
    public Running {
      endpoints = List.copyOf(endpoints);
      Objects.requireNonNull(config, "config");
      Objects.requireNonNull(stopper, "stopper");
    }
  }

  /** One component of the loop. */
  public interface Stage {
    String name();

    /**
     * Starts the component with the configuration so far; must leave nothing running on failure.
     */
    Running start(LooplineConfig config) throws Exception;
  }

  private final List<String> names = new ArrayList<>();
  private final List<Running> running = new ArrayList<>();
  private LooplineConfig config;
  private boolean closed;

  private EmbeddedLoop(LooplineConfig config) {
    this.config = config;
  }

  /** Starts {@code stages} in order. */
  public static EmbeddedLoop start(LooplineConfig config, List<? extends Stage> stages)
      throws Exception {
    EmbeddedLoop loop = new EmbeddedLoop(config);
    for (Stage stage : stages) {
      try {
        LOG.info("starting {}", stage.name());
        Running r = stage.start(loop.config);
        loop.names.add(stage.name());
        loop.running.add(r);
        loop.config = r.config();
      } catch (Exception | Error e) {
        loop.close();
        throw e;
      }
    }
    return loop;
  }

  /** The configuration after every stage started: clients built from it reach the loop. */
  public LooplineConfig config() {
    return config;
  }

  public List<Endpoint> endpoints() {
    List<Endpoint> out = new ArrayList<>();
    running.forEach(r -> out.addAll(r.endpoints()));
    return out;
  }

  /** Stops every started stage in reverse order; a failing stop is logged, the others still run. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (int i = running.size() - 1; i >= 0; i--) {
      try {
        LOG.info("stopping {}", names.get(i));
        running.get(i).stopper().close();
      } catch (Exception e) {
        LOG.warn("stopping {} failed: {}", names.get(i), e.toString());
      }
    }
  }
}
