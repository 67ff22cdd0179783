package dev.loopline.model.features;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The markup-level cleaning the featurizer does before tokenizing: HTML tags out (script and style
 * bodies too), common character entities decoded, and typical e-mail header lines dropped while the
 * Subject text is kept. Part of the featurizer's code version: any change here must bump {@link
 * Featurizer#CODE_VERSION}.
 */
final class TextCleaner {

  /** Header names (lower case) whose lines are dropped when the text looks like an e-mail. */
  static final Set<String> HEADERS =
      Set.of(
          "from",
          "to",
          "cc",
          "bcc",
          "date",
          "sent",
          "received",
          "subject",
          "reply-to",
          "return-path",
          "message-id",
          "in-reply-to",
          "references",
          "mime-version",
          "content-type",
          "content-transfer-encoding",
          "content-disposition",
          "content-language",
          "content-id",
          "delivered-to",
          "sender",
          "importance",
          "priority",
          "dkim-signature",
          "domainkey-signature",
          "authentication-results",
          "received-spf",
          "arc-seal",
          "arc-message-signature",
          "arc-authentication-results",
          "list-unsubscribe",
          "list-unsubscribe-post",
          "list-id",
          "thread-topic",
          "thread-index",
          "accept-language",
          "user-agent",
          "organization",
          "precedence",
          "auto-submitted",
          "feedback-id");

  private static final Set<String> BLOCK_TAGS =
      Set.of(
          "br",
          "p",
          "div",
          "li",
          "ul",
          "ol",
          "tr",
          "td",
          "th",
          "table",
          "h1",
          "h2",
          "h3",
          "h4",
          "h5",
          "h6",
          "blockquote",
          "pre",
          "hr",
          "section",
          "article",
          "header",
          "footer");

  private static final Map<String, String> ENTITIES =
      Map.ofEntries(
          Map.entry("amp", "&"),
          Map.entry("lt", "<"),
          Map.entry("gt", ">"),
          Map.entry("quot", "\""),
          Map.entry("apos", "'"),
          Map.entry("nbsp", " "),
          Map.entry("ndash", "\u2013"),
          Map.entry("mdash", "\u2014"),
          Map.entry("hellip", "\u2026"),
          Map.entry("lsquo", "\u2018"),
          Map.entry("rsquo", "\u2019"),
          Map.entry("ldquo", "\u201c"),
          Map.entry("rdquo", "\u201d"),
          Map.entry("euro", "\u20ac"),
          Map.entry("pound", "\u00a3"),
          Map.entry("copy", "\u00a9"),
          Map.entry("reg", "\u00ae"),
          Map.entry("trade", "\u2122"),
          Map.entry("zwnj", "\u200c"),
          Map.entry("zwj", "\u200d"));

  private TextCleaner() {}

  /** HTML removal (when there is a tag-like '<'), entity decoding, then e-mail header removal. */
  static String clean(String s) {
    if (s.indexOf('<') >= 0) {
      s = stripHtml(s);
    } else if (s.indexOf('&') >= 0) {
      s = decodeEntities(s);
    }
    if (s.indexOf(':') >= 0 && s.indexOf('\n') >= 0) {
      s = dropHeaders(s);
    }
    if (s.length() >= MIN_BASE64_LINE && s.indexOf('\n') >= 0) {
      s = dropBase64Lines(s);
    }
    return s;
  }

  static final int MIN_BASE64_LINE = 40;

  /**
   * Drops lines that look like base64 (MIME attachments, inline images): at least 40 chars from the
   * base64 alphabet, no spaces, with an upper-case letter, a lower-case letter and a digit. Their
   * char n-grams would be pure noise that dilutes the real text after normalization.
   */
  static String dropBase64Lines(String s) {
    StringBuilder out = null;
    int n = s.length();
    int lineStart = 0;
    while (lineStart <= n) {
      int nl = s.indexOf('\n', lineStart);
      int lineEnd = nl < 0 ? n : nl;
      boolean drop = isBase64Line(s, lineStart, lineEnd);
      if (drop && out == null) {
        out = new StringBuilder(n);
        out.append(s, 0, lineStart);
      }
      if (out != null && !drop) {
        out.append(s, lineStart, lineEnd);
        if (nl >= 0) {
          out.append('\n');
        }
      } else if (out != null) {
        out.append('\n');
      }
      if (nl < 0) {
        break;
      }
      lineStart = nl + 1;
    }
    return out == null ? s : out.toString();
  }

