package dev.loopline.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.loopline.avro.Event;
import dev.loopline.config.LooplineConfig;
import dev.loopline.registry.server.RegistryServer;
import dev.loopline.serde.AvroSerdes;
import dev.loopline.topics.TopicAdmin;
import dev.loopline.topics.TopicSpec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker whose client listener requires SASL_SSL (SCRAM-SHA-512 over TLS with a keytool-made
 * certificate): Admin/TopicAdmin, the registry's Kafka store, a producer, a consumer and an
 * exactly-once Streams app all connect using nothing but {@link LooplineConfig} settings ({@code
 * security.protocol}, {@code sasl.*}, {@code ssl.*}). The broker's second, PLAINTEXT listener is
 * for inter-broker traffic and for creating the SCRAM user only.
 */
@Tag("integration")
class SaslSslIntegrationTest {

  private static final String PASSWORD = "s3cret-pw";

  @TempDir Path dir;

  @Test
  void everyClientConnectsOverSaslSslFromLooplineConfigAlone() throws Exception {
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

    LocalCluster.Options plain =
        new LocalCluster.Options(
            dir.resolve("run"),
            FaultSuite.childClasspath(),
            1,
            0,
            0,
            0,
            Map.of(),
            Map.of(),
            FaultSuite.forwardedJvmOptions());
    // First pass allocates the ports; the second rewrites the broker config with a SASL_SSL
    // listener next to them (same run directory, same ports).
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
    try (LocalCluster cluster =
        LocalCluster.prepare(
            new LocalCluster.Options(
                plain.runDir(),
                plain.classpath(),
                1,
                0,
                0,
                0,
                broker,
                Map.of(),
                plain.jvmOptions()))) {
      cluster.startBrokers(Duration.ofMinutes(3));
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

      Map<String, String> s = new HashMap<>();
      s.put("bootstrap.servers", "localhost:" + saslPort);
      s.put("security.protocol", "SASL_SSL");
      s.put("sasl.mechanism", "SCRAM-SHA-512");
      s.put("sasl.jaas.config", jaas(PASSWORD));
      s.put("ssl.truststore.type", "PKCS12");
      s.put("ssl.truststore.location", ts.toString());
      s.put("ssl.truststore.password", PASSWORD);
      s.put("kafka.request.timeout.ms", "20000");
      LooplineConfig config = LooplineConfig.of(s);

      // Admin (TopicAdmin) over SASL_SSL; SCRAM users appear asynchronously, so retry briefly.
      await()
          .atMost(Duration.ofSeconds(60))
          .ignoreExceptions()
          .untilAsserted(
              () ->
                  TopicAdmin.ensureTopics(
                      config.kafkaClientProps(),
                      List.of(
                          new TopicSpec("sasl.events", 2, TopicSpec.DELETE),
                          new TopicSpec("sasl.out", 2, TopicSpec.DELETE)),
                      (short) 1,
                      Duration.ofSeconds(20)));

      // The registry's Kafka store (its _schemas log) over SASL_SSL.
      try (RegistryServer registry =
          RegistryServer.start(RegistryServer.Options.of(config.kafkaClientProps()).withPort(0))) {
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

      // The same listener refuses a client without the SASL settings (no silent fallback).
      LooplineConfig wrong = config.with(Map.of("sasl.jaas.config", jaas("wrong-password")));
      try (Admin admin = Admin.create(wrong.kafkaClientProps())) {
        assertThatThrownBy(() -> admin.listTopics().names().get())
            .isInstanceOf(ExecutionException.class)
            .hasMessageContaining("Authentication failed");
      }
    }
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

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("localhost", 0));
      return s.getLocalPort();
    }
  }
}
