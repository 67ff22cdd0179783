package dev.loopline.feedback.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loopline.avro.LabeledExample;
import dev.loopline.config.LooplineConfig;
import dev.loopline.serde.AvroSerdes;
import io.javalin.http.sse.SseClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live corrections for the console: a consumer with no group, assigned every partition of {@code
 * feedback} from its end (read_committed, so only what the exactly-once collector committed),
 * pushes each new labeled example to the connected server-sent-event clients. Each collector
 * instance tails all partitions, so a console on any instance sees every correction. Tombstones
 * (forget) are sent as {@code forgotten} events carrying only the id.
 */
public final class LiveFeed implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LiveFeed.class);

  private final TopicTail tail;
  private final Deserializer<LabeledExample> reader;
  private final ObjectMapper json;
  private final List<SseClient> clients = new CopyOnWriteArrayList<>();

  private LiveFeed(LooplineConfig config, ObjectMapper json) {
    this.tail = new TopicTail(config, "loopline-console-live", "latest");
    this.reader =
        AvroSerdes.specific(LabeledExample.class, config.clientAndSerdeProps(), false)
            .deserializer();
    this.json = json;
  }

  /** Starts tailing {@code feedbackTopic} from its current end. */
  public static LiveFeed start(LooplineConfig config, String feedbackTopic, ObjectMapper json) {
    LiveFeed feed = new LiveFeed(config, json);
    feed.tail.assign(List.of(feedbackTopic), true);
    feed.tail.start(
        "console-live-feed",
        Duration.ofMillis(250),
        feed::publish,
        "live feed stopped; the console's live list no longer updates");
    return feed;
  }

  /** Registers an SSE client (kept open until it disconnects). */
  public void connect(SseClient client) {
    client.keepAlive();
    client.onClose(() -> clients.remove(client));
    clients.add(client);
    client.sendComment("connected");
  }

  /** Connected clients, for /health. */
  public int clients() {
    return clients.size();
  }

  private void publish(ConsumerRecord<String, byte[]> r) {
    String event;
    String data;
    try {
      if (r.value() == null) {
        event = "forgotten";
        data = json.writeValueAsString(Map.of("eventId", String.valueOf(r.key())));
      } else {
        event = "correction";
        data = json.writeValueAsString(view(reader.deserialize(r.topic(), r.headers(), r.value())));
      }
    } catch (Exception e) {
      LOG.warn(
          "live feed skips unreadable record {}-{}@{}: {}",
          r.topic(),
          r.partition(),
          r.offset(),
          e.toString());
      return;
    }
    for (SseClient c : clients) {
      try {
        if (c.terminated()) {
          clients.remove(c);
        } else {
          c.sendEvent(event, data);
        }
      } catch (RuntimeException e) {
        clients.remove(c);
      }
    }
  }

  /** What the page shows of one labeled example (the same names as /api/corrections/recent). */
  static Map<String, Object> view(LabeledExample x) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("eventId", x.getEventId());
    m.put("text", x.getText());
    m.put("attributes", x.getAttributes());
    m.put("label", x.getLabel());
    m.put("source", x.getSource().name());
    m.put("labeledBy", x.getLabeledBy());
    m.put("labeledAt", x.getLabeledAt().toString());
    m.put("predictedLabel", x.getPredictedLabel());
    m.put("predictedProbability", x.getPredictedProbability());
    m.put(
        "predictedBy",
        x.getPredictedByModel() == null
            ? null
            : x.getPredictedByModel() + ":" + x.getPredictedByVersion());
    m.put("correct", x.getCorrect());
    return m;
  }

  @Override
  public void close() {
    tail.close();
    for (SseClient c : clients) {
      try {
        c.close();
      } catch (RuntimeException e) {
        // already gone
      }
    }
    clients.clear();
  }
}
