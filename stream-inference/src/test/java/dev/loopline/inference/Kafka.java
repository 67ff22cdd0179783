package dev.loopline.inference;

import dev.loopline.avro.ActorType;
import dev.loopline.avro.Deployment;
import dev.loopline.avro.DeploymentAction;
import dev.loopline.avro.Event;
import dev.loopline.avro.Prediction;
import dev.loopline.config.LooplineConfig;
import dev.loopline.serde.AvroSerdes;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Small Kafka and HTTP helpers shared by the integration tests. */
public final class Kafka {

  /**
   * Event time of event 0. Recent on purpose: the broker's retention (7 days by default) would
   * delete records stamped with an older fixed instant in the middle of a test.
   */
  public static final Instant T0 = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.HOURS);

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private Kafka() {}

  public static KafkaProducer<String, Event> eventProducer(LooplineConfig c) {
    Map<String, Object> p = new HashMap<>(c.kafkaClientProps());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    return new KafkaProducer<>(
        p,
        new StringSerializer(),
        AvroSerdes.specific(Event.class, c.clientAndSerdeProps(), false).serializer());
  }

  public static Event event(long n) {
    String id = "ev-" + n;
    return Event.newBuilder()
        .setId(id)
        .setOccurredAt(T0.plusMillis(n))
        .setText(TestTickets.text(TestTickets.labelOf(n), 1, n))
        .setAttributes(Map.of())
        .build();
  }

  public static ProducerRecord<String, Event> eventRecord(String topic, long n) {
    Event e = event(n);
    return new ProducerRecord<>(topic, null, e.getOccurredAt().toEpochMilli(), e.getId(), e);
  }

  public static void deploy(
      LooplineConfig c, String topic, TestModels.StoredModel m, String sha256Override) {
    Deployment d =
        Deployment.newBuilder()
            .setModelName("tickets")
            .setVersion(m.version())
            .setArtifactUri(m.uri().toString())
            .setSha256(sha256Override != null ? sha256Override : m.sha256())
            .setDeployedAt(Instant.now())
            .setAction(DeploymentAction.PROMOTE)
            .setActorType(ActorType.CLI)
            .setActor("integration-test")
            .setReason("test deployment of v" + m.version())
            .build();
    Map<String, Object> p = new HashMap<>(c.kafkaClientProps());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, Deployment> producer =
        new KafkaProducer<>(
            p,
            new StringSerializer(),
            AvroSerdes.specific(Deployment.class, c.clientAndSerdeProps(), false).serializer())) {
      producer.send(new ProducerRecord<>(topic, "tickets", d));
      producer.flush();
    }
  }

  /** Everything committed on the topics matching {@code pattern}, read to their current end. */
  public static List<ConsumerRecord<String, Prediction>> readCommitted(
      LooplineConfig c, Pattern pattern) {
    Map<String, Object> p = new HashMap<>(c.kafkaClientProps());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
    List<ConsumerRecord<String, Prediction>> out = new ArrayList<>();
    try (KafkaConsumer<String, Prediction> consumer =
        new KafkaConsumer<>(
            p,
            new StringDeserializer(),
            AvroSerdes.specific(Prediction.class, c.clientAndSerdeProps(), false).deserializer())) {
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
      consumer.close(Duration.ZERO);
    }
    return out;
  }

  /** GET {@code url}: status and body, or status -1 when nothing answers. */
  public static HttpResponse<String> get(String url) {
    try {
      return HTTP.send(
          HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** The value of a Prometheus sample line starting with {@code prefix}, summed, or 0. */
  public static double metric(String scrape, String prefix) {
    double sum = 0;
    for (String line : scrape.split("\n")) {
      if (line.startsWith(prefix)) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }
}
