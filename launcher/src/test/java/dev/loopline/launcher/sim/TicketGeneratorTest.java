package dev.loopline.launcher.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class TicketGeneratorTest {

  private static List<GeneratedTicket> tickets(TicketGenerator.Settings s, int n) {
    return new TicketGenerator(s).take(n);
  }

  @Test
  void sameSeedSameTicketsOtherSeedOtherTickets() {
    List<GeneratedTicket> a = tickets(TicketGenerator.Settings.defaults(1), 300);
    List<GeneratedTicket> b = tickets(TicketGenerator.Settings.defaults(1), 300);
    List<GeneratedTicket> c = tickets(TicketGenerator.Settings.defaults(2), 300);
    assertThat(a).isEqualTo(b);
    assertThat(a.stream().map(t -> t.event().getText()).toList())
        .isNotEqualTo(c.stream().map(t -> t.event().getText()).toList());
    assertThat(a.stream().map(t -> t.event().getId()).distinct()).hasSize(300);
    assertThat(a.get(0).event().getOccurredAt()).isEqualTo(TicketGenerator.Settings.DEFAULT_START);
    for (int i = 1; i < a.size(); i++) {
      assertThat(a.get(i).event().getOccurredAt())
          .isAfterOrEqualTo(a.get(i - 1).event().getOccurredAt());
    }
  }

  @Test
  void ticketAtAnIndexIsTheSameTicketAndItsIdGivesItsIndexAndLabel() {
    TicketGenerator.Settings s = TicketGenerator.Settings.defaults(11).withDriftAtIndex(50);
    List<GeneratedTicket> seq = tickets(s, 200);
    TicketGenerator lookup = new TicketGenerator(s);
    Instant at = Instant.parse("2026-03-01T10:00:00Z");
    for (GeneratedTicket t : seq) {
      GeneratedTicket again = lookup.at(t.index(), t.event().getOccurredAt());
      assertThat(again).isEqualTo(t);
      GeneratedTicket later = lookup.at(t.index(), at);
      assertThat(later.event().getId()).isEqualTo(t.event().getId());
      assertThat(later.label()).isEqualTo(t.label());
      assertThat(later.drifted()).isEqualTo(t.drifted());
      assertThat(later.event().getOccurredAt()).isEqualTo(at);
      assertThat(lookup.indexOf(t.event().getId())).isEqualTo(t.index());
      assertThat(lookup.labelAt(t.index())).isEqualTo(t.label());
    }
    TicketGenerator other = new TicketGenerator(TicketGenerator.Settings.defaults(12));
    assertThat(other.indexOf(seq.get(0).event().getId())).isEqualTo(-1);
    assertThat(lookup.indexOf("not-a-ticket")).isEqualTo(-1);
  }

  @Test
  void labelDistributionFollowsTheWeights() {
    List<GeneratedTicket> ts = tickets(TicketGenerator.Settings.defaults(3), 10_000);
    Map<String, Long> counts =
        ts.stream().collect(Collectors.groupingBy(GeneratedTicket::label, Collectors.counting()));
    assertThat(counts.keySet()).containsExactlyInAnyOrderElementsOf(TicketGenerator.DEFAULT_LABELS);
    assertThat(counts.get("Billing") / 10_000.0).isBetween(0.28, 0.32);
    assertThat(counts.get("Technical") / 10_000.0).isBetween(0.28, 0.32);
    assertThat(counts.get("Account") / 10_000.0).isBetween(0.20, 0.24);
    assertThat(counts.get("Shipping") / 10_000.0).isBetween(0.16, 0.20);
    double ambiguous = ts.stream().filter(GeneratedTicket::ambiguous).count() / 10_000.0;
    assertThat(ambiguous).isBetween(0.08, 0.12);
  }

  @Test
  void textLooksLikeSupportTraffic() {
    List<GeneratedTicket> ts = tickets(TicketGenerator.Settings.defaults(4), 5_000);
    int[] lengths = ts.stream().mapToInt(t -> t.event().getText().length()).sorted().toArray();
    int median = lengths[lengths.length / 2];
    assertThat(median).isBetween(100, 220);
    assertThat(lengths[lengths.length - 1]).isGreaterThan(500);
    Map<String, Long> channels =
        ts.stream()
            .collect(
                Collectors.groupingBy(
                    t -> t.event().getAttributes().get("channel"), Collectors.counting()));
    assertThat(channels.keySet()).containsExactlyInAnyOrder("email", "chat", "web");
    assertThat(ts).anyMatch(t -> t.event().getText().startsWith("From: "));
    assertThat(ts).anyMatch(t -> t.event().getText().contains("<html>"));
    assertThat(ts).anyMatch(t -> t.event().getText().contains("\n> "));
    Set<String> languages =
        ts.stream().map(t -> t.event().getAttributes().get("language")).collect(Collectors.toSet());
    assertThat(languages).contains("en", "ja", "ru", "ar");
    assertThat(ts).anyMatch(t -> t.event().getText().codePoints().anyMatch(cp -> cp >= 0x1F300));
    assertThat(ts)
        .allSatisfy(
            t ->
                assertThat(t.event().getAttributes().keySet())
                    .containsExactlyElementsOf(TicketGenerator.ATTRIBUTES));
  }

  /**
   * Labels are informative but not trivially separable: a per-label "best word" rule learned on the
   * first half gets well above chance and well below perfect on the second half.
   */
  @Test
  void vocabularyIsInformativeButNoisy() {
    List<GeneratedTicket> ts = tickets(TicketGenerator.Settings.defaults(5), 8_000);
    NaiveBayes nb = new NaiveBayes();
    ts.subList(0, 4_000).forEach(t -> nb.learn(t.event().getText(), t.label()));
    double accuracy = nb.accuracy(ts.subList(4_000, 8_000));
    assertThat(accuracy).isBetween(0.70, 0.97);
    // Words like "order" and "account" appear under every label.
    for (String shared : List.of("order", "account")) {
      Set<String> labels = new HashSet<>();
      ts.forEach(
          t -> {
            if (words(t.event().getText()).contains(shared)) {
              labels.add(t.label());
            }
          });
      assertThat(labels).as(shared).hasSize(4);
    }
  }

  @Test
  void driftShiftsVocabularyAndHurtsAModelTrainedBefore() {
    TicketGenerator.Settings s = TicketGenerator.Settings.defaults(6).withDriftAtIndex(6_000);
    List<GeneratedTicket> ts = tickets(s, 10_000);
    assertThat(ts.subList(0, 6_000)).noneMatch(GeneratedTicket::drifted);
    long drifted = ts.subList(6_000, 10_000).stream().filter(GeneratedTicket::drifted).count();
    assertThat(drifted).isGreaterThan(2_000);
    assertThat(ts.subList(6_000, 10_000))
        .filteredOn(GeneratedTicket::drifted)
        .allMatch(t -> Set.of("Billing", "Technical").contains(t.label()));

    Set<String> before = vocabulary(ts.subList(0, 6_000));
    Set<String> after = vocabulary(ts.subList(6_000, 10_000));
    Set<String> fresh = new HashSet<>(after);
    fresh.removeAll(before);
    assertThat(fresh).contains("looppay", "nimbus", "orbit");

    NaiveBayes nb = new NaiveBayes();
    ts.subList(0, 4_000).forEach(t -> nb.learn(t.event().getText(), t.label()));
    double beforeDrift = nb.accuracy(ts.subList(4_000, 6_000));
    double afterDrift = nb.accuracy(ts.subList(6_000, 10_000));
    assertThat(afterDrift).isLessThan(beforeDrift - 0.10);

    // Same seed without drift: identical up to the drift point.
    List<GeneratedTicket> plain = tickets(TicketGenerator.Settings.defaults(6), 6_000);
    assertThat(ts.subList(0, 6_000)).isEqualTo(plain);
  }

  @Test
  void driftCanStartAtATime() {
    Instant at = TicketGenerator.Settings.DEFAULT_START.plusSeconds(3_000);
    List<GeneratedTicket> ts =
        tickets(TicketGenerator.Settings.defaults(8).withDriftAtTime(at), 2_000);
    assertThat(ts)
        .filteredOn(GeneratedTicket::drifted)
        .isNotEmpty()
        .allMatch(t -> !t.event().getOccurredAt().isBefore(at));
  }

  @Test
  void customLabelsGetTheirOwnLearnableVocabulary() {
    List<String> labels = List.of("Fraud", "Praise", "Legal");
    List<GeneratedTicket> ts = tickets(TicketGenerator.Settings.withLabels(9, labels), 3_000);
    assertThat(ts.stream().map(GeneratedTicket::label).distinct())
        .containsExactlyInAnyOrderElementsOf(labels);
    NaiveBayes nb = new NaiveBayes();
    ts.subList(0, 1_500).forEach(t -> nb.learn(t.event().getText(), t.label()));
    assertThat(nb.accuracy(ts.subList(1_500, 3_000))).isBetween(0.6, 0.98);
  }

  private static Set<String> vocabulary(List<GeneratedTicket> ts) {
    Set<String> out = new HashSet<>();
    ts.forEach(t -> out.addAll(words(t.event().getText())));
    return out;
  }

  static List<String> words(String text) {
    return Arrays.stream(text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+"))
        .filter(w -> !w.isEmpty())
        .toList();
  }

  /** A tiny multinomial naive Bayes: enough to tell learnable from trivial from noise. */
  static final class NaiveBayes {
    private final Map<String, Map<String, Integer>> counts = new HashMap<>();
    private final Map<String, Integer> totals = new HashMap<>();
    private final Map<String, Integer> docs = new HashMap<>();
    private final Set<String> vocab = new HashSet<>();
    private int n;

    void learn(String text, String label) {
      n++;
      docs.merge(label, 1, Integer::sum);
      for (String w : words(text)) {
        counts.computeIfAbsent(label, k -> new HashMap<>()).merge(w, 1, Integer::sum);
        totals.merge(label, 1, Integer::sum);
        vocab.add(w);
      }
    }

    String predict(String text) {
      String best = null;
      double bestScore = Double.NEGATIVE_INFINITY;
      for (String label : docs.keySet()) {
        double score = Math.log(docs.get(label) / (double) n);
        Map<String, Integer> c = counts.getOrDefault(label, Map.of());
        int total = totals.getOrDefault(label, 0);
        for (String w : words(text)) {
          score += Math.log((c.getOrDefault(w, 0) + 1.0) / (total + vocab.size()));
        }
        if (score > bestScore) {
          bestScore = score;
          best = label;
        }
      }
      return best;
    }

    double accuracy(List<GeneratedTicket> ts) {
      return ts.stream().filter(t -> t.label().equals(predict(t.event().getText()))).count()
          / (double) ts.size();
    }
  }

  @Test
  void channelSharesSetTheMixOfChatWebAndEmailAndSoTheTextLengths() {
    TicketGenerator.Settings d = TicketGenerator.Settings.defaults(5);
    // The default bounds are the historical 35 / 32 / 33 split: same tickets as before.
    assertThat(d.chatBelow()).isEqualTo(0.35);
    assertThat(d.webBelow()).isEqualTo(0.67);
    assertThat(tickets(d.withChannelShares(1, 0, 0), 200))
        .allMatch(t -> t.event().getAttributes().get("channel").equals("chat"));
    assertThat(tickets(d.withChannelShares(0, 0, 3), 200))
        .allMatch(t -> t.event().getAttributes().get("channel").equals("email"));
    Map<String, Long> mix =
        tickets(d.withChannelShares(10, 30, 60), 20_000).stream()
            .collect(
                Collectors.groupingBy(
                    t -> t.event().getAttributes().get("channel"), Collectors.counting()));
    assertThat(mix.get("chat")).isBetween(1_700L, 2_300L);
    assertThat(mix.get("web")).isBetween(5_500L, 6_500L);
    assertThat(mix.get("email")).isBetween(11_500L, 12_500L);
    assertThat(medianLength(tickets(d, 20_000))).isBetween(90, 110);
    assertThat(medianLength(tickets(d.withChannelShares(10, 30, 60), 20_000))).isBetween(140, 165);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> d.withChannelShares(0, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> d.withChannelShares(-1, 1, 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static int medianLength(List<GeneratedTicket> tickets) {
    int[] n = tickets.stream().mapToInt(t -> t.event().getText().length()).sorted().toArray();
    return n[n.length / 2];
  }
}
