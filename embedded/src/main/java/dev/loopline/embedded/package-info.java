/**
 * The platform's infrastructure inside one JVM, with no Docker: a real KRaft broker ({@link
 * dev.loopline.embedded.EmbeddedKafka}), the schema registry and the core topics ({@link
 * dev.loopline.embedded.EmbeddedPlatform}).
 */
package dev.loopline.embedded;
