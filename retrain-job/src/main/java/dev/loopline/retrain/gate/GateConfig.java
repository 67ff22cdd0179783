package dev.loopline.retrain.gate;

import dev.loopline.config.LooplineConfig;
import java.io.Serializable;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The promotion gate's settings ({@code retrain.gate.*}).
 *
 * @param macroF1Tolerance the candidate may be at most this much below production on macro-F1
 * @param maxRecallDrop no class's recall may fall more than this below production's
 * @param absoluteFloor the first model (no production to compare with) needs at least this macro-F1
 * @param rejectMargin a candidate this far below production on macro-F1 (or below the floor) is
 *     REJECTED; a closer miss is kept as a CANDIDATE for shadow scoring
 * @param minExamples fewer gate-holdout examples than this: no promotion, CANDIDATE
 * @param sources label sources the gate measures on (REROUTE labels are production's own errors)
 */
public record GateConfig(
    double macroF1Tolerance,
    double maxRecallDrop,
    double absoluteFloor,
    double rejectMargin,
    int minExamples,
    Set<String> sources)
    implements Serializable {

  public static final String DEFAULT_SOURCES = "TRIAGE,AUDIT,CONFIRM,BOOTSTRAP";

  public static GateConfig from(LooplineConfig c) {
    Set<String> sources =
        Arrays.stream(c.get("retrain.gate.sources", DEFAULT_SOURCES).split(","))
            .map(s -> s.trim().toUpperCase(Locale.ROOT))
            .filter(s -> !s.isEmpty())
            .collect(Collectors.toCollection(LinkedHashSet::new));
    return new GateConfig(
        c.getDouble("retrain.gate.macro.f1.tolerance", 0.01),
        c.getDouble("retrain.gate.max.recall.drop", 0.05),
        c.getDouble("retrain.gate.min.macro.f1", 0.5),
        c.getDouble("retrain.gate.reject.margin", 0.05),
        c.getInt("retrain.gate.min.examples", 20),
        sources);
  }
}
