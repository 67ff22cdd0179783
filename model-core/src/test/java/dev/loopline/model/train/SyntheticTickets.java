package dev.loopline.model.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seeded generator of support-ticket-like texts for trainer tests and benchmarks: each label has
 * its own vocabulary of phrases, mixed with shared filler, numbers, names and some cross-label
 * noise, 100-600 characters long. The same seed always gives the same tickets.
 */
public final class SyntheticTickets {

  /** One generated ticket. */
  public record Ticket(String text, Map<String, String> attributes, int label) {}

  public static final List<String> LABELS =
      List.of("billing", "technical", "account", "shipping", "returns", "sales");

  private static final String[][] PHRASES = {
    {
      "I was charged twice", "the invoice amount is wrong", "refund the extra charge",
      "my credit card was billed", "payment failed again", "update my billing address",
      "why is there a late fee", "the subscription price went up", "cancel the automatic renewal",
      "I need a copy of the receipt", "VAT number missing on invoice", "prorated charge unclear"
    },
    {
      "the app crashes on startup", "error 500 when I log in", "the page does not load",
      "sync stopped working", "the export button is broken", "it times out after a minute",
      "the API returns a bad request", "I get a blank screen", "the update failed to install",
      "notifications are not arriving", "the integration lost its token",
          "very slow since yesterday"
    },
    {
      "reset my password", "I cannot access my account", "change the email on my profile",
      "two factor code never arrives", "add a new user to our team", "delete my account please",
      "my username is locked", "merge two accounts", "transfer ownership to a colleague",
      "the login link expired", "update the company name", "remove an old admin"
    },
    {
      "where is my package", "the tracking number does not work", "delivery is late",
      "the parcel arrived damaged", "ship to a different address",
          "courier left it at the wrong door",
      "how long does shipping take", "the order still says processing", "missing item in the box",
      "can I get express delivery", "customs is holding the parcel", "the box was opened"
    },
    {
      "I want to return this item", "how do I send it back", "the return label is missing",
      "exchange for a bigger size", "the product is not as described", "return window question",
      "refund after return not received", "the item is defective", "wrong colour was sent",
      "can I return an opened box", "print a new return label", "store credit instead of refund"
    },
    {
      "do you offer volume discounts", "I need a quote for fifty seats",
          "upgrade to the enterprise plan",
      "talk to a sales representative", "is there a trial for teams", "pricing for nonprofits",
      "compare the pro and business plans", "can we pay by purchase order",
          "annual contract options",
      "add more licenses", "reseller partnership", "demo for my manager"
    }
  };

  private static final String[] FILLER = {
    "hello",
    "hi team",
    "thanks in advance",
    "please help",
    "this is urgent",
    "regards",
    "I have been a customer for years",
    "as soon as possible",
    "see the attached screenshot",
    "my order number is",
    "let me know",
    "best wishes",
    "this happened again today",
    "I already tried restarting",
    "could you check",
    "cheers",
    "sent from my phone"
  };

  private static final String[] NAMES = {
    "Anna", "Bruno", "Chen", "Dara", "Emeka", "Farah", "Goran"
  };
  private static final String[] CHANNELS = {"email", "chat", "web", "phone"};

  private final SplittableRandom rng;
  private final double[] cumulative;
  private final double noise;
  private final int vocabulary;
  private final int[][] classOrder;
  private final double[] zipf;

  /** Balanced labels, 5% cross-label noise phrases. */
  public SyntheticTickets(long seed) {
    this(seed, new double[] {1, 1, 1, 1, 1, 1}, 0.05);
  }

  /**
   * @param labelWeights relative frequency of each label (length {@link #LABELS}.size())
   * @param noise probability that a phrase comes from another label
   */
  public SyntheticTickets(long seed, double[] labelWeights, double noise) {
    this(seed, labelWeights, noise, 0);
  }