  private static boolean isBase64Line(String s, int from, int to) {
    while (to > from && (s.charAt(to - 1) == '\r' || s.charAt(to - 1) == ' ')) {
      to--;
    }
    if (to - from < MIN_BASE64_LINE) {
      return false;
    }
    boolean upper = false;
    boolean lower = false;
    boolean digit = false;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        upper = true;
      } else if (c >= 'a' && c <= 'z') {
        lower = true;
      } else if (c >= '0' && c <= '9') {
        digit = true;
      } else if (c != '+' && c != '/' && c != '=') {
        return false;
      }
    }
    return upper && lower && digit;
  }

  /**
   * Removes tags: a '<' followed by a letter, '/', '!' or '?' up to the next '>' (a '<' with no
   * closing '>' is kept as text). Block tags become a line break, other tags a space; comments and
   * the bodies of script and style elements go entirely. Entities are decoded in the text between.
   */
  static String stripHtml(String s) {
    StringBuilder out = new StringBuilder(s.length());
    int n = s.length();
    int i = 0;
    int textStart = 0;
    // Once a search for '>' or "-->" fails, no later one can succeed: remembering that keeps
    // hostile input such as "<a<a<a..." linear instead of quadratic.
    boolean noGt = false;
    boolean noCommentEnd = false;
    while (i < n && !noGt) {
      i = s.indexOf('<', i); // the intrinsic scan, not a char-by-char loop
      if (i < 0 || i + 1 >= n) {
        break;
      }
      char d = s.charAt(i + 1);
      boolean tagStart = d == '/' || d == '!' || d == '?' || Character.isLetter(d);
      if (!tagStart) {
        i++;
        continue;
      }
      int close;
      if (s.startsWith("<!--", i)) {
        int e = noCommentEnd ? -1 : s.indexOf("-->", i + 4);
        noCommentEnd = e < 0;
        close = e < 0 ? -1 : e + 2;
      } else {
        close = s.indexOf('>', i + 1);
        noGt = close < 0;
      }
      if (close < 0) {
        i++;
        continue;
      }
      appendDecoded(out, s, textStart, i);
      String name = tagName(s, i + 1, close);
      int next = close + 1;
      if (d != '/' && (name.equals("script") || name.equals("style"))) {
        int end = indexOfIgnoreCase(s, "</" + name, next);
        if (end < 0) {
          next = n;
        } else {
          int gt = s.indexOf('>', end);
          next = gt < 0 ? n : gt + 1;
        }
      }
      out.append(BLOCK_TAGS.contains(name) ? '\n' : ' ');
      i = next;
      textStart = next;
    }
    appendDecoded(out, s, textStart, n);
    return out.toString();
  }

  private static String tagName(String s, int from, int close) {
    int i = from;
    if (i < close && s.charAt(i) == '/') {
      i++;
    }
    int start = i;
    while (i < close && Character.isLetterOrDigit(s.charAt(i))) {
      i++;
    }
    return s.substring(start, i).toLowerCase(Locale.ROOT);
  }

  private static int indexOfIgnoreCase(String s, String needle, int from) {
    int max = s.length() - needle.length();
    for (int i = from; i <= max; i++) {
      if (s.regionMatches(true, i, needle, 0, needle.length())) {
        return i;
      }
    }
    return -1;
  }

  static String decodeEntities(String s) {
    StringBuilder out = new StringBuilder(s.length());
    appendDecoded(out, s, 0, s.length());
    return out.toString();
  }

  /**
   * Appends {@code s[from, to)} with {@code &name;}, {@code &#123;} and {@code &#x1F600;} decoded.
   */
  private static void appendDecoded(StringBuilder out, String s, int from, int to) {
    int i = from;
    while (i < to) {
      int amp = s.indexOf('&', i);
      if (amp < 0 || amp >= to) {
        out.append(s, i, to);
        return;
      }
      out.append(s, i, amp);
      int semi = -1;
      for (int j = amp + 1; j < to && j <= amp + 10; j++) {
        if (s.charAt(j) == ';') {
          semi = j;
          break;
        }
      }
      String decoded = semi < 0 ? null : decodeEntity(s.substring(amp + 1, semi));
      if (decoded == null) {
        out.append('&');
        i = amp + 1;
      } else {
        out.append(decoded);
        i = semi + 1;
      }
    }
  }

  private static String decodeEntity(String body) {
    if (body.length() > 1 && body.charAt(0) == '#') {
      int cp;
      try {
        if (body.charAt(1) == 'x' || body.charAt(1) == 'X') {
          cp = Integer.parseInt(body.substring(2), 16);
        } else {
          cp = Integer.parseInt(body.substring(1));
        }
      } catch (NumberFormatException e) {
        return null;
      }
      if (cp <= 0 || cp > Character.MAX_CODE_POINT || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return null;
      }
      return new String(Character.toChars(cp));
    }
    return ENTITIES.get(body.toLowerCase(Locale.ROOT));
  }

  /**
   * Drops e-mail header lines ({@code Key: value} with a typical header key, optionally quoted with
   * '>') and their folded continuation lines, keeping the value of {@code Subject}. Only when at
   * least two such lines exist, so that a chat line such as "To: the team" stays intact.
   */
  static String dropHeaders(String s) {
    int n = s.length();
    int headers = 0;
    for (int from = 0; from <= n && headers < 2; ) {
      int nl = s.indexOf('\n', from);
      int to = nl < 0 ? n : nl;
      if (headerKey(s, from, to) != null) {
        headers++;
      }
      if (nl < 0) {
        break;
      }
      from = nl + 1;
    }
    if (headers < 2) {
      return s;
    }
    StringBuilder out = new StringBuilder(n);
    boolean inDropped = false;
    for (int from = 0; from <= n; ) {
      int nl = s.indexOf('\n', from);
      int to = nl < 0 ? n : nl;
      int end = to > from && s.charAt(to - 1) == '\r' ? to - 1 : to;
      boolean continuation = end > from && (s.charAt(from) == ' ' || s.charAt(from) == '\t');
      if (!(inDropped && continuation)) { // else: folded continuation of a dropped header
        inDropped = false;
        String key = headerKey(s, from, end);
        if (key == null) {
          out.append(s, from, end).append('\n');
        } else if (key.equals("subject")) {
          out.append(s, s.indexOf(':', from) + 1, end).append('\n');
        } else {
          inDropped = true;
        }
      }
      if (nl < 0) {
        break;
      }
      from = nl + 1;
    }
    return out.toString();
  }

  /** The lower-case key of a typical header line, or null. */
  static String headerKey(String line) {
    return headerKey(line, 0, line.length());
  }

  /** The lower-case key of a typical header line {@code s[from, to)}, or null. */
  static String headerKey(String s, int from, int to) {
    int i = from;
    while (i < to && (s.charAt(i) == '>' || s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
      i++;
    }
    int start = i;
    while (i < to && i - start <= 40) {
      char c = s.charAt(i);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || (c >= '0' && c <= '9')) {
        i++;
      } else {
        break;
      }
    }
    if (i == start || i >= to || s.charAt(i) != ':') {
      return null;
    }
    String key = s.substring(start, i).toLowerCase(Locale.ROOT);
    if (HEADERS.contains(key) || (key.startsWith("x-") && key.length() > 2)) {
      return key;
    }
    return null;
  }
}
