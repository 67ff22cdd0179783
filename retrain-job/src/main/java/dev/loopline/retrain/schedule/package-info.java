/** Scheduling: when a retrain is due, the loop that runs it, and the lock that keeps runs apart. */
package dev.loopline.retrain.schedule;
