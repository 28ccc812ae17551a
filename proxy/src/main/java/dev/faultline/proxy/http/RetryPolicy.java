package dev.faultline.proxy.http;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * Whether a failed attempt (5xx, refused, reset, timed out) may be tried again, from what the upstream may have
 * seen of it. A request none of whose bytes were written upstream may always be tried again. One that may have
 * reached the upstream is tried again when its method is idempotent, or, for any other method, only when the route
 * allows it ({@code retryNonIdempotent}) and the request carries an {@code Idempotency-Key} (the client's, or the
 * one the proxy added) so that the upstream can tell the repeat from a new request. Pure: no I/O, no state.
 */
final class RetryPolicy {
    /** The header, lower case as {@link Head} looks fields up. */
    static final String IDEMPOTENCY_KEY = "idempotency-key";
    static final String IDEMPOTENCY_KEY_FIELD = "Idempotency-Key";
    private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE");
    private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(RetryPolicy::newRandom);

    /** What to do after a failed attempt. */
    enum Verdict {
        RETRY,
        /** No retries left. */
        EXHAUSTED,
        /** A non-idempotent method on a route without {@code retryNonIdempotent}. */
        NOT_FOR_METHOD,
        /** A non-idempotent request that may have reached the upstream, without a key to make a repeat safe. */
        NO_IDEMPOTENCY_KEY
    }

    private RetryPolicy() {
    }

    static boolean idempotent(String method) {
        return IDEMPOTENT.contains(method);
    }

    /**
     * @param idempotent          the request's method is idempotent
     * @param retryNonIdempotent  the route allows retrying other methods
     * @param keyed               the request carries an Idempotency-Key (the client's or the proxy's)
     * @param written             some of the attempt was written to an upstream connection (it may have seen it)
     * @param retriesLeft         retries the route still allows this request
     */
    static Verdict decide(boolean idempotent, boolean retryNonIdempotent, boolean keyed, boolean written,
                          int retriesLeft) {
        if (retriesLeft <= 0) {
            return Verdict.EXHAUSTED;
        }
        if (!written || idempotent) {
            return Verdict.RETRY;
        }
        if (!retryNonIdempotent) {
            return Verdict.NOT_FOR_METHOD;
        }
        return keyed ? Verdict.RETRY : Verdict.NO_IDEMPOTENCY_KEY;
    }

    /**
     * A key the proxy adds: 128 bits from a strong generator, as 32 hex digits. Not the generator of request ids,
     * which clients see and could use to predict the next key.
     */
    static String newKey() {
        byte[] bytes = new byte[16];
        RANDOM.get().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static SecureRandom newRandom() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }
}
