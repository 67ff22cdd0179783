/** Operations: Micrometer meters and the health/readiness/metrics HTTP endpoint. */
package dev.loopline.inference.ops;
