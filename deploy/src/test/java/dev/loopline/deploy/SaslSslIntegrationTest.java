package dev.loopline.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.loopline.avro.Correction;
import dev.loopline.avro.Event;
import dev.loopline.avro.LabelSource;
import dev.loopline.avro.LabeledExample;
import dev.loopline.avro.Prediction;
import dev.loopline.config.LooplineConfig;
import dev.loopline.model.artifact.ArtifactSignature;
import dev.loopline.model.store.Sha256;
import dev.loopline.registry.server.RegistryServer;
import dev.loopline.retrain.RetrainService;
import dev.loopline.retrain.job.RetrainResult;
import dev.loopline.serde.AvroSerdes;
import dev.loopline.topics.TopicAdmin;
import dev.loopline.topics.TopicSpec;
import dev.loopline.topics.Topics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A broker whose client listener requires SASL_SSL (SCRAM-SHA-512 over TLS with a keytool-made
 * certificate): Admin/TopicAdmin, the registry's Kafka store, a producer, a consumer and an
 * exactly-once Streams app all connect using nothing but {@link LooplineConfig} settings ({@code
 * security.protocol}, {@code sasl.*}, {@code ssl.*}). The broker's second, PLAINTEXT listener is
 * for inter-broker traffic and for creating the SCRAM user only.
 */
@Tag("integration")
class SaslSslIntegrationTest {

  private static final Logger LOG = LoggerFactory.getLogger(SaslSslIntegrationTest.class);
  private static final String PASSWORD = "s3cret-pw";
  private static final String CONSOLE_TOKEN = "console-viewer-token-1";
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Duration START = Duration.ofMinutes(3);

  @TempDir static Path dir;

  /** The broker (and, for the loop test, the registry, scoring and collector processes). */
  private static LocalCluster cluster;

  /** Client settings with SASL_SSL only: what an operator puts in loopline.properties. */
  private static Map<String, String> sasl;

  /** The model signing key pair: the public half is in every app's config. */
  private static KeyPair signing;

  private static Path signingPrivatePem;

