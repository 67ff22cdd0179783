package dev.loopline.net;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free TCP ports on {@code localhost} for servers that a process (or a child process) binds later:
 * a broker, a registry, a Flink JobManager or TaskManager.
 *
 * <p>Ports come from below the kernel's ephemeral range ({@code
 * /proc/sys/net/ipv4/ip_local_port_range}, 32768-60999 on Linux by default), not from binding port
 * 0. A port that the kernel hands out for port 0 lies in the ephemeral range, and between choosing
 * it and the child binding it, seconds or minutes later, an outgoing connection of any process (a
 * Kafka client, a broker talking to its peers) can take it as its local port, and the child fails
 * to start with "Address already in use". Ports below the range are never used for outgoing
 * connections. Each candidate is checked by binding it; where the range below is too small (an
 * unusual kernel setting), this falls back to port 0.
 */
public final class FreePorts {

  /** Lowest port handed out: above the well-known and most registered service ports. */
  static final int LOW = 10_000;

  private FreePorts() {}

  /** One free port. */
  public static int one() {
    return take(1).get(0);
  }

  /** {@code n} distinct free ports. */
  public static List<Integer> take(int n) {
    return take(n, Set.of());
  }

  /** {@code n} distinct free ports, none of them in {@code exclude} (ports chosen earlier). */
  public static List<Integer> take(int n, Collection<Integer> exclude) {
    int high = ephemeralLow() - 1;
    if (high - LOW < 1_000) {
      return bindZero(n, exclude);
    }
    Set<Integer> out = new LinkedHashSet<>();
    ThreadLocalRandom r = ThreadLocalRandom.current();
    for (int tries = 0; out.size() < n; tries++) {
      if (tries > 10_000) {
        throw new IllegalStateException(
            "no " + n + " free ports between " + LOW + " and " + high + " on localhost");
      }
      int p = LOW + r.nextInt(high - LOW + 1);
      if (!out.contains(p) && !exclude.contains(p) && bindable(p)) {
        out.add(p);
      }
    }
    return List.copyOf(out);
  }

  /**
   * The first port of the kernel's ephemeral range; 32768 (the Linux default, also below the IANA
   * range 49152-65535 other systems use) when it cannot be read.
   */
  static int ephemeralLow() {
    Path f = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    // Read as a stream: Files.readString trusts the file size, which /proc files do not report
    // (it returned one byte of this file on a gVisor kernel).
    try (BufferedReader r = Files.newBufferedReader(f)) {
      String line = r.readLine();
      int low = line == null ? -1 : Integer.parseInt(line.trim().split("\\s+")[0]);
      if (low >= 1_024 && low <= 65_535) {
        return low;
      }
    } catch (IOException | RuntimeException e) {
      // fall through to the default
    }
    return 32_768;
  }

  static boolean bindable(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress("localhost", port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static List<Integer> bindZero(int n, Collection<Integer> exclude) {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      // Sockets stay open until all are chosen, so the kernel hands out distinct ports.
      while (sockets.stream().filter(s -> !exclude.contains(s.getLocalPort())).count() < n) {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress("localhost", 0));
        sockets.add(s);
      }
      return sockets.stream()
          .map(ServerSocket::getLocalPort)
          .filter(p -> !exclude.contains(p))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      for (ServerSocket s : sockets) {
        try {
          s.close();
        } catch (IOException ignored) {
          // best effort
        }
      }
    }
  }
}
