package dev.loopline.retrain.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.junit.jupiter.api.Test;

class DeviceChoiceTest {

  private static ExternalResourceInfo gpu(String index) {
    return new ExternalResourceInfo() {
      @Override
      public Optional<String> getProperty(String key) {
        return "index".equals(key) ? Optional.of(index) : Optional.empty();
      }

      @Override
      public Collection<String> getKeys() {
        return List.of("index");
      }
    };
  }

  @Test
  void noGpuReportedMeansCpu() {
    assertThat(DeviceChoice.choose("auto", Set.of())).isEqualTo("cpu");
    assertThat(DeviceChoice.choose(null, null)).isEqualTo("cpu");
    assertThat(DeviceChoice.describe(Set.of())).isEqualTo("none");
  }

  @Test
  void aReportedGpuMeansGpu() {
    assertThat(DeviceChoice.choose("auto", Set.of(gpu("0")))).isEqualTo("gpu");
    assertThat(DeviceChoice.describe(Set.of(gpu("1")))).isEqualTo("1");
  }

  @Test
  void configCanForceEither() {
    assertThat(DeviceChoice.choose("cpu", Set.of(gpu("0")))).isEqualTo("cpu");
    assertThat(DeviceChoice.choose("GPU", Set.of())).isEqualTo("gpu");
    assertThatThrownBy(() -> DeviceChoice.choose("tpu", Set.of()))
        .hasMessageContaining("retrain.device");
  }
}
