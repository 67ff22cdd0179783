package dev.loopline.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopline.avro.Event;
import dev.loopline.avro.Prediction;
import dev.loopline.config.LooplineConfig;
import dev.loopline.registry.client.RegistryClient;
import dev.loopline.serde.AvroSerdes;
import dev.loopline.topics.TopicAdmin;
import dev.loopline.topics.Topics;
import java.io.File;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rolling upgrade across the {@code Event} schema change (v1 -> v2, the optional {@code origin}
 * field) on real processes: one KRaft broker, the registry and two scoring JVMs of one Kafka
 * Streams application. The old scoring JVM runs with the v1 {@code Event} class first on its class
 * path (generated and compiled from {@code compat/Event-v1.avsc} into {@code
 * target/compat-v1-classes} by deploy's build), the new one with the current class. Old producers
 * write with the v1 class (loaded by its own class loader, through our serde); the new producer
 * writes v2 records with {@code origin} set.
 *
 * <p>Sequence: old producer + old instance; the new instance joins (rebalance) and the new producer
 * starts beside a fresh old producer (which registers v1 again after v2 is the latest); the old
 * instance is stopped (the roll completes) while both producers go on. Then every event has exactly
 * one prediction and one route (read_committed), {@code events.dlq} holds nothing, and while both
 * instances were up each owned partitions that received events of both writer versions and scored
 * at least those events.
 */
@Tag("integration")
class RollingUpgradeIntegrationTest {

  private static final Logger LOG = LoggerFactory.getLogger(RollingUpgradeIntegrationTest.class);
  private static final Duration START = Duration.ofMinutes(3);
  private static final String APP_ID = "rolling-upgrade";
  private static final String OLD_CLIENT = "scoring-event-v1";
  private static final String NEW_CLIENT = "scoring-event-v2";
  private static final String ORIGIN = "rolling-upgrade-test";
  private static final int BATCH = 150;

  @TempDir Path dir;

  /** Partition of every produced event (from the send acknowledgements), and its writer version. */
  private final Map<Long, Integer> partitionOf = new ConcurrentHashMap<>();

  private final Map<Long, Integer> writerOf = new ConcurrentHashMap<>();

  @Test
  void oldAndNewProducersAndScoringInstancesRunSideBySide() throws Exception {
    long t0 = System.nanoTime();
    Path runDir =
        Files.createDirectories(Path.of("target", "upgrade-runs")).resolve(dir.getFileName());
    Path v1Classes =
        Path.of(System.getProperty("loopline.deploy.classes")).resolveSibling("compat-v1-classes");
    String classpath = FaultSuite.childClasspath();

    // The old class really is the old schema, and the current one has the new field.
    Schema v1File;
    try (InputStream in = getClass().getResourceAsStream("/compat/Event-v1.avsc")) {
      v1File = new Schema.Parser().parse(in);
    }
    URLClassLoader v1Loader = new EventV1Loader(v1Classes.toUri().toURL());
    Class<?> oldEvent = v1Loader.loadClass(Event.class.getName());
    Schema v1 = (Schema) oldEvent.getField("SCHEMA$").get(null);
    assertThat(oldEvent.getClassLoader()).isSameAs(v1Loader);
    assertThat(SchemaNormalization.toParsingForm(v1))
        .isEqualTo(SchemaNormalization.toParsingForm(v1File));
    assertThat(v1.getField("origin")).isNull();
    assertThat(Event.getClassSchema().getField("origin")).isNotNull();
    assertThat(Event.getClassSchema().getFields()).hasSize(v1.getFields().size() + 1);

    Map<String, String> settings = new HashMap<>();
    settings.put("topic.partitions", "4");
    settings.put("scoring.application.id", APP_ID);
    settings.put("scoring.streams.commit.interval.ms", "500");
    settings.put("scoring.streams.producer.transaction.timeout.ms", "5000");
    settings.put("scoring.streams.consumer.session.timeout.ms", "6000");
    settings.put("scoring.streams.consumer.heartbeat.interval.ms", "1500");
    List<String> jvm = FaultSuite.forwardedJvmOptions();
    // Three views of one run directory (same ports, same data): the brokers and registry, the old
    // scoring JVM (v1 Event first on its class path) and the new one; both scoring JVMs log their
    // class loading. The client ids tell the two instances apart in the consumer group.
    try (LocalCluster base = LocalCluster.prepare(options(runDir, classpath, settings, jvm));
        LocalCluster oldGen =
            LocalCluster.prepare(
                options(
                    runDir,
                    v1Classes + File.pathSeparator + classpath,
                    with(settings, "scoring.streams.client.id", OLD_CLIENT),
                    with(jvm, classLog(runDir, "scoring-0"))));
        LocalCluster newGen =
            LocalCluster.prepare(
                options(
                    runDir,
                    classpath,
                    with(settings, "scoring.streams.client.id", NEW_CLIENT),
                    with(jvm, classLog(runDir, "scoring-1"))))) {
      base.startBrokers(START);
      base.startRegistry(START);
      LooplineConfig config = base.config();
      Topics topics = Topics.from(config);
      TopicAdmin.ensureTopics(
          config.kafkaClientProps(), topics.core(), (short) 1, Duration.ofSeconds(60));
      RegistryClient registry = RegistryClient.fromConfig(config.registryClientProps());
      assertThat(registry.compatibility(null)).isEqualTo("BACKWARD");
      ClusterFixtures.deploy(
          config, ClusterFixtures.train(runDir.resolve("models"), dir.resolve("scratch"), 1));

      // 1. Before the upgrade: old instance, old producer.
      oldGen.startScoring(0, START);
      awaitReady(base, 0);
      long next = 0;
      try (KafkaProducer<String, SpecificRecord> oldProducer = v1Producer(config, oldEvent)) {
        next = produce(oldProducer, topics.events(), next, BATCH, n -> v1Event(oldEvent, n), 1);
      }
      await()
          .atMost(START)
          .pollInterval(Duration.ofMillis(500))
          .until(() -> FaultSuite.scored(base, List.of(0)) >= BATCH);
      String subject = topics.events() + "-value";
      int v1Id = registry.lookup(subject, v1).id();

      // 2. The new instance joins; the new producer starts beside a fresh old producer.
      newGen.startScoring(1, START);
      awaitReady(base, 1);
      Map<String, Set<Integer>> during = awaitAssignment(config, topics.events(), 2);
      LOG.info("both instances up; assignment of {}: {}", topics.events(), during);
      assertThat(during).containsOnlyKeys(OLD_CLIENT, NEW_CLIENT);
      double oldBefore = FaultSuite.scored(base, List.of(0));
      double newBefore = FaultSuite.scored(base, List.of(1));
      long phase2From = next;
      try (KafkaProducer<String, Event> newProducer = ClusterFixtures.eventProducer(config);
          KafkaProducer<String, SpecificRecord> oldProducer = v1Producer(config, oldEvent)) {
        // The new producer first: v2 is the latest version when the old producer registers v1.
        next = produce(newProducer, topics.events(), next, BATCH, this::v2Event, 2);
        next = produce(oldProducer, topics.events(), next, BATCH, n -> v1Event(oldEvent, n), 1);
        next = produce(newProducer, topics.events(), next, BATCH, this::v2Event, 2);
        long phase2To = next;
        int v2Id = registry.lookup(subject, Event.getClassSchema()).id();
        assertThat(v2Id).isNotEqualTo(v1Id);
        assertThat(registry.versions(subject)).hasSize(2);
        assertThat(registry.latest(subject).id()).isEqualTo(v2Id);

        // While both ran, each instance owned partitions holding events of both writer versions,
        // and scored at least the events of its partitions.
        Map<String, Long> expected = new TreeMap<>();
        for (var member : during.entrySet()) {
          Set<Integer> owned = member.getValue();
          for (int version : List.of(1, 2)) {
            long count =
                countIn(phase2From, phase2To, n -> owned.contains(partitionOf.get(n)), version);
            assertThat(count)
                .as("v%d events in the partitions of %s", version, member.getKey())
                .isPositive();
            expected.merge(member.getKey(), count, Long::sum);
          }
        }
        await()
            .atMost(START)
            .pollInterval(Duration.ofMillis(500))
            .until(
                () ->
                    FaultSuite.scored(base, List.of(0)) - oldBefore >= expected.get(OLD_CLIENT)
                        && FaultSuite.scored(base, List.of(1)) - newBefore
                            >= expected.get(NEW_CLIENT));
        assertThat(awaitAssignment(config, topics.events(), 2))
            .as("no partition moved while both instances scored")
            .isEqualTo(during);
        LOG.info(
            "side by side: v1 id {}, v2 id {}; {} scored {} events, {} scored {}",
            v1Id,
            v2Id,
            OLD_CLIENT,
            FaultSuite.scored(base, List.of(0)) - oldBefore,
            NEW_CLIENT,
            FaultSuite.scored(base, List.of(1)) - newBefore);

        // 3. The roll completes: the old instance stops; both producers go on.
        oldGen.stop("scoring-0");
        assertThat(awaitAssignment(config, topics.events(), 1))
            .containsOnlyKeys(NEW_CLIENT)
            .containsEntry(NEW_CLIENT, Set.of(0, 1, 2, 3));
        next = produce(oldProducer, topics.events(), next, BATCH / 2, n -> v1Event(oldEvent, n), 1);
        next = produce(newProducer, topics.events(), next, BATCH / 2, this::v2Event, 2);
      }
      long total = next;

      // The old producers' bytes carry v1's id (a re-registration after v2 is a lookup), the new
      // producer's v2's.
      Map<Integer, Set<Integer>> idsByWriter = schemaIdsByWriter(config, topics.events(), total);
      assertThat(idsByWriter)
          .containsOnlyKeys(1, 2)
          .containsEntry(1, Set.of(v1Id))
          .containsEntry(2, Set.of(registry.lookup(subject, Event.getClassSchema()).id()));

      List<ConsumerRecord<String, Prediction>>[] seen = new List[1];
      await()
          .atMost(START)
          .pollInterval(Duration.ofSeconds(2))
          .until(
              () -> {
                seen[0] =
                    ClusterFixtures.readCommitted(
                        config, Pattern.compile(Pattern.quote(topics.predictions())));
                return seen[0].size() >= total;
              });
      Count predictions = Count.of(seen[0], total);
      Count routes =
          Count.of(
              ClusterFixtures.readCommitted(
                  config,
                  Pattern.compile(
                      Pattern.quote(topics.triage())
                          + "|"
                          + Pattern.quote(topics.routedPrefix())
                          + ".*")),
              total);
      long dead = endOffsets(config, Topics.dlq(topics.events()));
      LOG.info(
          "RESULT rolling upgrade: events={} (v1 {}, v2 {}) predictions lost={} duplicated={};"
              + " routes lost={} duplicated={}; dead letters {}; {} s",
          total,
          writerOf.values().stream().filter(v -> v == 1).count(),
          writerOf.values().stream().filter(v -> v == 2).count(),
          predictions.lost(),
          predictions.duplicated(),
          routes.lost(),
          routes.duplicated(),
          dead,
          (System.nanoTime() - t0) / 1_000_000_000);
      assertThat(predictions.lost()).as("events without a prediction").isZero();
      assertThat(predictions.duplicated()).as("events with two predictions").isZero();
      assertThat(routes.lost()).as("events without a route").isZero();
      assertThat(routes.duplicated()).as("events routed twice").isZero();
      assertThat(dead).as("records in %s", Topics.dlq(topics.events())).isZero();
      assertThat(seen[0]).allSatisfy(c -> assertThat(c.value().getModelVersion()).isEqualTo(1));

      // Each scoring JVM ran with the Event class it was meant to: proof from the JVM itself.
      assertThat(eventClassSource(runDir, "scoring-0")).contains(v1Classes.toUri().getPath());
      assertThat(eventClassSource(runDir, "scoring-1")).contains("loopline-schemas");

      // An old producer may also be the first to write v1 where v2 is the only version: under the
      // default BACKWARD level (and FORWARD/FULL) the registry accepts v1 after v2 as well.
      assertThat(registry.testCompatibility(subject, v1)).isTrue();
      String reverse = "rolling-upgrade-reverse-value";
      int v2First = registry.register(reverse, Event.getClassSchema());
      for (String level : List.of("FORWARD", "FULL", "BACKWARD")) {
        registry.setCompatibility(reverse, level);
        assertThat(registry.testCompatibility(reverse, v1)).as(level).isTrue();
      }
      assertThat(registry.register(reverse, v1)).isEqualTo(v1Id).isNotEqualTo(v2First);
      assertThat(registry.versions(reverse)).hasSize(2);
    } finally {
      v1Loader.close();
    }
  }

  // ---------------------------------------------------------------- helpers

  /** Events ev-0 .. ev-(total-1) without a record, and records beyond one per event. */
  record Count(long lost, long duplicated) {
    static Count of(List<? extends ConsumerRecord<String, ?>> records, long total) {
      Map<String, Long> counts = new HashMap<>();
      records.forEach(r -> counts.merge(r.key(), 1L, Long::sum));
      long lost = 0;
      for (long n = 0; n < total; n++) {
        lost += counts.containsKey("ev-" + n) ? 0 : 1;
      }
      long dup = counts.values().stream().mapToLong(c -> c - 1).sum();
      return new Count(lost, dup);
    }
  }

  /**
   * Loads {@code dev.loopline.avro.Event} (and its builder) from the v1 classes, the rest shared.
   */
  static final class EventV1Loader extends URLClassLoader {
    EventV1Loader(URL v1Classes) {
      super(new URL[] {v1Classes}, RollingUpgradeIntegrationTest.class.getClassLoader());
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (!name.equals(Event.class.getName()) && !name.startsWith(Event.class.getName() + "$")) {
        return super.loadClass(name, resolve);
      }
      synchronized (getClassLoadingLock(name)) {
        Class<?> c = findLoadedClass(name);
        if (c == null) {
          c = findClass(name);
        }
        if (resolve) {
          resolveClass(c);
        }
        return c;
      }
    }
  }

  private static LocalCluster.Options options(
      Path runDir, String classpath, Map<String, String> settings, List<String> jvm) {
    return new LocalCluster.Options(runDir, classpath, 1, 2, 0, 0, Map.of(), settings, jvm);
  }

  private static Map<String, String> with(Map<String, String> m, String key, String value) {
    Map<String, String> out = new HashMap<>(m);
    out.put(key, value);
    return out;
  }

  private static List<String> with(List<String> l, String option) {
    List<String> out = new ArrayList<>(l);
    out.add(option);
    return out;
  }

  private static String classLog(Path runDir, String name) {
    return "-Xlog:class+load=info:file="
        + runDir.toAbsolutePath().resolve("logs").resolve(name + "-classes.log");
  }

  /** The line of the JVM's class-load log that says where {@code Event} came from. */
  private static String eventClassSource(Path runDir, String name) throws Exception {
    Path log = runDir.resolve("logs").resolve(name + "-classes.log");
    try (var lines = Files.lines(log)) {
      return lines
          .filter(l -> l.contains(" " + Event.class.getName() + " source: "))
          .findFirst()
          .orElseThrow(() -> new AssertionError("Event never loaded per " + log));
    }
  }

  private static void awaitReady(LocalCluster c, int i) {
    LocalCluster.awaitHttp("http://localhost:" + c.scoringPort(i) + "/ready", START, true);
    assertThat(LocalCluster.get(FaultSuite.health(c, i)).body()).contains("\"servingVersion\":1");
  }

  private static KafkaProducer<String, SpecificRecord> v1Producer(
      LooplineConfig c, Class<?> oldEvent) {
    Map<String, Object> p = new HashMap<>(c.kafkaClientProps());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    @SuppressWarnings("unchecked")
    Class<SpecificRecord> type = (Class<SpecificRecord>) oldEvent;
    return new KafkaProducer<>(
        p,
        new StringSerializer(),
        AvroSerdes.specific(type, c.clientAndSerdeProps(), false).serializer());
  }

  /** What a producer built before the field writes: an instance of the v1 class. */
  private static SpecificRecord v1Event(Class<?> oldEvent, long n) {
    try {
      SpecificRecordBase e = (SpecificRecordBase) oldEvent.getDeclaredConstructor().newInstance();
      Event same = v2Event(n, null);
      e.put("id", same.getId());
      e.put("occurredAt", same.getOccurredAt());
      e.put("text", same.getText());
      e.put("attributes", same.getAttributes());
      return e;
    } catch (ReflectiveOperationException ex) {
      throw new IllegalStateException(ex);
    }
  }

  private Event v2Event(long n) {
    return v2Event(n, ORIGIN);
  }

  private static Event v2Event(long n, String origin) {
    Event fixture = ClusterFixtures.eventRecord("unused", n).value();
    return Event.newBuilder(fixture)
        .setAttributes(Map.of("tier", "t" + n % 3))
        .setOrigin(origin)
        .build();
  }

  interface Maker<V> {
    V make(long n);
  }

  /** Sends events n = from .. from+count-1, waits for every acknowledgement; returns the next n. */
  private <V extends SpecificRecord> long produce(
      KafkaProducer<String, V> producer,
      String topic,
      long from,
      int count,
      Maker<V> maker,
      int version)
      throws Exception {
    List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> acks =
        new ArrayList<>();
    for (long n = from; n < from + count; n++) {
      V value = maker.make(n);
      writerOf.put(n, version);
      acks.add(
          producer.send(
              new ProducerRecord<>(
                  topic, null, ClusterFixtures.T0.toEpochMilli() + n, "ev-" + n, value)));
    }
    producer.flush();
    for (int i = 0; i < acks.size(); i++) {
      partitionOf.put(from + i, acks.get(i).get().partition());
    }
    return from + count;
  }

  private long countIn(
      long from, long to, java.util.function.LongPredicate inPartitions, int version) {
    long c = 0;
    for (long n = from; n < to; n++) {
      if (inPartitions.test(n) && writerOf.get(n) == version) {
        c++;
      }
    }
    return c;
  }

  /**
   * The group's stable assignment of {@code topic}: client id prefix (the instance's {@code
   * client.id}) to partitions, once exactly {@code members} members own all partitions.
   */
  private static Map<String, Set<Integer>> awaitAssignment(
      LooplineConfig c, String topic, int members) {
    Map<String, Set<Integer>>[] out = new Map[1];
    try (Admin admin = Admin.create(c.kafkaClientProps())) {
      await()
          .atMost(START)
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                ConsumerGroupDescription g =
                    admin.describeConsumerGroups(List.of(APP_ID)).all().get().get(APP_ID);
                Map<String, Set<Integer>> a = new TreeMap<>();
                int owned = 0;
                for (MemberDescription m : g.members()) {
                  String instance =
                      m.clientId().startsWith(OLD_CLIENT)
                          ? OLD_CLIENT
                          : m.clientId().startsWith(NEW_CLIENT) ? NEW_CLIENT : m.clientId();
                  Set<Integer> parts = new TreeSet<>();
                  for (TopicPartition tp : m.assignment().topicPartitions()) {
                    if (tp.topic().equals(topic)) {
                      parts.add(tp.partition());
                    }
                  }
                  owned += parts.size();
                  a.merge(
                      instance,
                      parts,
                      (x, y) -> {
                        Set<Integer> u = new TreeSet<>(x);
                        u.addAll(y);
                        return u;
                      });
                }
                out[0] = a;
                return a.size() == members
                    && owned == 4
                    && a.values().stream().noneMatch(Set::isEmpty);
              });
    }
    return out[0];
  }

  /** Writer version (1, 2) -> schema ids in the wire bytes of events ev-0 .. ev-(total-1). */
  private Map<Integer, Set<Integer>> schemaIdsByWriter(LooplineConfig c, String topic, long total) {
    Map<Integer, Set<Integer>> out = new TreeMap<>();
    Map<String, Object> p = new HashMap<>(c.kafkaClientProps());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts =
          consumer.partitionsFor(topic).stream()
              .map(i -> new TopicPartition(topic, i.partition()))
              .toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      long read = 0;
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (read < total && System.nanoTime() < deadline) {
        for (var r : consumer.poll(Duration.ofMillis(200))) {
          read++;
          long n = Long.parseLong(new String(r.key()).substring("ev-".length()));
          byte[] b = r.value();
          assertThat(b[0]).as("magic byte").isZero();
          int id =
              ((b[1] & 0xff) << 24) | ((b[2] & 0xff) << 16) | ((b[3] & 0xff) << 8) | (b[4] & 0xff);
          out.computeIfAbsent(writerOf.get(n), k -> new TreeSet<>()).add(id);
        }
      }
      assertThat(read).as("events read back").isEqualTo(total);
    }
    return out;
  }

  /** Records ever written to {@code topic} (committed or not): the sum of its end offsets. */
  private static long endOffsets(LooplineConfig c, String topic) {
    Map<String, Object> p = new HashMap<>(c.kafkaClientProps());
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts =
          consumer.partitionsFor(topic).stream()
              .map(i -> new TopicPartition(topic, i.partition()))
              .toList();
      return consumer.endOffsets(parts).values().stream().mapToLong(Long::longValue).sum();
    }
  }
}
