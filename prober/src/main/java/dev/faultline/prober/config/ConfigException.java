package dev.faultline.prober.config;

/** A configuration that cannot be used; the message names the key (as a path) and the value. */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
