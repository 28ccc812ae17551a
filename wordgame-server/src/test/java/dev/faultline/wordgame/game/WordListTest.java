package dev.faultline.wordgame.game;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WordListTest {
    @TempDir
    Path dir;

    @Test
    void bundledListHasThousandsOfWordsOfLettersAtoZ() {
        WordList words = WordList.bundled();
        assertThat(words.size()).isBetween(2_000, 20_000);
        for (int i = 0; i < words.size(); i++) {
            assertThat(words.get(i)).matches("[A-Z]{5,9}");
        }
        assertThat(words.random()).matches("[A-Z]+");
    }

    @Test
    void fileWordsAreUpperCasedAndCommentsAndBlankLinesSkipped() throws Exception {
        Path f = Files.writeString(dir.resolve("w.txt"), "# my words\n\napple\n  Pear \nAPPLE\n");
        WordList words = WordList.fromFile(f);
        assertThat(words.size()).isEqualTo(2);
        assertThat(words.get(0)).isEqualTo("APPLE");
        assertThat(words.get(1)).isEqualTo("PEAR");
    }

    @Test
    void wordWithOtherCharactersNamesFileAndLine() throws Exception {
        Path f = Files.writeString(dir.resolve("w.txt"), "apple\ndon't\n");
        assertThatThrownBy(() -> WordList.fromFile(f))
                .isInstanceOf(WordList.InvalidWordListException.class)
                .hasMessage(f + ":2: \"don't\" is not a word of letters A-Z only");
    }

    @Test
    void nonAsciiLettersAreRejected() throws Exception {
        Path f = Files.writeString(dir.resolve("w.txt"), "café\n");
        assertThatThrownBy(() -> WordList.fromFile(f)).hasMessageContaining(":1: \"café\"");
    }

    /** Letters that Unicode case mapping turns into A-Z (ı → I, ſ → S, ß → SS, K → k) are still not A-Z. */
    @Test
    void lettersThatCaseMapToAtoZAreRejected() throws Exception {
        for (String word : new String[] {"p\u0131ano", "ba\u017Fe", "stra\u00DFe", "\u212Aite", "\u0130nto"}) {
            Path f = Files.writeString(dir.resolve("w.txt"), "apple\n" + word + "\n");
            assertThatThrownBy(() -> WordList.fromFile(f)).as(word)
                    .isInstanceOf(WordList.InvalidWordListException.class)
                    .hasMessageContaining(":2: \"" + word + "\" is not a word of letters A-Z only");
        }
    }

    @Test
    void emptyFileIsAnError() throws Exception {
        Path f = Files.writeString(dir.resolve("w.txt"), "# nothing\n");
        assertThatThrownBy(() -> WordList.fromFile(f)).hasMessage(f + ": contains no words");
    }

    @Test
    void missingFileIsAnError() {
        Path f = dir.resolve("nope.txt");
        assertThatThrownBy(() -> WordList.fromFile(f)).hasMessage(f + ": no such file");
    }

    @Test
    void overlongWordIsAnError() throws Exception {
        Path f = Files.writeString(dir.resolve("w.txt"), "A".repeat(65) + "\n");
        assertThatThrownBy(() -> WordList.fromFile(f)).hasMessageContaining("longer than 64 letters");
    }
}
