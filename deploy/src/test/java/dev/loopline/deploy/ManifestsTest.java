package dev.loopline.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The manifests cannot be applied here (no Docker, no Kubernetes), so this parses every YAML file
 * under {@code deploy/} and checks the properties the sizing and reliability notes rely on.
 */
class ManifestsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path DEPLOY = Path.of(System.getProperty("loopline.deploy.dir", "."));

  @Test
  void everyYamlFileParses() throws IOException {
    List<Path> files = yamlFiles();
    assertThat(files)
        .extracting(p -> DEPLOY.relativize(p).toString())
        .contains(
            "k8s/kafka.yaml",
            "k8s/flink.yaml",
            "k8s/apps.yaml",
            "k8s/topics.yaml",
            "compose/docker-compose.yml",
            "kustomization.yaml");
    for (Path f : files) {
      assertThat(docs(f)).as(f.toString()).isNotEmpty();
    }
  }

  @Test
  void kubernetesObjectsHaveKindAndNameAndKustomizeListsExistingFiles() throws IOException {
    for (Path f : yamlFiles()) {
      if (!f.startsWith(DEPLOY.resolve("k8s"))) {
        continue;
      }
      for (JsonNode d : docs(f)) {
        assertThat(d.path("apiVersion").asText()).as(f + " apiVersion").isNotBlank();
        assertThat(d.path("kind").asText()).as(f + " kind").isNotBlank();
        assertThat(d.path("metadata").path("name").asText()).as(f + " name").isNotBlank();
      }
    }
    JsonNode k = docs(DEPLOY.resolve("kustomization.yaml")).get(0);
    for (JsonNode r : k.path("resources")) {
      assertThat(DEPLOY.resolve(r.asText())).as("kustomize resource").exists();
    }
  }

  @Test
  void kafkaIsReplicatedThreeWaysWithMinIsrTwoAndScramOverTls() throws IOException {
    Map<String, JsonNode> byKind = byKind(DEPLOY.resolve("k8s/kafka.yaml"));
    JsonNode kafka = byKind.get("Kafka").path("spec").path("kafka");
    assertThat(kafka.path("config").path("default.replication.factor").asInt()).isEqualTo(3);
    assertThat(kafka.path("config").path("min.insync.replicas").asInt()).isEqualTo(2);
    assertThat(kafka.path("listeners").get(0).path("tls").asBoolean()).isTrue();
    assertThat(kafka.path("listeners").get(0).path("authentication").path("type").asText())
        .isEqualTo("scram-sha-512");
    assertThat(byKind.get("KafkaNodePool").path("spec").path("replicas").asInt()).isEqualTo(3);
  }

  @Test
  void scoringReplicasDoNotExceedEventPartitionsAndAppsAreReadyOnlyWhenServing()
      throws IOException {
    int eventPartitions = 0;
    for (JsonNode t : docs(DEPLOY.resolve("k8s/topics.yaml"))) {
      assertThat(t.path("spec").path("replicas").asInt()).isEqualTo(3);
      if (t.path("metadata").path("name").asText().equals("events")) {
        eventPartitions = t.path("spec").path("partitions").asInt();
      }
    }
    assertThat(eventPartitions).isPositive();
    Map<String, JsonNode> deployments = new java.util.HashMap<>();
    for (JsonNode d : docs(DEPLOY.resolve("k8s/apps.yaml"))) {
      if (d.path("kind").asText().equals("Deployment")) {
        deployments.put(d.path("metadata").path("name").asText(), d);
      }
    }
    for (String app : List.of("loopline-scoring", "loopline-collector")) {
      JsonNode spec = deployments.get(app).path("spec");
      assertThat(spec.path("replicas").asInt()).isBetween(2, eventPartitions);
      JsonNode c = spec.path("template").path("spec").path("containers").get(0);
      assertThat(c.path("readinessProbe").path("httpGet").path("path").asText())
          .isEqualTo("/ready");
    }
  }

  @Test
  void flinkTaskManagersRequestAGpuAndExposeItAsAnExternalResource() throws IOException {
    JsonNode fd = byKind(DEPLOY.resolve("k8s/flink.yaml")).get("FlinkDeployment").path("spec");
    assertThat(
            fd.path("flinkConfiguration")
                .path("external-resource.gpu.kubernetes.config-key")
                .asText())
        .isEqualTo("nvidia.com/gpu");
    JsonNode tm = fd.path("taskManager").path("podTemplate").path("spec").path("containers").get(0);
    assertThat(tm.path("resources").path("limits").path("nvidia.com/gpu").asInt()).isEqualTo(1);
  }

  @Test
  void composeRunsThreeBrokersAndTwoInstancesOfEachApp() throws IOException {
    JsonNode services = docs(DEPLOY.resolve("compose/docker-compose.yml")).get(0).path("services");
    assertThat(services.fieldNames())
        .toIterable()
        .contains(
            "kafka-1",
            "kafka-2",
            "kafka-3",
            "registry",
            "scoring",
            "collector",
            "jobmanager",
            "taskmanager");
    assertThat(services.path("scoring").path("deploy").path("replicas").asInt()).isEqualTo(2);
    assertThat(services.path("collector").path("deploy").path("replicas").asInt()).isEqualTo(2);
    // Anchors and merge keys ("<<: *kafkaEnv") resolved as compose resolves them.
    JsonNode env = services.path("kafka-2").path("environment");
    assertThat(env.path("KAFKA_MIN_INSYNC_REPLICAS").asInt()).isEqualTo(2);
    assertThat(env.path("KAFKA_NODE_ID").asInt()).isEqualTo(2);
    assertThat(services.path("scoring").path("image").asText()).isNotBlank();
  }

  private static Map<String, JsonNode> byKind(Path f) throws IOException {
    return docs(f).stream()
        .collect(Collectors.toMap(d -> d.path("kind").asText(), d -> d, (a, b) -> a));
  }

  /**
   * Every document of a YAML file. SnakeYAML (under Jackson's YAML module) resolves anchors,
   * aliases and merge keys, which Jackson's streaming parser leaves unresolved.
   */
  private static List<JsonNode> docs(Path f) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    try (var r = Files.newBufferedReader(f)) {
      for (Object doc : new org.yaml.snakeyaml.Yaml().loadAll(r)) {
        if (doc != null) {
          out.add(JSON.valueToTree(doc));
        }
      }
    }
    return out;
  }

  private static List<Path> yamlFiles() throws IOException {
    try (Stream<Path> s = Files.walk(DEPLOY)) {
      return s.filter(p -> p.toString().matches(".*\\.ya?ml$"))
          .filter(p -> !p.toString().contains("/target/") && !p.toString().contains("/.run/"))
          .sorted()
          .toList();
    }
  }
}
