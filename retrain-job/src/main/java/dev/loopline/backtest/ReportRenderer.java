package dev.loopline.backtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.loopline.model.eval.ClassReport;
import dev.loopline.model.eval.EvaluationReport;
import dev.loopline.model.eval.ThresholdPoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Renders a {@link BacktestReport} as a terminal table, JSON, and a self-contained HTML page whose
 * charts (threshold curve, per-class recall bars, confusion heatmaps) are inline SVG generated
 * here: no script, no external resource, every text escaped.
 */
public final class ReportRenderer {

  private static final String[] COLORS = {
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"
  };
  private static final String SERVED_COLOR = "#555555";

  private ReportRenderer() {}

  /** The JSON form (NaN written as the string "NaN"). */
  public static String json(BacktestReport r) {
    try {
      return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(r);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads {@link #json}'s output back. */
  public static BacktestReport parse(String json) {
    try {
      return new ObjectMapper()
          .configure(
              com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES,
              false)
          .readValue(json, BacktestReport.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The terminal table: one line per version and one for what served. */
  public static String table(BacktestReport r) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "backtest %s .. %s: %,d events replayed, %,d labelled, %,d forgotten%n",
            r.from(),
            r.to(),
            r.eventsReplayed(),
            r.labelled(),
            r.forgotten()));
    String fmt = "%-22s %9s %9s %9s %8s %8s %8s %9s %9s%n";
    sb.append(
        String.format(
            Locale.ROOT,
            fmt,
            "version",
            "evaluated",
            "coverage",
            "trained",
            "accuracy",
            "macroF1",
            "triage",
            "autoRoute",
            "autoPrec"));
    for (BacktestReport.VersionResult v : r.versions()) {
      EvaluationReport e = v.report();
      sb.append(
          String.format(
              Locale.ROOT,
              fmt,
              v.key(),
              e == null ? "0" : String.format(Locale.ROOT, "%,d", e.examples()),
              pct(v.coverage()),
              (r.includeTrained() ? "kept " : "excl ") + v.trainedOn(),
              num(e == null ? Double.NaN : e.accuracy()),
              num(e == null ? Double.NaN : e.macroF1()),
              pct(e == null ? Double.NaN : e.triageRate()),
              pct(e == null ? Double.NaN : e.autoRouteRate()),
              num(e == null ? Double.NaN : e.autoRoutePrecision())));
    }
    BacktestReport.ServedResult s = r.served();
    if (s != null) {
      EvaluationReport e = s.report();
      sb.append(
          String.format(
              Locale.ROOT,
              fmt,
              servedName(s.byVersion().keySet()),
              e == null ? "0" : String.format(Locale.ROOT, "%,d", e.examples()),
              pct(r.eventsReplayed() == 0 ? Double.NaN : s.events() / (double) r.eventsReplayed()),
              "-",
              num(e == null ? Double.NaN : e.accuracy()),
              num(e == null ? Double.NaN : e.macroF1()),
              pct(e == null ? Double.NaN : e.triageRate()),
              pct(e == null ? Double.NaN : e.autoRouteRate()),
              num(e == null ? Double.NaN : e.autoRoutePrecision())));
      sb.append(
          String.format(
              Locale.ROOT,
              "served, as recorded (audit draw included): auto-route %s, precision %s%n",
              pct(s.recordedAutoRouteRate()),
              num(s.recordedAutoRoutePrecision())));
    }
    for (BacktestReport.VersionResult v : r.versions()) {
      if (v.report() == null) {
        continue;
      }
      sb.append(v.key()).append(" per class (precision/recall):");
      for (ClassReport c : v.report().perClass()) {
        sb.append(' ')
            .append(c.label())
            .append(' ')
            .append(num(c.precision()))
            .append('/')
            .append(num(c.recall()));
      }
      sb.append(System.lineSeparator());
      for (BacktestReport.Slice sl : v.slices()) {
        sb.append(
            String.format(
                Locale.ROOT,
                "  %s=%s: %,d examples, accuracy %s, macroF1 %s%n",
                r.sliceAttribute(),
                sl.value(),
                sl.examples(),
                num(sl.accuracy()),
                num(sl.macroF1())));
      }
    }
    for (String c : r.comparisons()) {
      sb.append(c).append(System.lineSeparator());
    }
    for (String m : r.missing()) {
      sb.append("missing: ").append(m).append(System.lineSeparator());
    }
    return sb.toString();
  }

  /**
   * The served row's name in the 22-char first column: {@code served [1, 2]}, or the range and
   * count when the list would not fit ({@code served [1..15] (15)}).
   */
  static String servedName(java.util.Set<Integer> versions) {
    String all = "served " + new java.util.TreeSet<>(versions);
    if (all.length() <= 22 || versions.isEmpty()) {
      return all;
    }
    int min = versions.stream().mapToInt(Integer::intValue).min().getAsInt();
    int max = versions.stream().mapToInt(Integer::intValue).max().getAsInt();
    return "served [" + min + ".." + max + "] (" + versions.size() + ")";
  }

  /** A self-contained HTML page (inline CSS and SVG, no script). */
  public static String html(BacktestReport r) {
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Loopline backtest ")
        .append(esc(r.from()))
        .append(" .. ")
        .append(esc(r.to()))
        .append("</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:")
        .append("collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}")
        .append("th{background:#eee}.missing{color:#b00}</style></head><body>");
    h.append("<h1>Backtest ")
        .append(esc(r.from()))
        .append(" .. ")
        .append(esc(r.to()))
        .append("</h1><p>")
        .append(r.eventsReplayed())
        .append(" events replayed, ")
        .append(r.labelled())
        .append(" labelled, ")
        .append(r.forgotten())
        .append(" forgotten. Policy: ")
        .append(esc(String.valueOf(r.policy())))
        .append(". Events a version (or an ancestor) trained on are ")
        .append(r.includeTrained() ? "included and flagged" : "excluded")
        .append(".</p>");
    for (String m : r.missing()) {
      h.append("<p class=\"missing\">Missing: ").append(esc(m)).append("</p>");
    }
    for (String c : r.comparisons()) {
      h.append("<p><b>").append(esc(c)).append("</b></p>");
    }
    h.append("<pre>").append(esc(table(r))).append("</pre>");
    h.append("<h2>Threshold sweep: auto-route rate vs precision</h2>");
    h.append(curve(r));
    h.append("<h2>Recall per class</h2>").append(bars(r));
    for (BacktestReport.VersionResult v : r.versions()) {
      if (v.report() != null) {
        h.append("<h2>Confusion matrix ").append(esc(v.key())).append("</h2>");
        h.append(heatmap(v.report()));
        h.append("<h3>Calibration</h3><table><tr><th>bin</th><th>count</th>")
            .append("<th>mean confidence</th><th>accuracy</th></tr>");
        for (var b : v.calibration()) {
          h.append("<tr><td>")
              .append(num(b.lower()))
              .append("-")
              .append(num(b.upper()))
              .append("</td><td>")
              .append(b.count())
              .append("</td><td>")
              .append(num(b.meanConfidence()))
              .append("</td><td>")
              .append(num(b.accuracy()))
              .append("</td></tr>");
        }
        h.append("</table>");
      }
    }
    if (r.served() != null && r.served().report() != null) {
      h.append("<h2>Confusion matrix, served</h2>").append(heatmap(r.served().report()));
    }
    h.append("</body></html>");
    return h.toString();
  }

  private static String curve(BacktestReport r) {
    int w = 520;
    int hgt = 360;
    int pad = 50;
    StringBuilder s = new StringBuilder();
    s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        .append(w)
        .append("\" height=\"")
        .append(hgt)
        .append("\">");
    s.append(line(pad, hgt - pad, w - 10, hgt - pad)).append(line(pad, 10, pad, hgt - pad));
    s.append(text(w / 2, hgt - 10, "auto-route rate")).append(text(12, 20, "precision"));
    for (int t = 0; t <= 10; t += 2) {
      double f = t / 10.0;
      s.append(text(pad + (int) (f * (w - pad - 10)), hgt - pad + 15, num(f)));
      s.append(text(20, hgt - pad - (int) (f * (hgt - pad - 10)), num(f)));
    }
    List<List<ThresholdPoint>> curves = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (BacktestReport.VersionResult v : r.versions()) {
      curves.add(v.sweep());
      names.add(v.key());
    }
    if (r.served() != null) {
      curves.add(r.served().sweep());
      names.add("served");
    }
    for (int c = 0; c < curves.size(); c++) {
      String color = names.get(c).equals("served") ? SERVED_COLOR : COLORS[c % COLORS.length];
      StringBuilder pts = new StringBuilder();
      for (ThresholdPoint p : curves.get(c)) {
        if (Double.isNaN(p.precision())) {
          continue;
        }
        double x = pad + p.autoRouteRate() * (w - pad - 10);
        double y = hgt - pad - p.precision() * (hgt - pad - 10);
        pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
      }
      s.append("<polyline fill=\"none\" stroke=\"")
          .append(color)
          .append("\" stroke-width=\"2\" points=\"")
          .append(pts)
          .append("\"/>");
      s.append("<text x=\"")
          .append(w - 150)
          .append("\" y=\"")
          .append(hgt - pad - 20 - 16 * c)
          .append("\" fill=\"")
          .append(color)
          .append("\" font-size=\"12\">")
          .append(esc(names.get(c)))
          .append("</text>");
    }
    return s.append("</svg>").toString();
  }

  private static String bars(BacktestReport r) {
    List<String> labels = r.versions().get(0).labels();
    List<EvaluationReport> reports = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (BacktestReport.VersionResult v : r.versions()) {
      reports.add(v.report());
      names.add(v.key());
    }
    if (r.served() != null) {
      reports.add(r.served().report());
      names.add("served");
    }
    int group = 20 * reports.size() + 20;
    int w = 60 + group * labels.size();
    int hgt = 260;
    StringBuilder s = new StringBuilder();
    s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        .append(w + 160)
        .append("\" height=\"")
        .append(hgt)
        .append("\">");
    for (int li = 0; li < labels.size(); li++) {
      int gx = 60 + li * group;
      s.append(text(gx + group / 2, hgt - 10, labels.get(li)));
      for (int ri = 0; ri < reports.size(); ri++) {
        EvaluationReport e = reports.get(ri);
        double recall = 0;
        if (e != null && e.labels().contains(labels.get(li))) {
          recall = e.forLabel(labels.get(li)).recall();
        }
        int bh = (int) (recall * (hgt - 50));
        String color = names.get(ri).equals("served") ? SERVED_COLOR : COLORS[ri % COLORS.length];
        s.append(
            String.format(
                Locale.ROOT,
                "<rect x=\"%d\" y=\"%d\" width=\"18\" height=\"%d\" fill=\"%s\"><title>%s %s"
                    + " recall %s</title></rect>",
                gx + ri * 20,
                hgt - 30 - bh,
                bh,
                color,
                esc(names.get(ri)),
                esc(labels.get(li)),
                num(recall)));
      }
    }
    for (int ri = 0; ri < names.size(); ri++) {
      String color = names.get(ri).equals("served") ? SERVED_COLOR : COLORS[ri % COLORS.length];
      s.append("<text x=\"")
          .append(w + 10)
          .append("\" y=\"")
          .append(20 + 16 * ri)
          .append("\" fill=\"")
          .append(color)
          .append("\" font-size=\"12\">")
          .append(esc(names.get(ri)))
          .append("</text>");
    }
    return s.append("</svg>").toString();
  }

  private static String heatmap(EvaluationReport e) {
    List<String> labels = e.labels();
    int k = labels.size();
    int cell = 48;
    int left = 120;
    int top = 30;
    long max = 1;
    for (long[] row : e.confusion()) {
      for (long c : row) {
        max = Math.max(max, c);
      }
    }
    StringBuilder s = new StringBuilder();
    s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        .append(left + k * cell + 20)
        .append("\" height=\"")
        .append(top + k * cell + 40)
        .append("\">");
    s.append(text(left + k * cell / 2, 14, "predicted"));
    for (int t = 0; t < k; t++) {
      s.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%s</text>",
              left - 6,
              top + t * cell + cell / 2 + 4,
              esc(labels.get(t))));
      s.append(text(left + t * cell + cell / 2, top + k * cell + 14, labels.get(t)));
      for (int p = 0; p < k; p++) {
        long c = e.confusion()[t][p];
        int shade = 255 - (int) (200.0 * c / max);
        s.append(
            String.format(
                Locale.ROOT,
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"rgb(%d,%d,255)\""
                    + " stroke=\"#fff\"/><text x=\"%d\" y=\"%d\" font-size=\"11\""
                    + " text-anchor=\"middle\">%d</text>",
                left + p * cell,
                top + t * cell,
                cell,
                cell,
                shade,
                shade,
                left + p * cell + cell / 2,
                top + t * cell + cell / 2 + 4,
                c));
      }
    }
    return s.append("</svg>").toString();
  }

  private static String line(int x1, int y1, int x2, int y2) {
    return String.format(
        Locale.ROOT,
        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>",
        x1,
        y1,
        x2,
        y2);
  }

  private static String text(int x, int y, String t) {
    return String.format(
        Locale.ROOT,
        "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>",
        x,
        y,
        esc(t));
  }

  /** HTML-escapes text and attribute values. */
  static String esc(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '&' -> sb.append("&amp;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }

  static String num(double d) {
    return Double.isNaN(d) ? "-" : String.format(Locale.ROOT, "%.3f", d);
  }

  static String pct(double d) {
    return Double.isNaN(d) ? "-" : String.format(Locale.ROOT, "%.1f%%", d * 100);
  }
}
