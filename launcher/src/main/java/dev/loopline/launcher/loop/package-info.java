/**
 * The whole loop of {@code loopline up}: bootstrap of version 1 from a labeled seed set, the
 * scoring app, the feedback collector, a retrain scheduler with demo intervals, synthetic traffic
 * with drift, a simulated agent, a status line, and the correction-to-production latency of each
 * promoted version. Each part is an {@link dev.loopline.launcher.EmbeddedLoop.Stage}, started in
 * order and stopped in reverse.
 */
package dev.loopline.launcher.loop;