  /**
   * A harder, wide-vocabulary variant for hashing-width measurements: instead of the fixed phrase
   * lists, each ticket is 40-80 words drawn from {@code vocabulary} pseudo-words with Zipf(1.1)
   * frequencies; 70% of the draws use one shared frequency order, 30% a label-specific order (so
   * labels differ mostly in mid-frequency words, as real text does). {@code noise} is then the
   * share of tickets whose label-specific words come from another label.
   */
  public SyntheticTickets(long seed, double[] labelWeights, double noise, int vocabulary) {
    this.rng = new SplittableRandom(seed);
    this.vocabulary = vocabulary;
    if (vocabulary > 0) {
      SplittableRandom orders = new SplittableRandom(seed * 31 + 7);
      classOrder = new int[labelWeights.length + 1][];
      for (int c = 0; c < classOrder.length; c++) {
        int[] perm = new int[vocabulary];
        for (int i = 0; i < vocabulary; i++) {
          perm[i] = i;
        }
        for (int i = vocabulary - 1; i > 0; i--) {
          int j = orders.nextInt(i + 1);
          int t = perm[i];
          perm[i] = perm[j];
          perm[j] = t;
        }
        classOrder[c] = perm;
      }
      zipf = new double[vocabulary];
      double acc = 0;
      for (int r = 0; r < vocabulary; r++) {
        acc += 1 / Math.pow(r + 1, 1.1);
        zipf[r] = acc;
      }
      for (int r = 0; r < vocabulary; r++) {
        zipf[r] /= acc;
      }
    } else {
      classOrder = null;
      zipf = null;
    }
    this.cumulative = new double[labelWeights.length];
    double sum = 0;
    for (int i = 0; i < labelWeights.length; i++) {
      sum += labelWeights[i];
      cumulative[i] = sum;
    }
    for (int i = 0; i < cumulative.length; i++) {
      cumulative[i] /= sum;
    }
    this.noise = noise;
  }

  public Ticket next() {
    double u = rng.nextDouble();
    int label = 0;
    while (label < cumulative.length - 1 && u > cumulative[label]) {
      label++;
    }
    if (vocabulary > 0) {
      return wide(label);
    }
    StringBuilder sb = new StringBuilder(640);
    sb.append(FILLER[rng.nextInt(FILLER.length)]).append(", ");
    int target = 100 + rng.nextInt(500);
    while (sb.length() < target) {
      int r = rng.nextInt(10);
      if (r < 5) {
        int from = rng.nextDouble() < noise ? rng.nextInt(PHRASES.length) : label;
        sb.append(PHRASES[from][rng.nextInt(PHRASES[from].length)]);
      } else if (r < 8) {
        sb.append(FILLER[rng.nextInt(FILLER.length)]);
      } else if (r < 9) {
        sb.append("order #").append(100000 + rng.nextInt(900000));
      } else {
        sb.append(NAMES[rng.nextInt(NAMES.length)]);
      }
      sb.append(rng.nextInt(4) == 0 ? ". " : " ");
    }
    return new Ticket(
        sb.toString().trim(), Map.of("channel", CHANNELS[rng.nextInt(CHANNELS.length)]), label);
  }

  private Ticket wide(int label) {
    int source = rng.nextDouble() < noise ? rng.nextInt(LABELS.size()) : label;
    int words = 40 + rng.nextInt(41);
    StringBuilder sb = new StringBuilder(words * 8);
    for (int w = 0; w < words; w++) {
      int rank = java.util.Arrays.binarySearch(zipf, rng.nextDouble());
      rank = Math.min(vocabulary - 1, rank < 0 ? -rank - 1 : rank);
      int[] order = rng.nextDouble() < 0.7 ? classOrder[classOrder.length - 1] : classOrder[source];
      sb.append(w == 0 ? "" : " ").append(word(order[rank]));
    }
    return new Ticket(
        sb.toString(), Map.of("channel", CHANNELS[rng.nextInt(CHANNELS.length)]), label);
  }

  /** A pronounceable pseudo-word for an id: consonant-vowel syllables. */
  private static String word(int id) {
    String consonants = "bcdfghklmnprstvz";
    String vowels = "aeiou";
    StringBuilder sb = new StringBuilder();
    int v = id + 1;
    while (v > 0) {
      sb.append(consonants.charAt(v % 16));
      v /= 16;
      sb.append(vowels.charAt(v % 5));
      v /= 5;
    }
    return sb.toString();
  }

  public List<Ticket> take(int n) {
    List<Ticket> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(next());
    }
    return out;
  }
}