  @BeforeAll
  static void saslSslBroker() throws Exception {
    Path ks = dir.resolve("broker.p12");
    Path ts = dir.resolve("truststore.p12");
    keytool(
        "-genkeypair",
        "-alias",
        "broker",
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-validity",
        "2",
        "-dname",
        "CN=localhost",
        "-ext",
        "SAN=dns:localhost,ip:127.0.0.1",
        "-storetype",
        "PKCS12",
        "-keystore",
        ks.toString(),
        "-storepass",
        PASSWORD,
        "-keypass",
        PASSWORD);
    Path cert = dir.resolve("broker.crt");
    keytool(
        "-exportcert",
        "-alias",
        "broker",
        "-keystore",
        ks.toString(),
        "-storepass",
        PASSWORD,
        "-rfc",
        "-file",
        cert.toString());
    keytool(
        "-importcert",
        "-noprompt",
        "-alias",
        "broker",
        "-file",
        cert.toString(),
        "-storetype",
        "PKCS12",
        "-keystore",
        ts.toString(),
        "-storepass",
        PASSWORD);

    // Under target/, not the temp dir: the processes' logs survive a failure for diagnosis.
    Path runDir =
        Files.createDirectories(Path.of("target", "sasl-runs"))
            .resolve("run-" + System.currentTimeMillis());
    LocalCluster.Options plain =
        new LocalCluster.Options(
            runDir,
            snapshotLooplineJars(FaultSuite.childClasspath(), runDir.resolve("lib")),
            1,
            1,
            1,
            0,
            Map.of(),
            Map.of(),
            FaultSuite.forwardedJvmOptions());
    // First pass allocates the ports; the second rewrites the broker config with a SASL_SSL
    // listener next to them (same run directory, same ports), and the apps' config with
    // SASL_SSL client settings only.
    LocalCluster first = LocalCluster.prepare(plain);
    int saslPort = freePort();
    String plainBootstrap = first.bootstrapServers();
    Map<String, String> broker = new HashMap<>();
    broker.put(
        "listeners",
        "PLAINTEXT://"
            + plainBootstrap
            + ",CONTROLLER://localhost:"
            + first.controllerPort(0)
            + ",SASL_SSL://localhost:"
            + saslPort);
    broker.put(
        "advertised.listeners",
        "PLAINTEXT://" + plainBootstrap + ",SASL_SSL://localhost:" + saslPort);
    broker.put(
        "listener.security.protocol.map",
        "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL");
    broker.put("sasl.enabled.mechanisms", "SCRAM-SHA-512");
    broker.put(
        "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required;");
    broker.put("ssl.keystore.type", "PKCS12");
    broker.put("ssl.keystore.location", ks.toString());
    broker.put("ssl.keystore.password", PASSWORD);
    broker.put("ssl.key.password", PASSWORD);

    sasl = new HashMap<>();
    sasl.put("bootstrap.servers", "localhost:" + saslPort);
    sasl.put("security.protocol", "SASL_SSL");
    sasl.put("sasl.mechanism", "SCRAM-SHA-512");
    sasl.put("sasl.jaas.config", jaas(PASSWORD));
    sasl.put("ssl.truststore.type", "PKCS12");
    sasl.put("ssl.truststore.location", ts.toAbsolutePath().toString());
    sasl.put("ssl.truststore.password", PASSWORD);
    sasl.put("kafka.request.timeout.ms", "20000");

    signing = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    Path keys = Files.createDirectories(dir.resolve("keys"));
    signingPrivatePem = keys.resolve("signing.pem");
    Files.writeString(signingPrivatePem, ArtifactSignature.toPem(signing.getPrivate()));
    Path signingPublicPem = keys.resolve("signing.pub.pem");
    Files.writeString(signingPublicPem, ArtifactSignature.toPem(signing.getPublic()));

    Map<String, String> apps = new HashMap<>(sasl);
    // Scoring verifies artifact signatures with this key (once ScoringApp builds its model
    // source with StoreModelSource.fromConfig; see docs/SECURITY.md).
    apps.put(ArtifactSignature.PUBLIC_KEY, signingPublicPem.toString());
    apps.put("topic.partitions", "2");
    apps.put("model.name", "tickets");
    apps.put("model.labels", String.join(",", ClusterFixtures.LABELS));
    apps.put("scoring.application.id", "sasl-scoring");
    apps.put("scoring.streams.commit.interval.ms", "300");
    apps.put("collector.application.id", "sasl-collector");
    apps.put("collector.streams.commit.interval.ms", "300");
    apps.put("console.auth.tokens", CONSOLE_TOKEN + ":viewer:sasl-viewer");
    cluster =
        LocalCluster.prepare(
            new LocalCluster.Options(
                plain.runDir(), plain.classpath(), 1, 1, 1, 0, broker, apps, plain.jvmOptions()));
    cluster.startBrokers(START);
    // The SCRAM user, through the broker's PLAINTEXT listener (the only use of it).
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", plainBootstrap))) {
      admin
          .alterUserScramCredentials(
              List.of(
                  new UserScramCredentialUpsertion(
                      "loopline",
                      new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192),
                      PASSWORD)))
          .all()
          .get();
    }
    // SCRAM users appear asynchronously: wait until the SASL_SSL listener lets us in.
    LooplineConfig config = LooplineConfig.of(sasl);
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .until(
            () -> {
              try (Admin admin = Admin.create(config.kafkaClientProps())) {
                admin.listTopics().names().get();
                return true;
              }
            });
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void everyClientConnectsOverSaslSslFromLooplineConfigAlone() throws Exception {
    LooplineConfig config = LooplineConfig.of(sasl);
    // Admin (TopicAdmin) over SASL_SSL.
    TopicAdmin.ensureTopics(
        config.kafkaClientProps(),
        List.of(
            new TopicSpec("sasl.events", 2, TopicSpec.DELETE),
            new TopicSpec("sasl.out", 2, TopicSpec.DELETE)),
        (short) 1,
        Duration.ofSeconds(20));

    // The registry's Kafka store over SASL_SSL (its own log: the loop test runs a registry too).
    try (RegistryServer registry =
        RegistryServer.start(
            RegistryServer.Options.of(config.kafkaClientProps())
                .withPort(0)
                .withTopic("_schemas_clients"))) {
      LooplineConfig withRegistry =
          config.with(Map.of(LooplineConfig.REGISTRY_URL, registry.url()));
      Serde<Event> events =
          AvroSerdes.specific(Event.class, withRegistry.clientAndSerdeProps(), false);

      // Producer.
      Map<String, Object> pp = new HashMap<>(withRegistry.kafkaClientProps());
      pp.put(ProducerConfig.ACKS_CONFIG, "all");
      try (KafkaProducer<String, Event> producer =
          new KafkaProducer<>(pp, new StringSerializer(), events.serializer())) {
        for (int i = 0; i < 20; i++) {
          producer.send(ClusterFixtures.eventRecord("sasl.events", i)).get();
        }
      }

      // An exactly-once Streams app.
      Properties sp = new Properties();
      sp.putAll(withRegistry.kafkaClientProps());
      sp.put(StreamsConfig.APPLICATION_ID_CONFIG, "sasl-test");
      sp.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
      sp.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
      sp.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("streams").toString());
      sp.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
      StreamsBuilder b = new StreamsBuilder();
      b.stream("sasl.events", Consumed.with(Serdes.String(), events))
          .mapValues(e -> e.getText().toUpperCase(java.util.Locale.ROOT))
          .to("sasl.out", Produced.with(Serdes.String(), Serdes.String()));
      try (KafkaStreams streams = new KafkaStreams(b.build(), sp)) {
        streams.start();
        // Consumer (read_committed).
        Map<String, Object> cp = new HashMap<>(withRegistry.kafkaClientProps());
        cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
            new KafkaConsumer<>(cp, new StringDeserializer(), new StringDeserializer())) {
          List<TopicPartition> parts =
              List.of(new TopicPartition("sasl.out", 0), new TopicPartition("sasl.out", 1));
          consumer.assign(parts);
          consumer.seekToBeginning(parts);
          await()
              .atMost(Duration.ofMinutes(2))
              .until(
                  () -> {
                    consumer.poll(Duration.ofMillis(500)).forEach(out::add);
                    return out.size() >= 20;
                  });
        }
        assertThat(out).hasSize(20);
        assertThat(out.get(0).value()).isEqualTo(out.get(0).value().toUpperCase());
      }
    }

    // The same listener refuses a wrong password (no silent fallback).
    LooplineConfig wrong = config.with(Map.of("sasl.jaas.config", jaas("wrong-password")));
    try (Admin admin = Admin.create(wrong.kafkaClientProps())) {
      assertThatThrownBy(() -> admin.listTopics().names().get())
          .isInstanceOf(ExecutionException.class)
          .hasMessageContaining("Authentication failed");
    }
  }

  /**
   * The loop itself over SASL_SSL, each part configured by its properties file alone: the registry
   * (its Kafka store), the scoring app and the feedback collector as separate processes (their real
   * {@code score} / {@code collect} commands), and the retrain job's Flink Kafka source on a local
   * MiniCluster in this JVM (the production {@link RetrainService} environment). An event is scored
   * and routed, a correction becomes feedback, the retrain job reads that feedback, trains,
   * publishes v1 (signed) and the scoring app hot-swaps to it.
   */
  @Test
  void theLoopRunsOverSaslSsl() throws Exception {
    long t0 = System.nanoTime();
    cluster.startRegistry(START);
    LooplineConfig config = cluster.config();
    assertThat(config.kafkaClientProps())
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("bootstrap.servers", sasl.get("bootstrap.servers"));
    Topics topics = Topics.from(config);

    // v0, stored apart from the retrain job's store so that the job's first version is v1.
    ClusterFixtures.StoredModel v0 =
        ClusterFixtures.train(dir.resolve("seed-models"), dir.resolve("scratch"), 0);
    ArtifactSignature.store(v0.uri(), ArtifactSignature.sign(signing.getPrivate(), v0.sha256()));
    cluster.startScoring(0, START);
    ClusterFixtures.deploy(config, v0);
    LocalCluster.awaitHttp("http://localhost:" + cluster.scoringPort(0) + "/ready", START, true);
    cluster.startCollector(0, START);
    LocalCluster.awaitHttp("http://localhost:" + cluster.collectorPort(0) + "/ready", START, true);
    LOG.info("SASL_SSL loop: scoring and collector up after {} s", seconds(t0));
    // The collector's console enforces its token auth in the deployed process.
    String triage = "http://localhost:" + cluster.collectorPort(0) + "/api/triage";
    assertThat(console(triage, null).statusCode()).isEqualTo(401);
    assertThat(console(triage, "not-" + CONSOLE_TOKEN).statusCode()).isEqualTo(401);
    assertThat(console(triage, CONSOLE_TOKEN).statusCode()).isEqualTo(200);

    // events -> scoring -> predictions + a route (routed.<label> or triage).
    int n = 120;
    try (KafkaProducer<String, Event> producer = ClusterFixtures.eventProducer(config)) {
      for (int i = 0; i < n; i++) {
        producer.send(ClusterFixtures.eventRecord(topics.events(), i));
      }
      producer.flush();
    }
    List<ConsumerRecord<String, Prediction>>[] predictions = new List[1];
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              predictions[0] =
                  ClusterFixtures.readCommitted(
                      config, Pattern.compile(Pattern.quote(topics.predictions())));
              return predictions[0].size() >= n;
            });
    assertThat(predictions[0]).allSatisfy(r -> assertThat(r.value().getModelVersion()).isZero());
    List<ConsumerRecord<String, Prediction>> routes =
        ClusterFixtures.readCommitted(
            config,
            Pattern.compile(
                Pattern.quote(topics.triage())
                    + "|"
                    + Pattern.quote(topics.routedPrefix())
                    + ".*"));
    assertThat(routes.stream().map(ConsumerRecord::key).distinct().count())
        .as("events routed or triaged")
        .isEqualTo(n);
    LOG.info("SASL_SSL loop: {} events scored and routed after {} s", n, seconds(t0));

    // corrections -> collector -> feedback.
    Map<String, Object> pp = new HashMap<>(config.kafkaClientProps());
    pp.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, Correction> producer =
        new KafkaProducer<>(
            pp,
            new StringSerializer(),
            AvroSerdes.specific(Correction.class, config.clientAndSerdeProps(), false)
                .serializer())) {
      for (int i = 0; i < n; i++) {
        Correction c =
            Correction.newBuilder()
                .setEventId("ev-" + i)
                .setLabel(ClusterFixtures.LABELS.get(i % 3))
                .setAgent("agent-" + (i % 4))
                .setCorrectedAt(ClusterFixtures.T0.plusSeconds(60 + i))
                .setSource(LabelSource.TRIAGE)
                .build();
        producer.send(new ProducerRecord<>(topics.corrections(), c.getEventId(), c));
      }
      producer.flush();
    }
    Map<String, LabeledExample> feedback = new HashMap<>();
    Map<String, Object> cp = new HashMap<>(config.kafkaClientProps());
    cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<String, LabeledExample> consumer =
        new KafkaConsumer<>(
            cp,
            new StringDeserializer(),
            AvroSerdes.specific(LabeledExample.class, config.clientAndSerdeProps(), false)
                .deserializer())) {
      List<TopicPartition> parts =
          consumer.partitionsFor(topics.feedback()).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      await()
          .atMost(Duration.ofMinutes(2))
          .until(
              () -> {
                consumer
                    .poll(Duration.ofMillis(500))
                    .forEach(r -> feedback.put(r.key(), r.value()));
                return feedback.size() >= n;
              });
    }
    assertThat(feedback).hasSize(n);
    assertThat(feedback.get("ev-4").getLabel()).isEqualTo(ClusterFixtures.LABELS.get(1));
    assertThat(feedback.get("ev-4").getPredictedByVersion()).isZero();
    LOG.info("SASL_SSL loop: {} feedback records after {} s", n, seconds(t0));

    // feedback -> the retrain job (Flink Kafka source on a local MiniCluster) -> v1, signed.
    LooplineConfig retrain =
        config.with(
            Map.of(
                "retrain.min.examples.per.class",
                "10",
                "retrain.gate.min.examples",
                "10",
                // No early-stopping split, so that train + holdout counts every example read.
                "retrain.validation.fraction",
                "0",
                "retrain.parallelism",
                "1",
                "retrain.flink.managed.memory",
                "64m",
                "retrain.lock.dir",
                dir.resolve("locks").toString(),
                "retrain.work.dir",
                dir.resolve("retrain-work").toString(),
                ArtifactSignature.PRIVATE_KEY,
                signingPrivatePem.toString()));
    RetrainResult result = new RetrainService().runOnce(retrain);
    LOG.info("SASL_SSL loop: retrain {} after {} s", result.summary(), seconds(t0));
    assertThat(result.published()).as(result.toString()).isTrue();
    assertThat(result.trainingExamples + result.holdoutExamples)
        .as("every feedback record read over SASL_SSL")
        .isEqualTo(n);
    assertThat(result.excluded).isEmpty();
    assertThat(result.version).isEqualTo(1);
    Path stored = Path.of(URI.create(result.artifactUri));
    ArtifactSignature.verify(
        signing.getPublic(),
        Sha256.of(stored),
        Files.readAllBytes(ArtifactSignature.sidecar(stored)));

    // Promoted: the scoring app follows model-deployments over SASL_SSL and swaps to v1.
    assertThat(result.verdict).isEqualTo("PROMOTED");
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () ->
                assertThat(LocalCluster.get(FaultSuite.health(cluster, 0)).body())
                    .contains("\"servingVersion\":1"));
    LOG.info("SASL_SSL loop: v1 serving after {} s", seconds(t0));
  }

  private static HttpResponse<String> console(String url, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * The child class path with Loopline's own jars copied into {@code lib}: the processes load
   * classes lazily for minutes, and a {@code mvn install} of a sibling module meanwhile (several
   * builds share ~/.m2 here) would otherwise swap a jar under a running process.
   */
  private static String snapshotLooplineJars(String classpath, Path lib) throws IOException {
    Files.createDirectories(lib);
    List<String> out = new ArrayList<>();
    for (String entry : classpath.split(java.io.File.pathSeparator)) {
      Path p = Path.of(entry);
      if (entry.contains("/dev/loopline/") && entry.endsWith(".jar") && Files.isRegularFile(p)) {
        Path copy = lib.resolve(p.getFileName());
        Files.copy(p, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        out.add(copy.toString());
      } else {
        out.add(entry);
      }
    }
    return String.join(java.io.File.pathSeparator, out);
  }

  private static long seconds(long t0) {
    return (System.nanoTime() - t0) / 1_000_000_000;
  }

  private static String jaas(String password) {
    return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"loopline\""
        + " password=\""
        + password
        + "\";";
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as("keytool " + String.join(" ", args) + ": " + out).isZero();
  }

  private static int freePort() {
    return dev.loopline.net.FreePorts.one();
  }
}
