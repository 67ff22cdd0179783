package dev.loopline.feedback.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loopline.avro.ActorType;
import dev.loopline.avro.Correction;
import dev.loopline.avro.Deployment;
import dev.loopline.avro.DeploymentAction;
import dev.loopline.avro.Event;
import dev.loopline.avro.LabelProbability;
import dev.loopline.avro.LabelSource;
import dev.loopline.avro.Lineage;
import dev.loopline.avro.Metrics;
import dev.loopline.avro.ModelVersion;
import dev.loopline.avro.Prediction;
import dev.loopline.avro.Verdict;
import dev.loopline.config.LooplineConfig;
import dev.loopline.embedded.EmbeddedPlatform;
import dev.loopline.feedback.CollectorApp;
import dev.loopline.feedback.IsolatedTopics;
import dev.loopline.serde.AvroSerdes;
import dev.loopline.topics.Topics;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;

/**
 * The ops console against a running collector on the shared embedded KRaft broker and registry:
 * roles enforced by the API itself, promote/rollback appending Deployments with the user as actor,
 * and, in headless Debian Chromium driven by Selenium, a live correction, a triage item resolved
 * into a Correction on Kafka, and script in ticket text and attributes rendered as text.
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleIntegrationTest {

  // Close to now, not a fixed date: the real broker applies the topics' time retention to record
  // timestamps, and the collector's retention (stream time) would expire an old event as soon as
  // the console writes a correction stamped now.
  private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.HOURS);
  private static final String OPERATOR = "op-" + UUID.randomUUID();
  private static final String VIEWER = "view-" + UUID.randomUUID();
  private static final File CHROMIUM = new File("/usr/bin/chromium");
  private static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");
  private static final String XSS_TEXT =
      "<script>window.__xss=1</script><img src=x onerror=\"window.__xss=2\"> my card was charged";
  private static final String XSS_ATTR = "\"><script>window.__xss=3</script>";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path stateDir;
  private static LooplineConfig config;
  private static Topics topics;
  private static CollectorApp app;
  private static String base;
  private static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    config =
        EmbeddedPlatform.shared()
            .config()
            .with(
                Map.of(
                    "collector.application.id",
                    "console-it-" + UUID.randomUUID(),
                    "collector.state.dir",
                    stateDir.toString(),
                    "collector.http.port",
                    "0",
                    "collector.streams.commit.interval.ms",
                    "100",
                    "model.name",
                    "console-it-model",
                    "console.auth.tokens",
                    OPERATOR + ":operator:olga," + VIEWER + ":viewer"))
            .with(IsolatedTopics.overrides("console-it"));
    topics = Topics.from(config);
    app = CollectorApp.start(config);
    base = "http://127.0.0.1:" + app.httpPort();
    // Two versions of the model: v1 serving (deployed by the gate), v2 a candidate.
    send(topics.modelVersions(), "console-it-model:1", version(1, Verdict.PROMOTED));
    send(topics.modelVersions(), "console-it-model:2", version(2, Verdict.CANDIDATE));
    send(
        topics.modelDeployments(),
        "console-it-model",
        Deployment.newBuilder()
            .setModelName("console-it-model")
            .setVersion(1)
            .setArtifactUri("file:///models/1.zip")
            .setSha256("aa")
            .setDeployedAt(T0)
            .setAction(DeploymentAction.PROMOTE)
            .setActorType(ActorType.GATE)
            .setActor("gate")
            .setReason("first version")
            .build());
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  @Test
  @Order(1)
  void theApiEnforcesRolesItself() throws Exception {
    await().atMost(Duration.ofSeconds(60)).until(() -> get("/ready", null).statusCode() == 200);
    assertThat(get("/api/triage", null).statusCode()).isEqualTo(401);
    assertThat(get("/api/triage", "not-a-token").statusCode()).isEqualTo(401);
    assertThat(get("/api/live", null).statusCode()).isEqualTo(401);
    assertThat(get("/api/triage", VIEWER).statusCode()).isEqualTo(200);
    JsonNode who = JSON.readTree(get("/api/whoami", VIEWER).body());
    assertThat(who.get("role").asText()).isEqualTo("VIEWER");

    String correction = "{\"eventId\":\"e-1\",\"label\":\"refunds\",\"source\":\"TRIAGE\"}";
    HttpResponse<String> denied = post("/api/corrections", VIEWER, correction);
    assertThat(denied.statusCode()).isEqualTo(403);
    assertThat(denied.body()).contains("operator role is required");
    assertThat(post("/api/models/promote", VIEWER, "{\"version\":2,\"reason\":\"x\"}").statusCode())
        .isEqualTo(403);
    assertThat(post("/api/models/rollback", VIEWER, "{\"reason\":\"x\"}").statusCode())
        .isEqualTo(403);
    assertThat(post("/api/corrections", null, correction).statusCode()).isEqualTo(401);

    // Operators are validated too: only human label sources, a reason for deployments.
    assertThat(
            post(
                    "/api/corrections",
                    OPERATOR,
                    "{\"eventId\":\"e-1\",\"label\":\"refunds\",\"source\":\"IMPLICIT\"}")
                .statusCode())
        .isEqualTo(400);
    assertThat(post("/api/models/promote", OPERATOR, "{\"version\":2}").statusCode())
        .isEqualTo(400);
    assertThat(post("/api/models/promote", OPERATOR, "{\"version\":9,\"reason\":\"r\"}"))
        .extracting(HttpResponse::statusCode, HttpResponse::body)
        .satisfies(r -> assertThat(r.get(0)).isEqualTo(400))
        .satisfies(r -> assertThat((String) r.get(1)).contains("no version 9"));
    assertThat(post("/api/corrections", OPERATOR, "{not json").statusCode()).isEqualTo(400);

    // The page: a strict CSP, and JSON that escapes markup characters.
    HttpResponse<String> page = get("/console/", null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Security-Policy"))
        .hasValueSatisfying(v -> assertThat(v).contains("script-src 'self'"));
    assertThat(get("/webjars/chart.js/4.4.1/dist/chart.umd.js", null).statusCode()).isEqualTo(200);
    assertThat(get("/metrics", null).statusCode()).isEqualTo(200);
  }

  @Test
  @Order(2)
  void promoteAndRollbackAppendDeploymentsWithTheUserAsActor() throws Exception {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> JSON.readTree(get("/api/models", VIEWER).body()).path("serving").asInt() == 1);
    JsonNode models = JSON.readTree(get("/api/models", VIEWER).body());
    assertThat(models.get("versions").get(0).get("status").asText()).isEqualTo("CANDIDATE");
    assertThat(models.get("versions").get(1).get("status").asText()).isEqualTo("SERVING");
    // The correction-to-production latency from the lineage, per version and the latest one.
    assertThat(models.get("versions").get(0).get("correctionToProduction").isNull()).isTrue();
    JsonNode c2p = models.get("versions").get(1).get("correctionToProduction");
    assertThat(c2p.get("millis").asLong()).isEqualTo(42_300L);
    assertThat(c2p.get("triggeringEventId").asText()).isEqualTo("ev-trigger");
    assertThat(c2p.get("triggeringCorrectionAt").asText())
        .isEqualTo(T0.minusSeconds(7200).toString());
    assertThat(models.get("latestCorrectionToProduction").get("version").asInt()).isEqualTo(1);
    assertThat(models.get("latestCorrectionToProduction").get("millis").asLong())
        .isEqualTo(42_300L);

    assertThat(
            post("/api/models/promote", OPERATOR, "{\"version\":1,\"reason\":\"r\"}").statusCode())
        .as("the serving version")
        .isEqualTo(409);
    HttpResponse<String> promoted =
        post("/api/models/promote", OPERATOR, "{\"version\":2,\"reason\":\"better macro-F1\"}");
    assertThat(promoted.statusCode()).as(promoted.body()).isEqualTo(202);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> JSON.readTree(get("/api/models", VIEWER).body()).path("serving").asInt() == 2);
    HttpResponse<String> rolledBack =
        post("/api/models/rollback", OPERATOR, "{\"reason\":\"complaints about v2\"}");
    assertThat(rolledBack.statusCode()).as(rolledBack.body()).isEqualTo(202);

    List<Deployment> trail =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> readAll(topics.modelDeployments(), Deployment.class),
                l ->
                    l.stream().filter(d -> d.getModelName().equals("console-it-model")).count()
                        >= 3);
    List<Deployment> mine =
        trail.stream().filter(d -> d.getModelName().equals("console-it-model")).toList();
    Deployment promote = mine.get(1);
    assertThat(promote.getAction()).isEqualTo(DeploymentAction.PROMOTE);
    assertThat(promote.getVersion()).isEqualTo(2);
    assertThat(promote.getPreviousVersion()).isEqualTo(1);
    assertThat(promote.getActorType()).isEqualTo(ActorType.CONSOLE);
    assertThat(promote.getActor()).isEqualTo("olga");
    assertThat(promote.getReason()).isEqualTo("better macro-F1");
    assertThat(promote.getArtifactUri()).isEqualTo("file:///models/2.zip");
    Deployment rollback = mine.get(2);
    assertThat(rollback.getAction()).isEqualTo(DeploymentAction.ROLLBACK);
    assertThat(rollback.getVersion()).isEqualTo(1);
    assertThat(rollback.getPreviousVersion()).isEqualTo(2);
    assertThat(rollback.getActor()).isEqualTo("olga");
  }

  @Test
  @Order(3)
  void browserSeesLiveCorrectionsResolvesTriageAndShowsScriptAsText() throws Exception {
    assumeTrue(
        CHROMIUM.canExecute() && CHROMEDRIVER.canExecute(),
        "Debian's chromium and chromium-driver are not installed (/usr/bin/chromium,"
            + " /usr/bin/chromedriver): run .ci/install-browser.sh; skipping the browser test");
    String run = UUID.randomUUID().toString().substring(0, 8);
    String triageId = "triage-" + run;
    String auditId = "audit-" + run;
    String liveId = "live-" + run;
    ticket(triageId, XSS_TEXT, Map.of("channel", XSS_ATTR), "TRIAGE", false, 0.51);
    ticket(auditId, "please refund my order 1234", Map.of("channel", "email"), "TRIAGE", true, 0.9);
    ticket(liveId, XSS_TEXT, Map.of(XSS_ATTR, XSS_ATTR), "AUTO_ROUTE", false, 0.95);

    Path profile = Files.createTempDirectory(stateDir, "chromium-");
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER)
            .usingAnyFreePort()
            .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,1800",
        "--user-data-dir=" + profile);
    WebDriver driver = new ChromeDriver(service, options);
    try {
      driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
      driver.get(base + "/console/");
      // Sign in through the form (sets the HttpOnly cookie).
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> driver.findElement(By.id("token")).isDisplayed());
      driver.findElement(By.id("token")).sendKeys(OPERATOR);
      driver.findElement(By.id("login-submit")).click();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> driver.findElement(By.id("who")).getText().contains("olga"));

      // The triage queue shows both items with the model's guesses; the audit item is marked.
      WebElement triageRow = waitForRow(driver, "#triage tr", triageId);
      WebElement auditRow = waitForRow(driver, "#triage tr", auditId);
      assertThat(auditRow.findElement(By.cssSelector(".badge.audit")).getText())
          .isEqualToIgnoringCase("audit");
      assertThat(triageRow.findElement(By.cssSelector(".guesses")).getText()).contains("billing");
      assertThat(triageRow.findElement(By.cssSelector(".text")).getText())
          .isEqualTo(XSS_TEXT.trim());
      assertThat(triageRow.findElement(By.cssSelector(".attrs")).getText()).contains(XSS_ATTR);

      // A correction made elsewhere (another agent) appears live, its script shown as text.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> driver.findElement(By.id("live-state")).getText().equalsIgnoreCase("live"));
      send(
          topics.corrections(),
          liveId,
          Correction.newBuilder()
              .setEventId(liveId)
              .setLabel("refunds")
              .setAgent("agent-ana")
              .setCorrectedAt(T0.plusSeconds(120))
              .setSource(LabelSource.REROUTE)
              .build());
      WebElement live = waitForRow(driver, "#live li", liveId);
      assertThat(live.findElement(By.cssSelector(".text")).getText()).isEqualTo(XSS_TEXT.trim());
      assertThat(live.findElement(By.cssSelector(".attrs")).getText())
          .isEqualTo(XSS_ATTR + " " + XSS_ATTR);
      assertThat(live.findElement(By.cssSelector(".meta")).getText()).contains("refunds");
      assertThat(driver.findElements(By.cssSelector("#live img, #triage img, #live script")))
          .isEmpty();
      assertThat(((JavascriptExecutor) driver).executeScript("return window.__xss === undefined"))
          .isEqualTo(true);

      // Resolving triage items produces Corrections on Kafka: TRIAGE and AUDIT, by the user.
      // (Rows are found again: the queue refreshes itself and may have rebuilt them.)
      triageRow = waitForRow(driver, "#triage tr", triageId);
      new Select(triageRow.findElement(By.cssSelector("select"))).selectByValue("refunds");
      triageRow.findElement(By.cssSelector("button.resolve")).click();
      waitForRow(driver, "#triage tr", auditId)
          .findElement(By.cssSelector("button.resolve"))
          .click();
      List<Correction> written =
          await()
              .atMost(Duration.ofSeconds(60))
              .until(
                  () -> readAll(topics.corrections(), Correction.class),
                  l ->
                      l.stream().anyMatch(c -> c.getEventId().equals(triageId))
                          && l.stream().anyMatch(c -> c.getEventId().equals(auditId)));
      Correction resolved =
          written.stream().filter(c -> c.getEventId().equals(triageId)).findFirst().orElseThrow();
      assertThat(resolved.getLabel()).isEqualTo("refunds");
      assertThat(resolved.getSource()).isEqualTo(LabelSource.TRIAGE);
      assertThat(resolved.getAgent()).isEqualTo("olga");
      Correction audit =
          written.stream().filter(c -> c.getEventId().equals(auditId)).findFirst().orElseThrow();
      assertThat(audit.getSource()).isEqualTo(LabelSource.AUDIT);
      assertThat(audit.getLabel()).isEqualTo("billing");
      // ... and, joined by the collector, they come back through the live feed.
      waitForRow(driver, "#live li", triageId);
      assertThat(((JavascriptExecutor) driver).executeScript("return window.__xss === undefined"))
          .isEqualTo(true);

      // The confusion matrix of v1 follows the new labels (page refresh); model history is listed.
      WebElement matrix =
          await()
              .atMost(Duration.ofSeconds(30))
              .until(
                  () -> driver.findElements(By.cssSelector("#confusion table.confusion")),
                  l -> !l.isEmpty())
              .get(0);
      assertThat(matrix.getText()).contains("billing", "refunds");
      assertThat(driver.findElements(By.cssSelector("#versions tr"))).hasSize(2);
      // The correction-to-production latency: the latest prominently, and per version.
      assertThat(driver.findElement(By.id("c2p-latest")).isDisplayed()).isTrue();
      assertThat(driver.findElement(By.id("c2p-latest-value")).getText()).isEqualTo("42 s");
      assertThat(driver.findElement(By.id("c2p-latest-detail")).getText())
          .contains("v1", "ev-trigger");
      assertThat(
              driver.findElement(By.cssSelector("#versions tr[data-version='1'] .c2p")).getText())
          .isEqualTo("42 s");
      assertThat(
              driver.findElement(By.cssSelector("#versions tr[data-version='2'] .c2p")).getText())
          .isEqualTo("-");
      // Keep a screenshot to look at.
      Path shot = Path.of("target", "console.png");
      Files.createDirectories(shot.getParent());
      Files.write(shot, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    } finally {
      driver.quit();
    }
  }

  private static WebElement waitForRow(WebDriver driver, String css, String eventId) {
    String selector = css + "[data-event-id='" + eventId + "']";
    return await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> driver.findElements(By.cssSelector(selector)), l -> !l.isEmpty())
        .get(0);
  }

  /** An event and its prediction (and triage record when routed there). */
  private static void ticket(
      String id,
      String text,
      Map<String, String> attributes,
      String decision,
      boolean audit,
      double top) {
    send(
        topics.events(),
        id,
        Event.newBuilder()
            .setId(id)
            .setOccurredAt(T0)
            .setText(text)
            .setAttributes(attributes)
            .build());
    boolean toTriage = decision.equals("TRIAGE");
    Prediction p =
        Prediction.newBuilder()
            .setEventId(id)
            .setModelName("console-it-model")
            .setModelVersion(1)
            .setProbabilities(
                List.of(
                    new LabelProbability("billing", top),
                    new LabelProbability("refunds", (1 - top) * 0.7),
                    new LabelProbability("shipping", (1 - top) * 0.3)))
            .setTopLabel("billing")
            .setTopProbability(top)
            .setDecision(decision)
            .setRoute(toTriage ? topics.triage() : "routed.billing")
            .setAudit(audit)
            .setOccurredAt(T0)
            .setScoredAt(T0)
            .build();
    send(topics.predictions(), id, p);
    if (toTriage) {
      send(topics.triage(), id, p);
    }
  }

  private static ModelVersion version(int v, Verdict verdict) {
    Metrics m =
        Metrics.newBuilder()
            .setExamples(200)
            .setAccuracy(0.8 + v / 100.0)
            .setMacroF1(0.75 + v / 100.0)
            .setPerClass(List.of())
            .build();
    return ModelVersion.newBuilder()
        .setName("console-it-model")
        .setVersion(v)
        .setArtifactUri("file:///models/" + v + ".zip")
        .setSha256("s" + v)
        .setCreatedAt(T0.minusSeconds(3600L * (3 - v)))
        .setLabels(List.of("billing", "refunds", "shipping"))
        .setFeaturizerFingerprint("fp")
        .setVerdict(verdict)
        .setReason(verdict == Verdict.CANDIDATE ? "passed the gate" : "initial")
        .setMetrics(m)
        .setMetricsBySource(Map.of())
        .setProductionMetrics(null)
        .setTrainer(Map.of())
        .setLineage(
            Lineage.newBuilder()
                .setFeedbackOffsets(List.of())
                .setParentChain(List.of())
                // v1 carries a measured correction-to-production latency, v2 none.
                .setTriggeringCorrectionEventId(v == 1 ? "ev-trigger" : null)
                .setTriggeringCorrectionAt(v == 1 ? T0.minusSeconds(7200) : null)
                .setCorrectionToProductionMillis(v == 1 ? 42_300L : null)
                .build())
        .build();
  }

  @SuppressWarnings("unchecked")
  private static <T extends SpecificRecord> void send(String topic, String key, T value) {
    Map<String, Object> props = new HashMap<>(config.kafkaClientProps());
    props.put("acks", "all");
    try (KafkaProducer<String, T> p =
        new KafkaProducer<>(
            props,
            new StringSerializer(),
            AvroSerdes.specific((Class<T>) value.getClass(), config.clientAndSerdeProps(), false)
                .serializer())) {
      p.send(new ProducerRecord<>(topic, null, T0.toEpochMilli(), key, value)).get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Every record of {@code topic} that decodes as {@code type}. The broker is shared with the other
   * integration tests of this module, some of which put deliberately undecodable records on the
   * same topics (dead-letter checks): those are skipped here, not failed on.
   */
  private static <T extends SpecificRecord> List<T> readAll(String topic, Class<T> type) {
    Map<String, Object> props = new HashMap<>(config.kafkaClientProps());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<T> out = new ArrayList<>();
    Deserializer<T> values =
        AvroSerdes.specific(type, config.clientAndSerdeProps(), false).deserializer();
    try (KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> tps =
          c.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      c.assign(tps);
      c.seekToBeginning(tps);
      Map<TopicPartition, Long> end = c.endOffsets(tps);
      while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
          try {
            out.add(values.deserialize(topic, r.value()));
          } catch (SerializationException notOurs) {
            // another test's garbage record
          }
        }
      }
    }
    return out;
  }

  private static HttpResponse<String> get(String path, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).GET();
    if (path.equals("/api/live")) {
      b.header("Accept", "text/event-stream");
    }
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(
        b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(String path, String token, String body)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(
        b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
