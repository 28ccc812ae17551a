package dev.faultline.wordgame.http;

/** A client error that maps to an HTTP status with a JSON {@code {"error": …}} body. */
final class BadRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;

    BadRequest(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    BadRequest(String message) {
        this(400, message);
    }
}
