package dev.loopline.deploy;

import dev.loopline.avro.ActorType;
import dev.loopline.avro.Correction;
import dev.loopline.avro.Deployment;
import dev.loopline.avro.DeploymentAction;
import dev.loopline.avro.Event;
import dev.loopline.avro.LabelSource;
import dev.loopline.avro.Prediction;
import dev.loopline.config.LooplineConfig;
import dev.loopline.model.artifact.ModelMetadata;
import dev.loopline.model.features.Featurizer;
import dev.loopline.model.features.FeaturizerSpec;
import dev.loopline.model.features.SparseVector;
import dev.loopline.model.store.FileModelStore;
import dev.loopline.model.train.ArtifactPackager;
import dev.loopline.model.train.TrainedModel;
import dev.loopline.model.train.Trainer;
import dev.loopline.model.train.TrainerConfig;
import dev.loopline.serde.AvroSerdes;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Test data for the cluster tests: a real trained model, events, deployments, committed reads. */
final class ClusterFixtures {

  static final List<String> LABELS = List.of("billing", "tech", "account");
  static final FeaturizerSpec SPEC =
      new FeaturizerSpec(1, 14, 2, 0, 0, 20_000, List.of(), 0x10091, true, true);

  /** Event time of event 0; recent, so broker retention never deletes test records. */
  static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.HOURS);

  private static final String[][] WORDS = {
    {"invoice", "refund", "charge", "payment", "card", "billed", "twice", "receipt", "price"},
    {"crash", "error", "bug", "install", "slow", "login", "screen", "update", "freezes"},
    {"password", "email", "profile", "delete", "close", "username", "address", "settings", "owner"}
  };
  private static final String[] FILLER = {
    "hello", "please", "help", "my", "the", "since", "yesterday", "thanks", "urgent", "again"
  };

  /** A stored artifact, as a deployment names it. */
  record StoredModel(int version, URI uri, String sha256) {}

  private ClusterFixtures() {}

  static String text(int label, long seed, long n) {
    Random r = new Random(seed * 1_000_003L + n * 31 + label);
    StringBuilder sb = new StringBuilder();
    while (sb.length() < 120) {
      String[] pool = r.nextInt(3) == 0 ? FILLER : WORDS[label];
      sb.append(pool[r.nextInt(pool.length)]).append(' ');
    }
    return sb.toString().trim();
  }

  /** Trains a small real TensorFlow model with model-core's Trainer and stores its artifact. */
  static StoredModel train(Path storeDir, Path scratch, int version) throws IOException {
    Featurizer f = new Featurizer(SPEC);
    List<SparseVector> x = new ArrayList<>();
    int n = 600;
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = i % 3;
      x.add(f.featurize(text(y[i], 7_000 + version, i), Map.of()));
    }
    TrainerConfig cfg =
        TrainerConfig.defaults().withEpochs(3, 1).withBatchSize(128).withSeed(version);
    try (TrainedModel m =
        new Trainer().train(LABELS, SPEC, x, y, List.of(), new int[0], cfg, null, null)) {
      ModelMetadata md =
          ArtifactPackager.metadata(
              m,
              SPEC,
              "tickets",
              version,
              Instant.parse("2026-03-01T00:00:00Z"),
              null,
              n,
              null,
              null,
              Map.of());
      List<ArtifactPackager.CanaryInput> canaries = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        canaries.add(new ArtifactPackager.CanaryInput(text(i, 99, i), Map.of()));
      }
      Path zip = Files.createDirectories(scratch).resolve("v" + version + ".zip");
      String sha = ArtifactPackager.write(m, md, canaries, zip);
      URI uri = new FileModelStore(storeDir).put("tickets", version, zip);
      return new StoredModel(version, uri, sha);
    }
  }

  static void deploy(LooplineConfig c, StoredModel m) {
    Deployment d =
        Deployment.newBuilder()
            .setModelName("tickets")
            .setVersion(m.version())
            .setArtifactUri(m.uri().toString())
            .setSha256(m.sha256())
            .setDeployedAt(Instant.now())
            .setAction(DeploymentAction.PROMOTE)
            .setActorType(ActorType.CLI)
            .setActor("deploy-fault-test")
            .setReason("fault test deployment of v" + m.version())
            .build();
    Map<String, Object> p = new HashMap<>(c.kafkaClientProps());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, Deployment> producer =
        new KafkaProducer<>(
            p,
            new StringSerializer(),
            AvroSerdes.specific(Deployment.class, c.clientAndSerdeProps(), false).serializer())) {
      producer.send(
          new ProducerRecord<>(
              c.get("topic.model.deployments", "model-deployments"), "tickets", d));
      producer.flush();
    }
  }

  /** An idempotent acks=all producer: a broker kill must not lose or duplicate events. */
  static KafkaProducer<String, Event> eventProducer(LooplineConfig c) {
    Map<String, Object> p = new HashMap<>(c.kafkaClientProps());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
    return new KafkaProducer<>(
        p,
        new StringSerializer(),
        AvroSerdes.specific(Event.class, c.clientAndSerdeProps(), false).serializer());
  }

  static ProducerRecord<String, Event> eventRecord(String topic, long n) {
    Event e =
        Event.newBuilder()
            .setId("ev-" + n)
            .setOccurredAt(T0.plusMillis(n))
            .setText(text((int) Math.floorMod(n * 7 + 3, 3), 1, n))
            .setAttributes(Map.of())
            .build();
    return new ProducerRecord<>(topic, null, e.getOccurredAt().toEpochMilli(), e.getId(), e);
  }

  /** An idempotent acks=all producer of agent corrections. */
  static KafkaProducer<String, Correction> correctionProducer(LooplineConfig c) {
    Map<String, Object> p = new HashMap<>(c.kafkaClientProps());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
    return new KafkaProducer<>(
        p,
        new StringSerializer(),
        AvroSerdes.specific(Correction.class, c.clientAndSerdeProps(), false).serializer());
  }

  /** The label the agent gives event {@code n}: not always the model's, on purpose. */
  static String correctedLabel(long n) {
    return LABELS.get((int) Math.floorMod(n / 10, 3));
  }

  /**
   * The agent's correction of event {@code n}, made 2 s after the event in event time (record
   * timestamp and {@code correctedAt}): the collector's stream time follows the events' clock, so
   * the prediction grace is never what decides the join.
   */
  static ProducerRecord<String, Correction> correctionRecord(String topic, long n) {
    Instant at = T0.plusMillis(n).plusSeconds(2);
    Correction c =
        Correction.newBuilder()
            .setEventId("ev-" + n)
            .setLabel(correctedLabel(n))
            .setAgent("fault-suite-agent")
            .setCorrectedAt(at)
            .setSource(LabelSource.TRIAGE)
            .build();
    return new ProducerRecord<>(topic, null, at.toEpochMilli(), c.getEventId(), c);
  }

  /** Everything committed on the topics matching {@code pattern}, read to their current end. */
  static List<ConsumerRecord<String, Prediction>> readCommitted(LooplineConfig c, Pattern pattern) {
    return readCommitted(c, pattern, Prediction.class);
  }

  /** Everything committed on the topics matching {@code pattern}, read to their current end. */
  static <T extends SpecificRecord> List<ConsumerRecord<String, T>> readCommitted(
      LooplineConfig c, Pattern pattern, Class<T> type) {
    Map<String, Object> p = new HashMap<>(c.kafkaClientProps());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
    List<ConsumerRecord<String, T>> out = new ArrayList<>();
    try (KafkaConsumer<String, T> consumer =
        new KafkaConsumer<>(
            p,
            new StringDeserializer(),
            AvroSerdes.specific(type, c.clientAndSerdeProps(), false).deserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      consumer
          .listTopics()
          .forEach(
              (topic, infos) -> {
                if (pattern.matcher(topic).matches()) {
                  infos.forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
                }
              });
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = consumer.endOffsets(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (System.nanoTime() < deadline) {
        boolean done = true;
        for (TopicPartition tp : parts) {
          done &= consumer.position(tp) >= end.get(tp);
        }
        if (done) {
          break;
        }
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }

  /** The value of a Prometheus sample line starting with {@code prefix}, summed, or 0. */
  static double metric(String scrape, String prefix) {
    double sum = 0;
    for (String line : scrape.split("\n")) {
      if (line.startsWith(prefix)) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }
}
