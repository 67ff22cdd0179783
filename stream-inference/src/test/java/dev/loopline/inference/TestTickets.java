package dev.loopline.inference;

import java.util.List;
import java.util.Random;

/**
 * Seeded synthetic tickets (about 150 characters) for integration tests: each label has its own
 * words mixed with shared filler, so a small model learns them in a few epochs.
 */
public final class TestTickets {

  public static final List<String> LABELS = List.of("billing", "Tech Support", "account");

  private static final String[][] WORDS = {
    {"invoice", "refund", "charge", "payment", "card", "billed", "twice", "receipt", "price"},
    {"crash", "error", "bug", "install", "slow", "login", "screen", "update", "freezes"},
    {"password", "email", "profile", "delete", "close", "username", "address", "settings", "owner"}
  };
  private static final String[] FILLER = {
    "hello", "please", "help", "my", "the", "since", "yesterday", "thanks", "urgent", "again",
    "team", "order", "today", "still", "not", "working", "with", "and", "could", "you"
  };

  private TestTickets() {}

  /** The text of ticket {@code n} of {@code label} under {@code seed}. */
  public static String text(int label, long seed, long n) {
    Random r = new Random(seed * 1_000_003L + n * 31 + label);
    StringBuilder sb = new StringBuilder();
    while (sb.length() < 150) {
      String[] pool = r.nextInt(3) == 0 ? FILLER : WORDS[label];
      sb.append(pool[r.nextInt(pool.length)]).append(' ');
    }
    return sb.toString().trim();
  }

  /** The label of event {@code n} in a stream of test events. */
  public static int labelOf(long n) {
    return (int) Math.floorMod(n * 7 + 3, 3);
  }
}
