package dev.loopline.serde;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro 1.12.2 refuses to instantiate classes that are not on its allow-list (AVRO-4189), which
 * includes every generated class: a {@code SpecificDatumReader} then throws "Forbidden
 * dev.loopline.avro.Event! This class is not trusted". The serdes trust the package of the class
 * they are built for, adding to (never replacing) whatever the JVM already trusts; code that uses
 * Avro's readers directly (e.g. a Flink job) calls {@link #trust(Class)} once.
 */
public final class AvroClassTrust {

  private static final Set<String> PACKAGES = ConcurrentHashMap.newKeySet();
  private static boolean installed;

  private AvroClassTrust() {}

  /** Trusts the package of {@code type} (and so the records nested in it) for Avro readers. */
  public static void trust(Class<?> type) {
    if (PACKAGES.add(type.getPackageName())) {
      install();
    }
  }

  private static synchronized void install() {
    if (installed) {
      return;
    }
    ClassSecurityValidator.ClassSecurityPredicate previous = ClassSecurityValidator.getGlobal();
    ClassSecurityValidator.setGlobal(
        ClassSecurityValidator.composite(
            previous, c -> c != null && PACKAGES.contains(c.getPackageName())));
    installed = true;
  }
}
