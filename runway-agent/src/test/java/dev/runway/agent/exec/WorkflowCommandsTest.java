package dev.runway.agent.exec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.Annotation;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WorkflowCommandsTest {
    final ByteArrayOutputStream log = new ByteArrayOutputStream();
    final WorkflowCommands commands = new WorkflowCommands(log::write);

    void write(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        commands.write(b, 0, b.length);
    }

    String log() {
        return log.toString(StandardCharsets.UTF_8);
    }

    @Test
    void annotationsWithLocationAndEscapes() {
        commands.step("lint");
        write("::error file=src/a%2Cb.c,line=3,col=7,title=Bad%3A thing::first%0Asecond 100%25\n");
        write("::warning::careful\n::notice::fyi\n");
        assertThat(commands.annotations())
                .containsExactly(
                        new Annotation("error", "first\nsecond 100%", "lint", "Bad: thing", "src/a,b.c", 3, 7),
                        new Annotation("warning", "careful", "lint", null, null, null, null),
                        new Annotation("notice", "fyi", "lint", null, null, null, null));
        assertThat(log()).contains("Error (src/a,b.c:3:7): first\nsecond 100%", "Warning: careful", "Notice: fyi");
        assertThat(log()).doesNotContain("::error");
    }

    @Test
    void masksApplyToLaterOutputSplitAcrossWrites() {
        write("::add-mask::hunter2\nthe password is hun");
        write("ter2!\n");
        write("::error::leaked hunter2\n");
        commands.flush();
        assertThat(log()).isEqualTo("the password is ***!\nError: leaked ***\n");
        assertThat(commands.annotations().get(0).message()).isEqualTo("leaked ***");
    }

    @Test
    void groupsStopCommandsAndPlainLines() {
        write("::group::Build\nplain :: not a command\n::endgroup::\n");
        write("::stop-commands::tok\n::error::literal\n::tok::\n::warning::again\n");
        write("no newline at the end");
        commands.flush();
        assertThat(log())
                .isEqualTo(
                        "\u25b8 Build\nplain :: not a command\n::error::literal\nWarning: again\nno newline at the end");
        assertThat(commands.annotations()).extracting(Annotation::level).containsExactly("warning");
    }

    @Test
    void invalidUtf8PassesThroughUntouched() {
        commands.mask("secret");
        byte[] raw = {(byte) 0xff, 'a', '\n'};
        commands.write(raw, 0, raw.length);
        assertThat(log.toByteArray()).isEqualTo(raw);
    }
}
