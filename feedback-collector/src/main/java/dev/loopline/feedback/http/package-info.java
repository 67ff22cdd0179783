/** Health, readiness, Prometheus metrics and the JSON read API of the collector (Javalin). */
package dev.loopline.feedback.http;
