/**
 * The correction join: one processor over events, predictions, corrections, triage items and forget
 * requests, with event-id keyed state, a deadline index driving expiry in stream time, and windowed
 * stats stores for interactive queries.
 */
package dev.loopline.feedback.topology;
