package dev.loopline.backtest;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Read-once indexes shared by the scoring tasks of one JVM (the slots of a TaskManager, the
 * MiniCluster's tasks): the first task that asks for a key reads it, the others wait for that read
 * and share the result, and the last one to {@link #release} frees it. One read and one copy in
 * memory per JVM instead of one per task. The values must not change once read.
 */
final class JvmShared {

  private JvmShared() {}

  private static final Map<Object, Entry> SHARED = new HashMap<>();

  private static final class Entry {
    final CompletableFuture<Object> value = new CompletableFuture<>();
    int users;
  }

  /**
   * The value of {@code key}, read by {@code reader} in the first caller; {@code what} names it in
   * the error another task's failed read raises here.
   */
  @SuppressWarnings("unchecked")
  static <V> V acquire(Object key, Supplier<V> reader, String what) {
    Entry s;
    boolean first;
    synchronized (SHARED) {
      s = SHARED.computeIfAbsent(key, k -> new Entry());
      first = s.users++ == 0;
    }
    try {
      if (first) {
        try {
          s.value.complete(reader.get());
        } catch (RuntimeException | Error e) {
          s.value.completeExceptionally(e);
          throw e;
        }
      }
      try {
        return (V) s.value.join();
      } catch (CompletionException e) {
        throw new IllegalStateException(
            "reading " + what + " failed in another task", e.getCause());
      }
    } catch (RuntimeException | Error e) {
      release(key); // not the caller's to give back: it gets nothing
      throw e;
    }
  }

  /** Gives back what {@link #acquire} returned; the last user frees it. */
  static void release(Object key) {
    synchronized (SHARED) {
      Entry s = SHARED.get(key);
      if (s != null && --s.users <= 0) {
        SHARED.remove(key);
      }
    }
  }
}
