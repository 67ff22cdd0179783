package dev.loopline.model.policy;

import dev.loopline.model.features.MurmurHash3;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules that turn a model's probabilities into an action: auto-route, triage, or a band action.
 * It lives in model-core so that scoring, retraining (triage rate at the thresholds) and backtest
 * apply exactly the same rules, and it is built from config so that a policy change never needs a
 * retrain. No code names a label: labels come from the model's metadata and from the config keys.
 *
 * <p>Config keys (all optional):
 *
 * <ul>
 *   <li>{@code policy.threshold.default=0.7}: auto-route when the top probability is at least this
 *   <li>{@code policy.threshold.<label>=0.9}: the threshold when {@code <label>} is the top label
 *   <li>{@code policy.never.auto=<label>,<label>}: labels that are never auto-routed
 *   <li>{@code policy.audit.rate=0.02}: share of would-be auto-routes sent to triage as audits
 *   <li>{@code policy.audit.seed=1096107081}: seed of the audit hash (keep it apart from any split
 *       seed so the audit sample is independent of train/holdout membership)
 *   <li>{@code policy.bands.<label>=0.8:BLOCK,0.6:VERIFY,0:ALLOW}: the probability of {@code
 *       <label>} (top or not) picks the action of the highest band it reaches; when it reaches
 *       none, the threshold rules apply. At most one label may have bands.
 * </ul>
 *
 * <p>How a {@code <label>} in a key or list is matched to the model's labels, first rule that
 * matches wins: (1) verbatim (a properties file can escape a space as {@code \ }); (2)
 * percent-decoded ({@code billing%20issue}, {@code a%2Cb} for a comma); (3) loosely: lower case
 * with every run of characters other than letters and digits read as one '.', so the environment
 * variable {@code LOOPLINE_POLICY_THRESHOLD_BILLING_ISSUE} (which the config layer turns into
 * {@code policy.threshold.billing.issue}) matches the label {@code Billing issue}. A loose key that
 * matches two labels, or none, is an error reported by {@link #validateLabels}. A label named
 * {@code default} is addressed as {@code policy.threshold.%64efault}.
 *
 * <p>Thresholds and bands are compared in float precision, as models emit probabilities: a
 * probability of {@code 0.7f} reaches a threshold of {@code 0.7}.
 *
 * <p>Thread-safe and immutable apart from a cache of the label resolution.
 */
public final class DecisionPolicy {

  public static final String AUTO_ROUTE = "AUTO_ROUTE";
  public static final String TRIAGE = "TRIAGE";

  public static final String PREFIX = "policy.";
  public static final String THRESHOLD_DEFAULT = "policy.threshold.default";
  public static final String THRESHOLD_PREFIX = "policy.threshold.";
  public static final String NEVER_AUTO = "policy.never.auto";
  public static final String AUDIT_RATE = "policy.audit.rate";
  public static final String AUDIT_SEED = "policy.audit.seed";
  public static final String BANDS_PREFIX = "policy.bands.";

  public static final double DEFAULT_THRESHOLD = 0.7;
  public static final double DEFAULT_AUDIT_RATE = 0.02;
  public static final int DEFAULT_AUDIT_SEED = 0x41554449; // "AUDI"

  private static final Logger LOG = LoggerFactory.getLogger(DecisionPolicy.class);
  private static final Pattern ACTION = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,63}");
  private static final double TWO_TO_32 = 4294967296.0;

  private final double defaultThreshold;
  private final Map<String, Double> thresholds; // label key -> threshold
  private final List<String> neverAuto; // label keys
  private final double auditRate;
  private final int auditSeed;
  private final String bandKey; // label key, or null
  private final List<Band> bands; // descending minProbability
  private volatile Resolved resolved;

  private DecisionPolicy(
      double defaultThreshold,
      Map<String, Double> thresholds,
      List<String> neverAuto,
      double auditRate,
      int auditSeed,
      String bandKey,
      List<Band> bands) {
    this.defaultThreshold = defaultThreshold;
    this.thresholds = Collections.unmodifiableMap(thresholds);
    this.neverAuto = List.copyOf(neverAuto);
    this.auditRate = auditRate;
    this.auditSeed = auditSeed;
    this.bandKey = bandKey;
    this.bands = List.copyOf(bands);
  }

  /** The default policy: threshold 0.7, 2% audit, no per-label rules. */
  public static DecisionPolicy defaults() {
    return fromConfig(Map.of());
  }

  /**
   * Builds a policy from settings; keys outside {@code policy.} are ignored, so the whole config
   * may be passed.
   *
   * @throws IllegalArgumentException naming the key, for a malformed or out-of-range value
   */
  public static DecisionPolicy fromConfig(Map<String, String> settings) {
    double def = DEFAULT_THRESHOLD;
    double audit = DEFAULT_AUDIT_RATE;
    int seed = DEFAULT_AUDIT_SEED;
    Map<String, Double> thresholds = new TreeMap<>();
    List<String> never = new ArrayList<>();
    String bandKey = null;
    List<Band> bands = List.of();
    for (Map.Entry<String, String> e : new TreeMap<>(settings).entrySet()) {
      String key = e.getKey();
      if (!key.startsWith(PREFIX)) {
        continue;
      }
      String value = e.getValue() == null ? "" : e.getValue().trim();
      if (key.equals(THRESHOLD_DEFAULT)) {
        def = probability(key, value);
      } else if (key.equals(AUDIT_RATE)) {
        audit = probability(key, value);
      } else if (key.equals(AUDIT_SEED)) {
        try {
          seed = (int) Long.parseLong(value);
        } catch (NumberFormatException ex) {
          throw new IllegalArgumentException(key + ": not an integer: '" + value + "'");
        }
      } else if (key.equals(NEVER_AUTO)) {
        for (String item : value.split(",")) {
          if (!item.isBlank()) {
            never.add(item.trim());
          }
        }
      } else if (key.startsWith(THRESHOLD_PREFIX)) {
        String label = key.substring(THRESHOLD_PREFIX.length());
        requireLabelKey(key, label);
        thresholds.put(label, probability(key, value));
      } else if (key.startsWith(BANDS_PREFIX)) {
        String label = key.substring(BANDS_PREFIX.length());
        requireLabelKey(key, label);
        if (bandKey != null) {
          throw new IllegalArgumentException(
              key + ": bands are already set for '" + bandKey + "'; at most one label has bands");
        }
        bandKey = label;
        bands = parseBands(key, value);
      } else {
        LOG.warn("Ignoring unknown policy setting {}", key);
      }
    }
    return new DecisionPolicy(def, thresholds, never, audit, seed, bandKey, bands);
  }

  private static void requireLabelKey(String key, String label) {
    if (label.isEmpty()) {
      throw new IllegalArgumentException(key + ": missing label after the prefix");
    }
  }

  private static double probability(String key, String value) {
    double d;
    try {
      d = Double.parseDouble(value);
    } catch (NumberFormatException ex) {
      throw new IllegalArgumentException(key + ": not a number: '" + value + "'");
    }
    if (!(d >= 0.0 && d <= 1.0)) {
      throw new IllegalArgumentException(key + ": must be within [0, 1], was " + value);
    }
    return d;
  }

  private static List<Band> parseBands(String key, String value) {
    List<Band> out = new ArrayList<>();
    Set<Double> seen = new LinkedHashSet<>();
    for (String item : value.split(",")) {
      if (item.isBlank()) {
        continue;
      }
      int colon = item.indexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException(
            key + ": band '" + item.trim() + "' is not <probability>:<ACTION>");
      }
      double p = probability(key, item.substring(0, colon).trim());
      String action = item.substring(colon + 1).trim();
      if (!ACTION.matcher(action).matches()) {
        throw new IllegalArgumentException(key + ": invalid action name '" + action + "'");
      }
      if (action.equals(AUTO_ROUTE)) {
        throw new IllegalArgumentException(
            key + ": a band cannot be " + AUTO_ROUTE + " (use the threshold rules)");
      }
      if (!seen.add(p)) {
        throw new IllegalArgumentException(key + ": two bands start at " + p);
      }
      out.add(new Band(p, action));
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(key + ": no bands");
    }
    out.sort((a, b) -> Double.compare(b.minProbability(), a.minProbability()));
    return out;
  }

  /**
   * Checks the policy against a model's labels, as the scoring app does before it serves a new
   * version: every label the config names must exist (and match only one), and the model's labels
   * must be distinct and non-empty.
   *
   * @throws IllegalArgumentException listing every problem found
   */
  public void validateLabels(List<String> modelLabels) {
    resolve(modelLabels);
  }

  /**
   * Decides for one event. {@code labels} are the model's labels in output order, {@code
   * probabilities} the matching row. The audit draw is a stable hash of {@code eventId} (a replay
   * or backtest reproduces the same audit sample); a {@code null} id is never audited.
   *
   * @throws IllegalArgumentException if the lengths differ or the policy does not fit the labels
   */
  public Decision decide(List<String> labels, float[] probabilities, String eventId) {
    Resolved r = resolvedFor(labels);
    if (probabilities.length != r.labels.size()) {
      throw new IllegalArgumentException(
          "got " + probabilities.length + " probabilities for " + r.labels.size() + " labels");
    }
    int top = 0;
    float best = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < probabilities.length; i++) {
      if (probabilities[i] > best) {
        best = probabilities[i];
        top = i;
      }
    }
    String topLabel = r.labels.get(top);
    double topP = probabilities[top];
    if (r.bandIndex >= 0) {
      float p = probabilities[r.bandIndex];
      for (Band b : bands) {
        if (p >= (float) b.minProbability()) {
          return new Decision(b.action(), null, false, top, topLabel, topP);
        }
      }
    }
    if (!r.never[top] && best >= r.thresholds[top]) {
      if (eventId != null && auditRate > 0 && auditUnit(eventId) < auditRate) {
        return new Decision(TRIAGE, null, true, top, topLabel, topP);
      }
      return new Decision(AUTO_ROUTE, topLabel, false, top, topLabel, topP);
    }
    return new Decision(TRIAGE, null, false, top, topLabel, topP);
  }

  /**
   * The audit draw of an event id, uniform in [0, 1): MurmurHash3 x86_32 of its UTF-8 bytes with
   * the audit seed. Exposed so a backtest can tell which events were audit-eligible.
   */
  public double auditUnit(String eventId) {
    byte[] b = eventId.getBytes(StandardCharsets.UTF_8);
    int h = MurmurHash3.hash32(b, 0, b.length, auditSeed);
    return (h & 0xffffffffL) / TWO_TO_32;
  }

  /** The auto-route threshold that applies when {@code label} is the top label. */
  public double thresholdFor(String label, List<String> modelLabels) {
    Resolved r = resolvedFor(modelLabels);
    int i = r.labels.indexOf(label);
    if (i < 0) {
      throw new IllegalArgumentException("unknown label '" + label + "'");
    }
    return r.configured[i];
  }

  /**
   * Labels of the model that this policy may auto-route (not on the never list): the scoring app
   * creates a {@code routed.<slug>} topic for each.
   */
  public List<String> autoRoutableLabels(List<String> modelLabels) {
    Resolved r = resolvedFor(modelLabels);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < r.labels.size(); i++) {
      if (!r.never[i]) {
        out.add(r.labels.get(i));
      }
    }
    return out;
  }

  /** The band actions this policy can produce, highest band first (empty without bands). */
  public List<Band> bands() {
    return bands;
  }

  public double defaultThreshold() {
    return defaultThreshold;
  }

  public double auditRate() {
    return auditRate;
  }

  /**
   * The settings that rebuild this policy with {@link #fromConfig}: for logs, the ops console and
   * for recording which policy a backtest used.
   */
  public Map<String, String> toConfig() {
    Map<String, String> out = new LinkedHashMap<>();
    out.put(THRESHOLD_DEFAULT, Double.toString(defaultThreshold));
    thresholds.forEach((k, v) -> out.put(THRESHOLD_PREFIX + k, Double.toString(v)));
    if (!neverAuto.isEmpty()) {
      out.put(NEVER_AUTO, String.join(",", neverAuto));
    }
    out.put(AUDIT_RATE, Double.toString(auditRate));
    out.put(AUDIT_SEED, Integer.toString(auditSeed));
    if (bandKey != null) {
      StringBuilder sb = new StringBuilder();
      for (Band b : bands) {
        if (sb.length() > 0) {
          sb.append(',');
        }
        sb.append(b.minProbability()).append(':').append(b.action());
      }
      out.put(BANDS_PREFIX + bandKey, sb.toString());
    }
    return out;
  }

  @Override
  public String toString() {
    return "DecisionPolicy" + toConfig();
  }

  private Resolved resolvedFor(List<String> labels) {
    Resolved r = resolved;
    if (r != null && (r.source == labels || r.labels.equals(labels))) {
      return r;
    }
    r = resolve(labels);
    resolved = r;
    return r;
  }

  private Resolved resolve(List<String> modelLabels) {
    List<String> problems = new ArrayList<>();
    if (modelLabels == null || modelLabels.isEmpty()) {
      throw new IllegalArgumentException("the model has no labels");
    }
    List<String> labels = List.copyOf(modelLabels);
    if (new LinkedHashSet<>(labels).size() != labels.size()) {
      problems.add("the model's labels are not distinct: " + labels);
    }
    for (String l : labels) {
      if (l.isEmpty()) {
        problems.add("the model has an empty label");
      }
    }
    double[] configured = new double[labels.size()];
    Arrays.fill(configured, defaultThreshold);
    boolean[] never = new boolean[labels.size()];
    for (Map.Entry<String, Double> e : thresholds.entrySet()) {
      int i = indexOf(labels, e.getKey(), THRESHOLD_PREFIX + e.getKey(), problems);
      if (i >= 0) {
        configured[i] = e.getValue();
      }
    }
    for (String key : neverAuto) {
      int i = indexOf(labels, key, NEVER_AUTO + " entry '" + key + "'", problems);
      if (i >= 0) {
        never[i] = true;
      }
    }
    int bandIndex = -1;
    if (bandKey != null) {
      bandIndex = indexOf(labels, bandKey, BANDS_PREFIX + bandKey, problems);
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "decision policy does not fit the model's labels: " + String.join("; ", problems));
    }
    float[] t = new float[labels.size()];
    for (int i = 0; i < t.length; i++) {
      t[i] = (float) configured[i];
    }
    return new Resolved(modelLabels, labels, t, configured, never, bandIndex);
  }

  private static int indexOf(List<String> labels, String key, String where, List<String> problems) {
    int exact = labels.indexOf(key);
    if (exact >= 0) {
      return exact;
    }
    String decoded = percentDecode(key);
    if (decoded != null) {
      int i = labels.indexOf(decoded);
      if (i >= 0) {
        return i;
      }
    }
    String loose = loose(key);
    int found = -1;
    for (int i = 0; i < labels.size(); i++) {
      if (loose(labels.get(i)).equals(loose)) {
        if (found >= 0) {
          problems.add(
              where
                  + " matches both '"
                  + labels.get(found)
                  + "' and '"
                  + labels.get(i)
                  + "': write the label verbatim or percent-encoded");
          return -1;
        }
        found = i;
      }
    }
    if (found < 0) {
      problems.add(where + " names a label the model does not have (labels: " + labels + ")");
    }
    return found;
  }

  /** Lower case; every run of characters other than letters and digits becomes one '.'. */
  static String loose(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    boolean sep = false;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      if (Character.isLetterOrDigit(cp)) {
        if (sep && sb.length() > 0) {
          sb.append('.');
        }
        sep = false;
        sb.appendCodePoint(Character.toLowerCase(cp));
      } else {
        sep = true;
      }
    }
    return sb.toString().toLowerCase(Locale.ROOT);
  }

  /** Percent-decoding of UTF-8 ('+' stays '+'); null if the key has no valid escapes. */
  static String percentDecode(String s) {
    if (s.indexOf('%') < 0) {
      return null;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    byte[] raw = s.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < raw.length; i++) {
      if (raw[i] == '%' && i + 2 < raw.length) {
        int hi = Character.digit(raw[i + 1], 16);
        int lo = Character.digit(raw[i + 2], 16);
        if (hi < 0 || lo < 0) {
          return null;
        }
        out.write(hi * 16 + lo);
        i += 2;
      } else if (raw[i] == '%') {
        return null;
      } else {
        out.write(raw[i]);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private record Resolved(
      List<String> source,
      List<String> labels,
      float[] thresholds,
      double[] configured,
      boolean[] never,
      int bandIndex) {}
}
