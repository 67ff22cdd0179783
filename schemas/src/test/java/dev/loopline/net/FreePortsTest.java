package dev.loopline.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class FreePortsTest {

  @Test
  void portsAreDistinctBindableAndBelowTheEphemeralRange() throws Exception {
    int ephemeralLow = FreePorts.ephemeralLow();
    List<Integer> ports = FreePorts.take(20);
    assertThat(new HashSet<>(ports)).hasSize(20);
    for (int p : ports) {
      assertThat(p).isBetween(FreePorts.LOW, ephemeralLow - 1);
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress("localhost", p));
        assertThat(s.getLocalPort()).isEqualTo(p);
      }
    }
  }

  @Test
  void aPortInUseIsNotBindable() throws Exception {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("localhost", FreePorts.one()));
      assertThat(FreePorts.bindable(s.getLocalPort())).isFalse();
      assertThat(FreePorts.bindable(FreePorts.one())).isTrue();
    }
  }
}
