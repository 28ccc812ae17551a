package dev.faultline.wordgame.http;

import dev.faultline.wordgame.telemetry.Metrics;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * {@code Idempotency-Key} on the game endpoints (after the IETF httpapi idempotency-key draft and Stripe's
 * practice): the first request with a key is applied and its answer kept; a repeat with the same key and body
 * within the window gets that answer again, with {@code Idempotent-Replayed: true}, and applies nothing. A repeat
 * with another body answers 422, one while the first is still in progress 409. Only answers that say what became
 * of the request are kept: below 500, and not injected by {@code /admin/faults} (those applied nothing; a repeat is
 * applied as new).
 */
final class Idempotency {
    static final String HEADER = "Idempotency-Key";
    static final String REPLAYED = "Idempotent-Replayed";
    static final int MAX_KEY_LENGTH = 255;

    /** The first request's entry, settled by the answer it gets ({@link #answered}). */
    final class Pending {
        private final IdempotencyStore.Entry entry;

        private Pending(IdempotencyStore.Entry entry) {
            this.entry = entry;
        }

        void answered(int status, String contentType, String body) {
            if (status >= 500) {
                store.abandon(entry);
            } else {
                store.complete(entry, new IdempotencyStore.Answer(status, contentType, body));
            }
        }

        /** The request was not applied (an injected fault): forget the key. */
        void abandon() {
            store.abandon(entry);
        }
    }

    private final IdempotencyStore store;
    private final Metrics metrics;

    Idempotency(IdempotencyStore store, Metrics metrics) {
        this.store = store;
        this.metrics = metrics;
    }

    /**
     * Decides a game request by its key: true when it is to be applied (with {@code ex.idempotency} set when it had
     * a key); false when it was answered here (a replay or a conflict). A malformed key throws a 400.
     */
    boolean admit(Exchange ex) {
        List<String> keys = ex.request.headers().getAll(HEADER);
        if (keys.isEmpty()) {
            return true;
        }
        if (keys.size() > 1) {
            throw new BadRequest(HEADER + " is given more than once");
        }
        String key = keys.get(0);
        if (!valid(key)) {
            throw new BadRequest(HEADER + " must be 1-" + MAX_KEY_LENGTH + " visible ASCII characters");
        }
        String route = ex.route.path;
        IdempotencyStore.Claim claim = store.claim(route, key, fingerprint(ex));
        switch (claim.verdict()) {
            case FIRST -> {
                ex.idempotency = new Pending(claim.entry());
                return true;
            }
            case REPLAY -> {
                metrics.idempotentReplay(route);
                IdempotencyStore.Answer a = claim.answer();
                ex.response().putHeader(REPLAYED, "true");
                ex.send(a.status(), a.contentType(), a.body());
            }
            case IN_PROGRESS -> {
                metrics.idempotencyConflict(route, "in_progress");
                ex.response().putHeader("Retry-After", "1");
                ex.error(409, "a request with this " + HEADER + " is still being processed; retry later");
            }
            case BODY_MISMATCH -> {
                metrics.idempotencyConflict(route, "body_mismatch");
                ex.error(422, "this " + HEADER + " was used with another request body");
            }
            default -> throw new IllegalStateException("unhandled " + claim.verdict());
        }
        return false;
    }

    /** 1 to 255 visible ASCII characters. */
    static boolean valid(String key) {
        return dev.faultline.runtime.text.Tokens.visibleAscii(key, MAX_KEY_LENGTH);
    }

    private static byte[] fingerprint(Exchange ex) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return ex.body == null ? sha.digest() : sha.digest(ex.body.getBytes());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
