package dev.loopline.registry.server;

import static dev.loopline.registry.server.Http.schemaBody;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durability: the registry runs as its own process, is killed with SIGKILL, and a fresh process on
 * the same log topic serves the same ids; the next registration gets a new id. Also two instances
 * sharing one topic agree and never hand out the same id for different schemas.
 */
@Tag("integration")
class RegistryRestartIntegrationTest {

  private static final Pattern LISTENING =
      Pattern.compile("schema registry listening on (http://\\S+)");

  static String schema(String name) {
    return "{\"type\":\"record\",\"name\":\""
        + name
        + "\",\"namespace\":\"test\",\"fields\":[{\"name\":\"id\",\"type\":\"string\"}]}";
  }

  @Test
  void freshProcessServesSameIdsAfterKill9(@TempDir Path dir) throws Exception {
    String topic = "_schemas_kill";
    Process first = startProcess(topic, dir.resolve("first.log"));
    int idA;
    int idB;
    try {
      Http http = new Http(awaitUrl(first, dir.resolve("first.log")));
      idA =
          http.post("/subjects/kill-a-value/versions", schemaBody(schema("A")))
              .json()
              .path("id")
              .asInt();
      idB =
          http.post("/subjects/kill-b-value/versions", schemaBody(schema("B")))
              .json()
              .path("id")
              .asInt();
      assertThat(idA).isNotEqualTo(idB);
    } finally {
      first.destroyForcibly();
      assertThat(first.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    }
    assertThat(first.exitValue()).isEqualTo(137);

    Process second = startProcess(topic, dir.resolve("second.log"));
    try {
      Http http = new Http(awaitUrl(second, dir.resolve("second.log")));
      assertThat(http.get("/schemas/ids/" + idA).json().path("schema").asText()).contains("\"A\"");
      assertThat(http.get("/schemas/ids/" + idB).json().path("schema").asText()).contains("\"B\"");
      assertThat(http.get("/subjects/kill-a-value/versions/1").json().path("id").asInt())
          .isEqualTo(idA);
      assertThat(
              http.post("/subjects/kill-b-value/versions", schemaBody(schema("B")))
                  .json()
                  .path("id")
                  .asInt())
          .isEqualTo(idB);
      int idC =
          http.post("/subjects/kill-c-value/versions", schemaBody(schema("C")))
              .json()
              .path("id")
              .asInt();
      assertThat(idC).isGreaterThan(Math.max(idA, idB));
    } finally {
      second.destroyForcibly();
      second.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  @Test
  void twoInstancesOnOneTopicNeverCollide() throws Exception {
    RegistryServer.Options options =
        RegistryServer.Options.of(TestKafka.clientProps()).withTopic("_schemas_pair");
    try (RegistryServer a = RegistryServer.start(options);
        RegistryServer b = RegistryServer.start(options)) {
      Http ha = new Http(a.url());
      Http hb = new Http(b.url());
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        List<Callable<Integer>> calls = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
          Http h = i % 2 == 0 ? ha : hb;
          String name = "P" + i;
          calls.add(
              () ->
                  h.post("/subjects/pair-" + name + "-value/versions", schemaBody(schema(name)))
                      .json()
                      .path("id")
                      .asInt());
        }
        List<Integer> ids = new java.util.ArrayList<>();
        for (Future<Integer> f : pool.invokeAll(calls)) {
          ids.add(f.get());
        }
        assertThat(ids).doesNotHaveDuplicates().allMatch(id -> id > 0);
        // Both instances converge on the same id -> schema mapping.
        for (int i = 0; i < ids.size(); i++) {
          int id = ids.get(i);
          String expected = "\"P" + i + "\"";
          await()
              .atMost(Duration.ofSeconds(10))
              .untilAsserted(
                  () -> {
                    assertThat(ha.get("/schemas/ids/" + id).json().path("schema").asText())
                        .contains(expected);
                    assertThat(hb.get("/schemas/ids/" + id).json().path("schema").asText())
                        .contains(expected);
                  });
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  private static Process startProcess(String topic, Path log) throws IOException {
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(
            java,
            "-Xmx128m",
            "-XX:TieredStopAtLevel=1",
            "-cp",
            classpath,
            RegistryServerMain.class.getName(),
            "--bootstrap-servers",
            TestKafka.bootstrapServers(),
            "--port",
            "0",
            "--topic",
            topic)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }

  private static String awaitUrl(Process p, Path log) {
    String[] url = new String[1];
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              if (!p.isAlive()) {
                throw new AssertionError("registry process died: " + read(log));
              }
              Matcher m = LISTENING.matcher(read(log));
              if (m.find()) {
                url[0] = m.group(1);
                return true;
              }
              return false;
            });
    return url[0];
  }

  private static String read(Path log) throws IOException {
    File f = log.toFile();
    return f.exists() ? Files.readString(log, StandardCharsets.UTF_8) : "";
  }
}
