/**
 * The ops console on the collector's HTTP server: the page, its JSON API and live feed, token
 * authentication with viewer and operator roles, and the writes (corrections, deployments).
 */
package dev.loopline.feedback.console;
