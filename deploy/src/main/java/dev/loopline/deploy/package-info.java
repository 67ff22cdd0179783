/**
 * A local multi-process Loopline cluster (KRaft brokers, registry, scoring and collector instances
 * as separate JVMs from the Maven jars), shared by {@code deploy/local/cluster.sh} and the fault
 * tests, so both run the same processes.
 */
package dev.loopline.deploy;
