package dev.loopline.inference.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * The micro-batch buffer of one task, registered as a state store so that Kafka Streams empties it
 * on the commit path: {@code StreamTask.prepareCommit} calls {@code flushCache()} on every {@link
 * CachedStateStore} before the task's offsets are handed to the producer's transaction (EOS v2) or
 * committed (at-least-once). A buffered record is therefore always scored and written before the
 * offset that covers it is committed; a crash (kill -9) or a lost partition drops the buffer
 * together with its uncommitted offsets and the records are read again. See the module README,
 * "Design", for the measurements behind this choice.
 *
 * <p>This uses Kafka Streams' internal {@code CachedStateStore} (the hook the record caches use),
 * verified against kafka-streams 4.2.2 ({@code ProcessorStateManager.flushCache}); the kill -9
 * integration test guards it on every build.
 *
 * <p>Holds nothing durable: {@code persistent()} is false and there is no changelog.
 */
public final class CommitFlushedBuffer<T> implements StateStore, CachedStateStore<Object, Object> {

  /**
   * What the owner does when the commit path asks for a flush; called also with an empty buffer, as
   * the owner may hold work of its own (a batch in flight).
   */
  public interface Flusher {
    void flushOnCommit();
  }

  private final String name;
  private final List<T> items = new ArrayList<>();
  private Flusher flusher;
  private boolean open;

  public CommitFlushedBuffer(String name) {
    this.name = name;
  }

  /** The processor registers itself here in its {@code init}. */
  public void bind(Flusher f) {
    this.flusher = f;
  }

  public void add(T item) {
    items.add(item);
  }

  public int size() {
    return items.size();
  }

  public boolean isEmpty() {
    return items.isEmpty();
  }

  /** The oldest buffered item, or null. */
  public T first() {
    return items.isEmpty() ? null : items.get(0);
  }

  /** Takes every buffered item out, oldest first. */
  public List<T> drain() {
    List<T> out = new ArrayList<>(items);
    items.clear();
    return out;
  }

  @Override
  public void flushCache() {
    if (flusher != null) {
      flusher.flushOnCommit();
    }
  }

  @Override
  public void clearCache() {
    // Called when a task is closed dirty: the uncommitted offsets are dropped too.
    items.clear();
  }

  @Override
  public boolean setFlushListener(CacheFlushListener<Object, Object> listener, boolean sendOld) {
    return false;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void init(StateStoreContext context, StateStore root) {
    context.register(root, (key, value) -> {});
    open = true;
  }

  @Override
  public void flush() {
    // Nothing durable to flush; the batch is emptied by flushCache() on the commit path only.
  }

  @Override
  public void close() {
    items.clear();
    open = false;
  }

  @Override
  public boolean persistent() {
    return false;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  /** Builds one buffer per task; no logging, no caching layers around it. */
  public static <T> StoreBuilder<CommitFlushedBuffer<T>> builder(String name) {
    return new StoreBuilder<>() {
      @Override
      public StoreBuilder<CommitFlushedBuffer<T>> withCachingEnabled() {
        return this;
      }

      @Override
      public StoreBuilder<CommitFlushedBuffer<T>> withCachingDisabled() {
        return this;
      }

      @Override
      public StoreBuilder<CommitFlushedBuffer<T>> withLoggingEnabled(Map<String, String> config) {
        throw new UnsupportedOperationException("the batch buffer has no changelog");
      }

      @Override
      public StoreBuilder<CommitFlushedBuffer<T>> withLoggingDisabled() {
        return this;
      }

      @Override
      public CommitFlushedBuffer<T> build() {
        return new CommitFlushedBuffer<>(name);
      }

      @Override
      public Map<String, String> logConfig() {
        return Map.of();
      }

      @Override
      public boolean loggingEnabled() {
        return false;
      }

      @Override
      public String name() {
        return name;
      }
    };
  }
}
