package dev.faultline.wordgame;

import dev.faultline.wordgame.config.ConfigException;
import dev.faultline.wordgame.config.Flags;
import dev.faultline.wordgame.config.ServerConfig;
import dev.faultline.wordgame.game.WordList;
import dev.faultline.wordgame.http.WordgameServer;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code java -jar wordgame-server.jar [options]}: exit 0 on a clean stop, 2 on bad configuration, 1 otherwise. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        Flags flags = ServerConfig.flags();
        ServerConfig config;
        WordList words;
        try {
            Flags.Values values = flags.parse(args, System.getenv());
            if (values.bool("help")) {
                System.out.print(flags.help(ServerConfig.DESCRIPTION));
                return 0;
            }
            config = ServerConfig.parse(values);
            words = config.wordsFile().map(WordList::fromFile).orElseGet(WordList::bundled);
        } catch (ConfigException | WordList.InvalidWordListException e) {
            System.err.println("wordgame-server: " + e.getMessage());
            return 2;
        }
        Logger log = LoggerFactory.getLogger(Main.class);
        log.atInfo().addKeyValue("config", config.toString()).addKeyValue("words", words.size())
                .log("wordgame-server starting");
        WordgameServer server = new WordgameServer(config, words, System::nanoTime);
        try {
            server.start();
        } catch (WordgameServer.StartException e) {
            System.err.println("wordgame-server: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
