package dev.loopline.launcher.sim;

import dev.loopline.avro.Event;

/**
 * A synthetic ticket and what the generator knows about it.
 *
 * @param index position in the generated sequence (0-based)
 * @param event the event as a producer would send it (no label inside)
 * @param label the true label, which only the simulated agent gets to see
 * @param ambiguous whether the text deliberately mixes two labels' vocabulary
 * @param drifted whether the text uses its label's post-drift vocabulary
 */
public record GeneratedTicket(
    long index, Event event, String label, boolean ambiguous, boolean drifted) {}
