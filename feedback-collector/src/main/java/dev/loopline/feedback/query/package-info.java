/**
 * Interactive queries over the collector's state: the read API that the HTTP layer and the ops
 * console serve.
 */
package dev.loopline.feedback.query;
