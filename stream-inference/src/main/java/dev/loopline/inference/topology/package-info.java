/**
 * The scoring topology as a pure function, its commit-flushed micro-batch buffer, event validation
 * and the dead-letter handlers.
 */
package dev.loopline.inference.topology;
