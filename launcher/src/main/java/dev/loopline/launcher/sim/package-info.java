/**
 * Demo traffic: a seeded generator of support tickets that know their true label (with an optional
 * vocabulary drift), and a simulated agent that reacts to predictions the way a support team does.
 * Used by {@code loopline generate}, the demo loop and tests of later stages.
 */
package dev.loopline.launcher.sim;
