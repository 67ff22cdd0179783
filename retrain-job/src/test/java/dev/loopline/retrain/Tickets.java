package dev.loopline.retrain;

import dev.loopline.avro.LabelSource;
import dev.loopline.avro.LabeledExample;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Seeded ticket-like labeled examples for the retrain tests. Each label has its own vocabulary;
 * {@link #drifted()} switches every label to a second, disjoint vocabulary (a vocabulary shift), so
 * a model trained before the drift guesses on drifted tickets.
 */
final class Tickets {

  static final List<String> LABELS = List.of("Billing", "Technical", "Account", "Shipping");

  private static final String[][] VOCAB = {
    {"invoice", "refund", "charged", "payment", "billing", "receipt", "price", "overcharged"},
    {"crash", "error", "bug", "timeout", "install", "broken", "freezes", "exception"},
    {"password", "login", "username", "profile", "locked", "email", "signup", "account"},
    {"delivery", "package", "tracking", "courier", "shipped", "parcel", "arrived", "address"}
  };

  private static final String[][] DRIFT_VOCAB = {
    {"subscription", "renewal", "coupon", "wallet", "plan", "upgrade", "discount", "trial"},
    {"api", "webhook", "latency", "sdk", "endpoint", "outage", "quota", "deploy"},
    {"sso", "mfa", "permissions", "workspace", "invite", "seat", "role", "deactivate"},
    {"pickup", "locker", "customs", "pallet", "freight", "warehouse", "dispatch", "return"}
  };

  private static final String[] FILLER = {
    "hello", "please", "help", "thanks", "my", "the", "is", "not", "with", "today", "again",
    "urgent"
  };

  private final Random random;
  private final String idPrefix;
  private final Instant start;
  private boolean drifted;
  private int next;

  Tickets(long seed, String idPrefix, Instant start) {
    this.random = new Random(seed);
    this.idPrefix = idPrefix;
    this.start = start;
  }

  Tickets drifted() {
    drifted = true;
    return this;
  }

  /** {@code n} examples with labels spread evenly and the given source mix. */
  List<LabeledExample> next(int n, LabelSource... sources) {
    List<LabeledExample> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int label = random.nextInt(LABELS.size());
      out.add(example(label, label, sources[random.nextInt(sources.length)]));
    }
    return out;
  }

  /**
   * {@code n} examples whose labels are shuffled by a fixed permutation (each label recorded as the
   * next one): a mis-mapped routing table.
   */
  List<LabeledExample> shuffled(int n, LabelSource source) {
    List<LabeledExample> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int label = random.nextInt(LABELS.size());
      out.add(example(label, (label + 1) % LABELS.size(), source));
    }
    return out;
  }

  private LabeledExample example(int textLabel, int recordedLabel, LabelSource source) {
    String[] vocab = (drifted ? DRIFT_VOCAB : VOCAB)[textLabel];
    StringBuilder text = new StringBuilder();
    int words = 6 + random.nextInt(6);
    for (int w = 0; w < words; w++) {
      if (w > 0) {
        text.append(' ');
      }
      text.append(
          random.nextInt(3) == 0
              ? FILLER[random.nextInt(FILLER.length)]
              : vocab[random.nextInt(vocab.length)]);
    }
    int n = next++;
    Instant occurred = start.plus(Duration.ofMinutes(n));
    return LabeledExample.newBuilder()
        .setEventId(idPrefix + "-" + n)
        .setText(text.toString())
        .setAttributes(Map.of("channel", random.nextBoolean() ? "email" : "chat"))
        .setOccurredAt(occurred)
        .setLabel(LABELS.get(recordedLabel))
        .setSource(source)
        .setLabeledBy("test-agent")
        .setLabeledAt(occurred.plus(Duration.ofMinutes(30)))
        .build();
  }
}
