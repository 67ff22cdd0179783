package dev.loopline.feedback.console;

import dev.loopline.avro.ActorType;
import dev.loopline.avro.Correction;
import dev.loopline.avro.Deployment;
import dev.loopline.avro.DeploymentAction;
import dev.loopline.avro.ModelVersion;
import dev.loopline.config.LooplineConfig;
import dev.loopline.serde.AvroSerdes;
import dev.loopline.topics.Topics;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the console writes: a {@code Correction} on {@code corrections} (key = event id) when an
 * operator resolves a triage or audit item, confirms or re-routes a ticket; a {@code Deployment} on
 * {@code model-deployments} (key = model name) on promote or roll back, with the same record shape
 * as the retrain job's {@code ModelPublisher} and {@code ActorType.CONSOLE}. Each write waits for
 * the broker's acknowledgement (acks=all, idempotent) so the page reports only what is durable.
 */
public final class ConsoleWriter implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ConsoleWriter.class);
  private static final long SEND_TIMEOUT_S = 30;

  private final Topics topics;
  private final KafkaProducer<String, Correction> corrections;
  private final KafkaProducer<String, Deployment> deployments;

  public ConsoleWriter(LooplineConfig config, Topics topics) {
    this.topics = topics;
    Map<String, Object> serde = config.clientAndSerdeProps();
    this.corrections =
        new KafkaProducer<>(
            props(config, "corrections"),
            new StringSerializer(),
            AvroSerdes.specific(Correction.class, serde, false).serializer());
    this.deployments =
        new KafkaProducer<>(
            props(config, "deployments"),
            new StringSerializer(),
            AvroSerdes.specific(Deployment.class, serde, false).serializer());
  }

  private static Map<String, Object> props(LooplineConfig config, String what) {
    Map<String, Object> p = new HashMap<>(config.kafkaClientProps());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "loopline-console-" + what);
    return p;
  }

  /** Appends a correction; returns it once acknowledged. */
  public Correction correct(Correction c) {
    send(corrections, topics.corrections(), c.getEventId(), c);
    LOG.info(
        "console correction {} -> '{}' ({}) by {}",
        c.getEventId(),
        c.getLabel(),
        c.getSource(),
        c.getAgent());
    return c;
  }

  /** Appends a deployment naming {@code v} as serving (promote or roll back). */
  public Deployment deploy(
      ModelVersion v,
      DeploymentAction action,
      String actor,
      String reason,
      Integer previousVersion,
      Instant at) {
    Deployment d =
        Deployment.newBuilder()
            .setModelName(v.getName())
            .setVersion(v.getVersion())
            .setArtifactUri(v.getArtifactUri())
            .setSha256(v.getSha256())
            .setDeployedAt(at)
            .setAction(action)
            .setActorType(ActorType.CONSOLE)
            .setActor(actor)
            .setReason(reason)
            .setPreviousVersion(previousVersion)
            .build();
    send(deployments, topics.modelDeployments(), d.getModelName(), d);
    LOG.info(
        "{} {} v{} (was {}) by CONSOLE {}: {}",
        action,
        v.getName(),
        v.getVersion(),
        previousVersion,
        actor,
        reason);
    return d;
  }

  private static <V> void send(KafkaProducer<String, V> p, String topic, String key, V value) {
    try {
      p.send(new ProducerRecord<>(topic, key, value)).get(SEND_TIMEOUT_S, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while writing to " + topic, e);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new IllegalStateException("cannot write to " + topic + ": " + cause, cause);
    }
  }

  @Override
  public void close() {
    corrections.close();
    deployments.close();
  }
}
