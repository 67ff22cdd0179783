package dev.loopline.model.tf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TensorFlow Java and DJL in one JVM share ONE copy of the natives, from the configured directory,
 * with nothing downloaded.
 */
@Tag("integration")
class TensorFlowNativesIntegrationTest {

  @Test
  void trainingAndServingLoadOneCopyFromTheNativesDirectory() throws IOException {
    TensorFlowNatives.ensureLoaded();
    TensorFlowNatives.ensureLoaded(); // idempotent
    Path dir = TensorFlowNatives.directory();
    for (String lib : TensorFlowNatives.LIBRARIES) {
      assertThat(dir.resolve(lib)).isRegularFile();
    }
    assertThat(org.tensorflow.TensorFlow.version()).isEqualTo("2.16.1");
    Engine djl = Engine.getEngine("TensorFlow");
    assertThat(djl.getVersion()).isEqualTo("2.16.1");
    assertThat(System.getProperty("TENSORFLOW_LIBRARY_PATH")).isEqualTo(dir.toString());
    assertThat(System.getProperty("ai.djl.offline")).isEqualTo("true");

    List<String> maps = Files.readAllLines(Path.of("/proc/self/maps"));
    for (String lib : TensorFlowNatives.LIBRARIES) {
      Set<String> paths =
          maps.stream()
              .filter(l -> l.endsWith("/" + lib))
              .map(l -> l.substring(l.indexOf('/')))
              .collect(Collectors.toSet());
      assertThat(paths).as(lib).containsExactly(dir.resolve(lib).toString());
    }
  }

  @Test
  void anExistingCompleteDirectoryIsReusedAndAnIncompleteOneIsReported(@TempDir Path tmp)
      throws IOException {
    Path complete = tmp.resolve("complete");
    Files.createDirectories(complete);
    for (String lib : TensorFlowNatives.LIBRARIES) {
      Files.writeString(complete.resolve(lib), "stub");
    }
    TensorFlowNatives.extractIfMissing(complete); // nothing to do: nothing rewritten
    assertThat(Files.readString(complete.resolve(TensorFlowNatives.LIBRARIES.get(0))))
        .isEqualTo("stub");

    Path partial = tmp.resolve("partial");
    Files.createDirectories(partial);
    Files.writeString(partial.resolve("libjnitensorflow.so"), "stub");
    assertThat(TensorFlowNatives.complete(partial)).isFalse();
    assertThatThrownBy(() -> TensorFlowNatives.extractIfMissing(partial))
        .hasMessageContaining("lacks the TensorFlow libraries");
  }
}
