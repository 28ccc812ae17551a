package dev.faultline.wordgame.game;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The words games are played with: letters A-Z only, upper case, no duplicates.
 * One word per line; blank lines and lines starting with {@code #} are ignored; lower case is upper-cased.
 */
public final class WordList {
    /** Longest word accepted; longer lines are a configuration error. */
    public static final int MAX_WORD_LENGTH = 64;
    /** Upper bound on the number of words in a file (keeps a bad --words file from exhausting memory). */
    public static final int MAX_WORDS = 1_000_000;
    private static final String BUNDLED = "/words.txt";

    private final String[] words;

    private WordList(List<String> words) {
        this.words = words.toArray(new String[0]);
    }

    /** The bundled list (a few thousand common English words, see words-NOTICE.txt). */
    public static WordList bundled() {
        try (InputStream in = WordList.class.getResourceAsStream(BUNDLED)) {
            if (in == null) {
                throw new IllegalStateException("bundled word list " + BUNDLED + " is missing from the jar");
            }
            return parse(in, "bundled word list");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads a word file; any problem is an {@link InvalidWordListException} naming the file and line. */
    public static WordList fromFile(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toString());
        } catch (NoSuchFileException e) {
            throw new InvalidWordListException(file + ": no such file");
        } catch (IOException e) {
            throw new InvalidWordListException(file + ": cannot be read (" + e.getMessage() + ")");
        }
    }

    /** Builds a list from words in memory (tests, benchmarks); the same rules as a file. */
    public static WordList of(String... words) {
        return parse(String.join("\n", words), "word list");
    }

    static WordList parse(String text, String source) {
        return parse(new java.io.ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), source);
    }

    private static WordList parse(InputStream in, String source) {
        Set<String> words = new LinkedHashSet<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            int lineNo = 0;
            while ((line = reader.readLine()) != null) {
                lineNo++;
                String word = line.strip();
                if (word.isEmpty() || word.startsWith("#")) {
                    continue;
                }
                if (word.length() > MAX_WORD_LENGTH) {
                    throw new InvalidWordListException(source + ":" + lineNo + ": word longer than "
                            + MAX_WORD_LENGTH + " letters");
                }
                // checked before upper-casing: Unicode case mapping turns some other letters into A-Z (ı → I)
                if (!isAsciiLetters(word)) {
                    throw new InvalidWordListException(source + ":" + lineNo + ": \"" + abbreviate(word)
                            + "\" is not a word of letters A-Z only");
                }
                words.add(word.toUpperCase(java.util.Locale.ROOT));
                if (words.size() > MAX_WORDS) {
                    throw new InvalidWordListException(source + ": more than " + MAX_WORDS + " words");
                }
            }
        } catch (IOException e) {
            throw new InvalidWordListException(source + ": cannot be read (" + e.getMessage() + ")");
        }
        if (words.isEmpty()) {
            throw new InvalidWordListException(source + ": contains no words");
        }
        return new WordList(new ArrayList<>(words));
    }

    /** Only a-z and A-Z. */
    private static boolean isAsciiLetters(String word) {
        for (int i = 0; i < word.length(); i++) {
            char c = word.charAt(i);
            if ((c < 'A' || c > 'Z') && (c < 'a' || c > 'z')) {
                return false;
            }
        }
        return true;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }

    public int size() {
        return words.length;
    }

    public String get(int index) {
        return words[index];
    }

    public String random() {
        return words[ThreadLocalRandom.current().nextInt(words.length)];
    }

    /** A word list that cannot be used; the message names the file (and line) and what is wrong. */
    public static final class InvalidWordListException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public InvalidWordListException(String message) {
            super(message);
        }
    }
}
