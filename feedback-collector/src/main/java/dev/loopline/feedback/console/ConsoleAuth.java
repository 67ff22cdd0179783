package dev.loopline.feedback.console;

import dev.loopline.config.LooplineConfig;
import dev.loopline.config.LooplineConfig.ConfigException;
import io.javalin.http.Context;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Who may use the console and its API, and with which role. Tokens come from {@code
 * console.auth.tokens} ({@code <token>:operator,<token>:viewer}, optionally {@code
 * <token>:<role>:<user>} to name the person recorded as actor/agent). A request presents a token as
 * {@code Authorization: Bearer <token>} or through the HttpOnly cookie set by the console's login
 * form. Viewers read; only operators write (resolve, confirm, re-route, promote, roll back): the
 * check is on the server, per request.
 *
 * <p>With no tokens configured the console is open, as operator {@code local}, to loopback clients
 * only; everything else is refused.
 */
public final class ConsoleAuth {

  /** A role: viewers read, operators also write. */
  public enum Role {
    VIEWER,
    OPERATOR
  }

  /** An authenticated caller; {@code name} is what Corrections and Deployments record. */
  public record Principal(String name, Role role) {}

  /** The cookie the login form sets (HttpOnly, SameSite=Strict). */
  public static final String COOKIE = "loopline_console";

  private record Entry(byte[] digest, Principal principal) {}

  private final List<Entry> entries;

  private ConsoleAuth(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  /** Reads {@code console.auth.tokens}; a malformed entry is a config error. */
  public static ConsoleAuth from(LooplineConfig config) {
    return parse(config.get("console.auth.tokens", ""));
  }

  static ConsoleAuth parse(String spec) {
    List<Entry> out = new ArrayList<>();
    if (spec != null) {
      for (String raw : spec.split(",")) {
        String item = raw.trim();
        if (item.isEmpty()) {
          continue;
        }
        String[] parts = item.split(":", 3);
        if (parts.length < 2 || parts[0].isBlank()) {
          throw new ConfigException(
              "console.auth.tokens entries are <token>:<operator|viewer>[:<user>], got an entry"
                  + " with "
                  + parts.length
                  + " part(s)");
        }
        Role role;
        try {
          role = Role.valueOf(parts[1].trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
          throw new ConfigException(
              "console.auth.tokens: role must be operator or viewer, got '" + parts[1] + "'");
        }
        byte[] digest = sha256(parts[0].trim());
        String name =
            parts.length == 3 && !parts[2].isBlank()
                ? parts[2].trim()
                : role.name().toLowerCase(Locale.ROOT)
                    + "-"
                    + HexFormat.of().formatHex(digest, 0, 3);
        out.add(new Entry(digest, new Principal(name, role)));
      }
    }
    return new ConsoleAuth(out);
  }

  /** Whether any token is configured (else only loopback clients get in). */
  public boolean enabled() {
    return !entries.isEmpty();
  }

  /** The principal of a token, compared in constant time on its digest. */
  public Optional<Principal> forToken(String token) {
    if (token == null || token.isBlank()) {
      return Optional.empty();
    }
    byte[] d = sha256(token.trim());
    Principal found = null;
    for (Entry e : entries) {
      if (MessageDigest.isEqual(e.digest(), d)) {
        found = e.principal();
      }
    }
    return Optional.ofNullable(found);
  }

  /** The token a request presents (bearer header first, then the console cookie), if any. */
  static String presentedToken(Context ctx) {
    String h = ctx.header("Authorization");
    if (h != null && h.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return h.substring(7).trim();
    }
    return ctx.cookie(COOKIE);
  }

  /**
   * The caller of a request: by token when tokens are configured; else operator {@code local} for a
   * loopback client, nobody otherwise.
   */
  public Optional<Principal> authenticate(Context ctx) {
    if (enabled()) {
      return forToken(presentedToken(ctx));
    }
    return isLoopback(ctx.req().getRemoteAddr())
        ? Optional.of(new Principal("local", Role.OPERATOR))
        : Optional.empty();
  }

  static boolean isLoopback(String address) {
    if (address == null) {
      return false;
    }
    try {
      // A literal address: no name lookup happens.
      return InetAddress.getByName(address).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
