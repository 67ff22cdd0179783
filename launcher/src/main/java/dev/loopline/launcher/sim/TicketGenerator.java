package dev.loopline.launcher.sim;

import dev.loopline.avro.Event;
import dev.loopline.launcher.sim.Vocabulary.LabelVocab;
import dev.loopline.launcher.sim.Vocabulary.Phrasing;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A seeded generator of realistic support tickets for demos and tests, each knowing its true label.
 *
 * <p>Text comes in three shapes by channel: short chat lines, web-form subject + body, and emails
 * (some long, with headers, a quoted reply or HTML); a few tickets are in Japanese, Russian or
 * Arabic, some carry emoji. Labels are informative but noisy: sentences share words across labels
 * (order numbers, plans, "account"), about {@link Settings#ambiguousShare} of tickets mix two
 * labels' sentences and a few are vague. With {@link Settings#driftAtIndex} (or {@link
 * Settings#driftAtTime}) the drifting labels switch to new product names and phrasing that borrows
 * other labels' words, so a model trained before the drift loses accuracy after it.
 *
 * <p>Ticket {@code i} depends only on the settings and {@code i} (its own random stream); the
 * timestamps are a seeded running sum of exponential gaps. Same settings, same tickets.
 */
public final class TicketGenerator implements Iterator<GeneratedTicket> {

  public static final List<String> DEFAULT_LABELS =
      List.of("Billing", "Technical", "Account", "Shipping");

  /** Attribute names every generated event carries (CSV writers need them up front). */
  public static final List<String> ATTRIBUTES = List.of("channel", "tier", "language");

  private static final DateTimeFormatter EMAIL_DATE =
      DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ENGLISH)
          .withZone(ZoneOffset.UTC);

  /**
   * How tickets are generated.
   *
   * @param seed the seed; same seed, same tickets
   * @param labels label names; the four defaults have hand-written phrasing, others get
   *     pseudo-words
   * @param weights relative frequency of each label (same order as labels)
   * @param start occurredAt of the first ticket
   * @param meanGap mean time between tickets (exponentially distributed)
   * @param driftAtIndex tickets from this index on use drifted phrasing (negative: never)
   * @param driftAtTime tickets at or after this instant use drifted phrasing (null: never)
   * @param driftLabels labels whose phrasing drifts
   * @param driftShare share of a drifting label's tickets that use the new phrasing
   * @param ambiguousShare share of tickets that mix two labels
   * @param chatBelow a ticket is a chat line when its channel draw (uniform in [0, 1)) is below
   *     this, a web form when below {@code webBelow}, else an e-mail
   * @param webBelow see {@code chatBelow}
   */
  public record Settings(
      long seed,
      List<String> labels,
      List<Double> weights,
      Instant start,
      Duration meanGap,
      long driftAtIndex,
      Instant driftAtTime,
      Set<String> driftLabels,
      double driftShare,
      double ambiguousShare,
      double chatBelow,
      double webBelow) {

    public static final Instant DEFAULT_START = Instant.parse("2026-01-05T08:00:00Z");

    public Settings {
      labels = List.copyOf(labels);
      weights = List.copyOf(weights);
      driftLabels = Set.copyOf(driftLabels);
      Objects.requireNonNull(start, "start");
      if (labels.isEmpty()) {
        throw new IllegalArgumentException("at least one label is needed");
      }
      if (Set.copyOf(labels).size() != labels.size()) {
        throw new IllegalArgumentException("labels must be distinct: " + labels);
      }
      if (weights.size() != labels.size()) {
        throw new IllegalArgumentException("one weight per label is needed");
      }
      if (weights.stream().anyMatch(w -> !(w >= 0))
          || weights.stream().mapToDouble(w -> w).sum() <= 0) {
        throw new IllegalArgumentException("weights must be non-negative and not all zero");
      }
      if (meanGap.isNegative()) {
        throw new IllegalArgumentException("meanGap must not be negative");
      }
      if (!(chatBelow >= 0 && chatBelow <= webBelow && webBelow <= 1)) {
        throw new IllegalArgumentException("channel bounds must satisfy 0 <= chat <= web <= 1");
      }
    }

    /** Default labels and weights, a ticket every 6 s on average from 2026-01-05, no drift. */
    public static Settings defaults(long seed) {
      return withLabels(seed, DEFAULT_LABELS);
    }

    /**
     * The given labels; the defaults get weights 30/30/22/18, other sets are uniform. The first two
     * labels drift when drift is switched on.
     */
    public static Settings withLabels(long seed, List<String> labels) {
      List<Double> w =
          labels.equals(DEFAULT_LABELS)
              ? List.of(0.30, 0.30, 0.22, 0.18)
              : labels.stream().map(l -> 1.0).toList();
      return new Settings(
          seed,
          labels,
          w,
          DEFAULT_START,
          Duration.ofSeconds(6),
          -1,
          null,
          Set.copyOf(labels.subList(0, Math.min(2, labels.size()))),
          0.85,
          0.10,
          0.35,
          0.67);
    }

    /**
     * Relative shares of chat lines, web forms and e-mails (the default is 35 / 32 / 33; more
     * e-mail means longer texts: median 100 chars by default, ~150 with 10 / 30 / 60).
     */
    public Settings withChannelShares(double chat, double web, double email) {
      double sum = chat + web + email;
      if (!(chat >= 0 && web >= 0 && email >= 0 && sum > 0)) {
        throw new IllegalArgumentException(
            "channel shares must be non-negative and not all zero: "
                + chat
                + ", "
                + web
                + ", "
                + email);
      }
      Copy c = new Copy(this);
      c.chatBelow = chat / sum;
      c.webBelow = email == 0 ? 1.0 : (chat + web) / sum;
      return c.build();
    }

    public Settings withStart(Instant start) {
      Copy c = new Copy(this);
      c.start = start;
      return c.build();
    }

    public Settings withMeanGap(Duration gap) {
      Copy c = new Copy(this);
      c.meanGap = gap;
      return c.build();
    }

    public Settings withDriftAtIndex(long index) {
      Copy c = new Copy(this);
      c.driftAtIndex = index;
      return c.build();
    }

    public Settings withDriftAtTime(Instant time) {
      Copy c = new Copy(this);
      c.driftAtTime = time;
      return c.build();
    }

    public Settings withDriftLabels(Set<String> drifting) {
      Copy c = new Copy(this);
      c.driftLabels = drifting;
      return c.build();
    }

    public Settings withAmbiguousShare(double share) {
      Copy c = new Copy(this);
      c.ambiguousShare = share;
      return c.build();
    }

    /** A settings' components, to change some and build new settings (checked as usual). */
    private static final class Copy {
      private final long seed;
      private final List<String> labels;
      private final List<Double> weights;
      private Instant start;
      private Duration meanGap;
      private long driftAtIndex;
      private Instant driftAtTime;
      private Set<String> driftLabels;
      private final double driftShare;
      private double ambiguousShare;
      private double chatBelow;
      private double webBelow;

      Copy(Settings s) {
        seed = s.seed;
        labels = s.labels;
        weights = s.weights;
        start = s.start;
        meanGap = s.meanGap;
        driftAtIndex = s.driftAtIndex;
        driftAtTime = s.driftAtTime;
        driftLabels = s.driftLabels;
        driftShare = s.driftShare;
        ambiguousShare = s.ambiguousShare;
        chatBelow = s.chatBelow;
        webBelow = s.webBelow;
      }

      Settings build() {
        return new Settings(
            seed,
            labels,
            weights,
            start,
            meanGap,
            driftAtIndex,
            driftAtTime,
            driftLabels,
            driftShare,
            ambiguousShare,
            chatBelow,
            webBelow);
      }
    }
  }

  private final Settings settings;
  private final List<LabelVocab> vocab = new ArrayList<>();
  private final double[] cumulative;
  private final SplittableRandom clock;
  private final String idPrefix;
  private long index;
  private long timeMillis;

  public TicketGenerator(Settings settings) {
    this.settings = settings;
    for (String label : settings.labels()) {
      vocab.add(Vocabulary.forLabel(label, settings.seed()));
    }
    cumulative = new double[settings.labels().size()];
    double sum = settings.weights().stream().mapToDouble(Double::doubleValue).sum();
    double acc = 0;
    for (int i = 0; i < cumulative.length; i++) {
      acc += settings.weights().get(i) / sum;
      cumulative[i] = acc;
    }
    clock = new SplittableRandom(settings.seed() ^ 0x5DEECE66DL);
    idPrefix = String.format(Locale.ROOT, "t%04x-", (int) (mix(settings.seed(), -1) & 0xFFFF));
    timeMillis = settings.start().toEpochMilli();
  }

  public Settings settings() {
    return settings;
  }

  @Override
  public boolean hasNext() {
    return true;
  }

  @Override
  public GeneratedTicket next() {
    long i = index++;
    if (i > 0) {
      double u = clock.nextDouble();
      timeMillis += Math.round(-Math.log(1 - u) * settings.meanGap().toMillis());
    }
    return ticket(i, Instant.ofEpochMilli(timeMillis));
  }

  /** The next {@code n} tickets. */
  public List<GeneratedTicket> take(int n) {
    List<GeneratedTicket> out = new ArrayList<>(n);
    for (int k = 0; k < n; k++) {
      out.add(next());
    }
    return out;
  }

  /**
   * Ticket {@code i} as if it occurred at {@code occurredAt}: what a live traffic source needs to
   * resume after the last index it sent, stamping events with the wall clock.
   */
  public GeneratedTicket at(long i, Instant occurredAt) {
    if (i < 0) {
      throw new IllegalArgumentException("index must not be negative: " + i);
    }
    return ticket(i, occurredAt);
  }

  /** The true label of ticket {@code i}, without generating its text (cheap: one draw). */
  public String labelAt(long i) {
    return settings
        .labels()
        .get(pickLabel(new SplittableRandom(mix(settings.seed(), i)).nextDouble()));
  }

  /** The index in an id this generator made, or -1 when another generator (or seed) made it. */
  public long indexOf(String id) {
    if (id == null || !id.startsWith(idPrefix) || id.length() == idPrefix.length()) {
      return -1;
    }
    try {
      return Long.parseLong(id.substring(idPrefix.length()));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private GeneratedTicket ticket(long i, Instant occurredAt) {
    SplittableRandom r = new SplittableRandom(mix(settings.seed(), i));
    int li = pickLabel(r.nextDouble());
    LabelVocab own = vocab.get(li);
    boolean drifted =
        settings.driftLabels().contains(own.label())
            && isAfterDrift(i, occurredAt)
            && r.nextDouble() < settings.driftShare();
    Phrasing phrasing = drifted ? own.drifted() : own.normal();

    boolean ambiguous = vocab.size() > 1 && r.nextDouble() < settings.ambiguousShare();
    Phrasing other = null;
    if (ambiguous) {
      int oi = r.nextInt(vocab.size() - 1);
      if (oi >= li) {
        oi++;
      }
      other = vocab.get(oi).normal();
    }

    double c = r.nextDouble();
    String channel = c < settings.chatBelow() ? "chat" : c < settings.webBelow() ? "web" : "email";
    String language = "en";
    String text;
    double roll = r.nextDouble();
    if (roll < 0.04 && !own.foreign().isEmpty()) {
      List<String> langs = new ArrayList<>(own.foreign().keySet());
      langs.sort(null);
      language = langs.get(r.nextInt(langs.size()));
      text = fill(r, oneOf(r, own.foreign().get(language)));
      if (channel.equals("email")) {
        text = fill(r, oneOf(r, phrasing.subjects())) + "\n\n" + text;
      }
    } else if (roll < 0.07) {
      text = fill(r, oneOf(r, Vocabulary.VAGUE));
    } else {
      text =
          switch (channel) {
            case "chat" -> chat(r, phrasing, other);
            case "web" -> web(r, phrasing, other);
            default -> email(r, phrasing, other, occurredAt);
          };
    }
    if (!channel.equals("email") && r.nextDouble() < 0.07) {
      text = text + " " + oneOf(r, Vocabulary.EMOJI);
    }

    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("channel", channel);
    attributes.put("tier", tier(r, li));
    attributes.put("language", language);
    Event event =
        Event.newBuilder()
            .setId(idPrefix + String.format(Locale.ROOT, "%07d", i))
            .setOccurredAt(occurredAt)
            .setText(text)
            .setAttributes(attributes)
            .build();
    return new GeneratedTicket(i, event, own.label(), ambiguous, drifted);
  }

  private boolean isAfterDrift(long i, Instant at) {
    return (settings.driftAtIndex() >= 0 && i >= settings.driftAtIndex())
        || (settings.driftAtTime() != null && !at.isBefore(settings.driftAtTime()));
  }

  private String chat(SplittableRandom r, Phrasing p, Phrasing other) {
    String line = fill(r, oneOf(r, p.chat()));
    if (other != null) {
      String second = fill(r, oneOf(r, other.chat()));
      line = r.nextBoolean() ? line + " and " + second : second + ", also " + line;
    } else if (r.nextDouble() < 0.3) {
      line = line + "\n" + fill(r, oneOf(r, Vocabulary.FILLERS)).toLowerCase(Locale.ROOT);
    }
    return r.nextDouble() < 0.3 ? "hi " + line : line;
  }

  private String web(SplittableRandom r, Phrasing p, Phrasing other) {
    Phrasing subjectFrom = other != null && r.nextBoolean() ? other : p;
    StringBuilder sb = new StringBuilder();
    sb.append(fill(r, oneOf(r, subjectFrom.subjects()))).append("\n\n");
    sb.append(body(r, p, other, 1 + r.nextInt(2)));
    return sb.toString();
  }

  private String email(SplittableRandom r, Phrasing p, Phrasing other, Instant at) {
    Phrasing subjectFrom = other != null && r.nextBoolean() ? other : p;
    String subject = fill(r, oneOf(r, subjectFrom.subjects()));
    String name = oneOf(r, Vocabulary.NAMES);
    String body =
        oneOf(r, Vocabulary.GREETINGS)
            + "\n\n"
            + body(r, p, other, 1 + r.nextInt(3))
            + "\n\n"
            + oneOf(r, Vocabulary.CLOSERS).replace("{name}", name);
    double shape = r.nextDouble();
    if (shape < 0.25) {
      String email = name.toLowerCase(Locale.ROOT) + "@example.com";
      String quoted =
          "> On "
              + EMAIL_DATE.format(at.minus(Duration.ofDays(1 + r.nextInt(5))))
              + ", Support <support@example.com> wrote:\n"
              + "> Thank you for contacting us. Could you share your order number and\n"
              + "> a short description of the problem?\n>\n> Kind regards,\n> The Support Team";
      return "From: "
          + name
          + " <"
          + email
          + ">\nTo: support@example.com\nDate: "
          + EMAIL_DATE.format(at)
          + "\nSubject: Re: "
          + subject
          + "\nContent-Type: text/plain; charset=UTF-8\n\n"
          + body
          + "\n\n"
          + quoted;
    }
    if (shape < 0.40) {
      return "<html><body><p><b>"
          + subject
          + "</b></p><p>"
          + body.replace("\n\n", "</p><p>")
          + "</p><br><div style=\"color:#888\">Sent from my phone</div></body></html>";
    }
    return subject + "\n\n" + body;
  }

  /** {@code sentences} of the label (one from the other label when ambiguous), plus a filler. */
  private String body(SplittableRandom r, Phrasing p, Phrasing other, int sentences) {
    List<String> parts = new ArrayList<>();
    for (int k = 0; k < sentences; k++) {
      parts.add(fill(r, oneOf(r, p.sentences())));
    }
    if (other != null) {
      parts.add(r.nextInt(parts.size() + 1), fill(r, oneOf(r, other.sentences())));
    }
    if (r.nextDouble() < 0.5) {
      parts.add(r.nextInt(parts.size() + 1), fill(r, oneOf(r, Vocabulary.FILLERS)));
    }
    return String.join(" ", parts);
  }

  private String fill(SplittableRandom r, String template) {
    if (template.indexOf('{') < 0) {
      return template;
    }
    StringBuilder sb = new StringBuilder();
    int i = 0;
    while (i < template.length()) {
      int open = template.indexOf('{', i);
      if (open < 0) {
        sb.append(template, i, template.length());
        break;
      }
      int close = template.indexOf('}', open);
      sb.append(template, i, open);
      sb.append(slot(r, template.substring(open + 1, close)));
      i = close + 1;
    }
    return sb.toString();
  }

  private String slot(SplittableRandom r, String name) {
    return switch (name) {
      case "order" -> "#" + (100000 + r.nextInt(900000));
      case "amount" -> String.format(Locale.ROOT, "$%d.%02d", 5 + r.nextInt(300), r.nextInt(100));
      case "plan" -> oneOf(r, Vocabulary.PLANS);
      case "device" -> oneOf(r, Vocabulary.DEVICES);
      case "carrier" -> oneOf(r, Vocabulary.CARRIERS);
      case "day" -> oneOf(r, Vocabulary.DAYS);
      case "product" -> oneOf(r, Vocabulary.PRODUCTS);
      case "errcode" -> oneOf(r, Vocabulary.ERROR_CODES);
      case "name" -> oneOf(r, Vocabulary.NAMES);
      case "email" ->
          oneOf(r, Vocabulary.NAMES).toLowerCase(Locale.ROOT) + r.nextInt(100) + "@example.com";
      case "n" -> String.valueOf(2 + r.nextInt(5));
      default -> "{" + name + "}";
    };
  }

  private String tier(SplittableRandom r, int labelIndex) {
    double enterprise = labelIndex == 1 ? 0.25 : 0.12;
    double u = r.nextDouble();
    return u < enterprise ? "enterprise" : u < enterprise + 0.35 ? "pro" : "free";
  }

  private int pickLabel(double u) {
    for (int i = 0; i < cumulative.length; i++) {
      if (u < cumulative[i]) {
        return i;
      }
    }
    return cumulative.length - 1;
  }

  private static String oneOf(SplittableRandom r, List<String> items) {
    return items.get(r.nextInt(items.size()));
  }

  static long mix(long seed, long i) {
    long z = seed * 0x9E3779B97F4A7C15L + i * 0xBF58476D1CE4E5B9L + 0x94D049BB133111EBL;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
