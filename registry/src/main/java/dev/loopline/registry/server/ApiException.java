package dev.loopline.registry.server;

/** An error answer in Confluent's shape: HTTP status plus {@code error_code} and message. */
final class ApiException extends RuntimeException {

  static final int SUBJECT_NOT_FOUND = 40401;
  static final int VERSION_NOT_FOUND = 40402;
  static final int SCHEMA_NOT_FOUND = 40403;
  static final int SUBJECT_SOFT_DELETED = 40404;
  static final int SUBJECT_NOT_SOFT_DELETED = 40405;
  static final int VERSION_SOFT_DELETED = 40406;
  static final int VERSION_NOT_SOFT_DELETED = 40407;
  static final int SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED = 40408;
  static final int INCOMPATIBLE = 409;
  static final int INVALID_SCHEMA = 42201;
  static final int INVALID_VERSION = 42202;
  static final int INVALID_COMPATIBILITY_LEVEL = 42203;
  static final int STORE_ERROR = 50001;
  static final int OPERATION_TIMEOUT = 50002;

  private final int status;
  private final int errorCode;

  ApiException(int status, int errorCode, String message) {
    super(message);
    this.status = status;
    this.errorCode = errorCode;
  }

  int status() {
    return status;
  }

  int errorCode() {
    return errorCode;
  }

  static ApiException subjectNotFound(String subject) {
    return new ApiException(404, SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
  }

  static ApiException versionNotFound(int version) {
    return new ApiException(404, VERSION_NOT_FOUND, "Version " + version + " not found.");
  }

  static ApiException schemaNotFound(String what) {
    return new ApiException(404, SCHEMA_NOT_FOUND, what);
  }

  static ApiException invalidSchema(String message) {
    return new ApiException(422, INVALID_SCHEMA, message);
  }

  static ApiException invalidVersion(String version) {
    return new ApiException(
        422,
        INVALID_VERSION,
        "The specified version '"
            + version
            + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string"
            + " \"latest\"");
  }
}
