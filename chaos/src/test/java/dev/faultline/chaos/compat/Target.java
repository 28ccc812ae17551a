package dev.faultline.chaos.compat;

/** A Toxiproxy API server under test: the embedded one, or the real toxiproxy-server. */
interface Target extends AutoCloseable {
    String host();

    int port();

    default String url() {
        return "http://" + host() + ":" + port();
    }

    @Override
    void close();
}
