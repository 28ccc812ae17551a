package dev.faultline.chaos.proxy;

/** An API error with its HTTP status and the real server's message; the API layer writes it in one place. */
public final class ApiException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;

    public ApiException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public static ApiException badRequest(String detail) {
        return new ApiException(400, "bad request body: " + detail);
    }

    public static ApiException missingField(String field) {
        return new ApiException(400, "missing required field: " + field);
    }

    public static ApiException proxyNotFound() {
        return new ApiException(404, "proxy not found");
    }

    public static ApiException proxyExists() {
        return new ApiException(409, "proxy already exists");
    }

    public static ApiException invalidStream() {
        return new ApiException(400, "stream was invalid, can be either upstream or downstream");
    }

    public static ApiException invalidToxicType() {
        return new ApiException(400, "invalid toxic type");
    }

    public static ApiException toxicExists() {
        return new ApiException(409, "toxic already exists");
    }

    public static ApiException toxicNotFound() {
        return new ApiException(404, "toxic not found");
    }

    public static ApiException server(String message) {
        return new ApiException(500, message);
    }
}
