package dev.loopline.registry.client;

/**
 * A registry answered with an error, or could not be reached. Carries Confluent's HTTP status and
 * {@code error_code} (40401 subject not found, 40403 schema not found, 409 incompatible, 42201
 * invalid schema, ...) so callers can branch on the code instead of parsing messages.
 */
public final class RegistryException extends RuntimeException {

  /** Confluent's error code for a subject that does not exist. */
  public static final int SUBJECT_NOT_FOUND = 40401;

  /** Confluent's error code for a version that does not exist. */
  public static final int VERSION_NOT_FOUND = 40402;

  /** Confluent's error code for a schema (id or content) that does not exist. */
  public static final int SCHEMA_NOT_FOUND = 40403;

  /** Confluent's error code for an incompatible schema. */
  public static final int INCOMPATIBLE = 409;

  /** Confluent's error code for an invalid schema. */
  public static final int INVALID_SCHEMA = 42201;

  private final int status;
  private final int errorCode;

  public RegistryException(int status, int errorCode, String message) {
    super(message);
    this.status = status;
    this.errorCode = errorCode;
  }

  public RegistryException(String message, Throwable cause) {
    super(message, cause);
    this.status = -1;
    this.errorCode = -1;
  }

  /** HTTP status, or -1 when no answer came back (connection refused, timeout). */
  public int status() {
    return status;
  }

  /** Confluent's {@code error_code}, or -1 when no answer came back. */
  public int errorCode() {
    return errorCode;
  }
}
