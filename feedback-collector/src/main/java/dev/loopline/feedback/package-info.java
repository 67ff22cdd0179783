/**
 * The feedback collector app: joins human corrections with the served predictions and the original
 * events into labeled examples on the compacted {@code feedback} topic, and serves health, metrics
 * and a read API; plus the {@code collect} and {@code forget} commands.
 */
package dev.loopline.feedback;
