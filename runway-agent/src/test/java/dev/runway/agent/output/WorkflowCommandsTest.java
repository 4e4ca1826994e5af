package dev.runway.agent.output;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.Annotation;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;
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

    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path dir;

    static final String TSC = """
            {"problemMatcher": [{"owner": "tsc", "pattern": [{
              "regexp": "^([^\\\\s].*)[\\\\(:](\\\\d+)[,:](\\\\d+)(?:\\\\):\\\\s+|\\\\s+-\\\\s+)(error|warning|info)\\\\s+TS(\\\\d+)\\\\s*:\\\\s*(.*)$",
              "file": 1, "line": 2, "column": 3, "severity": 4, "code": 5, "message": 6}]}]}
            """;

    static final String STYLISH = """
            {"problemMatcher": [{"owner": "stylish", "pattern": [
              {"regexp": "^([^\\\\s].*)$", "file": 1},
              {"regexp": "^\\\\s+(\\\\d+):(\\\\d+)\\\\s+(error|warning|info)\\\\s+(.*)\\\\s\\\\s+(.*)$",
               "line": 1, "column": 2, "severity": 3, "message": 4, "code": 5, "loop": true}]}]}
            """;

    @Test
    void problemMatchersTurnCompilerOutputIntoAnnotations() throws Exception {
        java.nio.file.Files.writeString(dir.resolve("tsc.json"), TSC);
        java.nio.file.Files.createDirectories(dir.resolve(".github"));
        java.nio.file.Files.writeString(dir.resolve(".github/stylish.json"), STYLISH);
        commands.workspace(dir);
        commands.step("build");
        write("src/early.ts(1,1): error TS1000: before the matcher, not matched\n");
        write("::add-matcher::" + dir.resolve("tsc.json") + "\n");
        write("src/app.ts(3,7): error TS2322: Type 'string' is not assignable\n");
        write("\u001B[31m" + dir.resolve("src/b.ts") + ":10:2 - warning TS6133: 'x' is unused\u001B[0m\n");
        write("##[add-matcher].github/stylish.json\n"); // the older form, a path relative to the workspace
        write("/w/src/index.js\n  1:10  error  'a' is defined but never used  no-unused-vars\n");
        write("  2:1   warning  Unexpected console statement  no-console\n\n");
        write("  3:1   error  after a blank line: no file, not matched  rule\n");
        write("::remove-matcher owner=tsc::\n");
        write("src/late.ts(1,1): error TS1000: after remove-matcher, not matched\n");
        commands.flush();
        assertThat(commands.annotations())
                .containsExactly(
                        new Annotation(
                                "error", "Type 'string' is not assignable (2322)", "build", null, "src/app.ts", 3, 7),
                        new Annotation("warning", "'x' is unused (6133)", "build", null, "src/b.ts", 10, 2),
                        new Annotation(
                                "error",
                                "'a' is defined but never used (no-unused-vars)",
                                "build",
                                null,
                                "/w/src/index.js",
                                1,
                                10),
                        new Annotation(
                                "warning",
                                "Unexpected console statement (no-console)",
                                "build",
                                null,
                                "/w/src/index.js",
                                2,
                                1));
        // the output itself is unchanged, the commands are not in it
        assertThat(log()).contains("src/app.ts(3,7): error TS2322").doesNotContain("add-matcher");
    }

    @Test
    void aBrokenMatcherFileIsAWarningAndMatchedMessagesAreMasked() throws Exception {
        java.nio.file.Files.writeString(dir.resolve("bad.json"), "{\"problemMatcher\": [{\"owner\": \"x\"}]}");
        java.nio.file.Files.writeString(dir.resolve("broken.json"), "{not json");
        java.nio.file.Files.writeString(
                dir.resolve("any.json"),
                "{\"problemMatcher\":[{\"owner\":\"any\",\"severity\":\"warning\",\"pattern\":[{\"regexp\":"
                        + "\"^FAIL: (.*)$\",\"message\":1}]}]}");
        commands.workspace(dir);
        write("::add-matcher::bad.json\n::add-matcher::broken.json\n::add-matcher::missing.json\n");
        write("::add-matcher::any.json\n::add-mask::s3cr3t-token\nFAIL: login with s3cr3t-token refused\n");
        write("::remove-matcher owner=nobody::\n");
        commands.flush();
        assertThat(log())
                .contains("Warning: add-matcher bad.json: problem matcher 'x' needs a 'pattern' list")
                .contains("Warning: add-matcher broken.json: not a problem matcher file (invalid JSON)")
                .contains("Warning: add-matcher missing.json: no such file")
                .contains("Warning: remove-matcher: no problem matcher with owner 'nobody'")
                .doesNotContain("s3cr3t-token");
        assertThat(commands.annotations())
                .containsExactly(new Annotation("warning", "login with *** refused", null, null, null, null, null));
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

    @Test
    void aValueSplitAcrossTwoWrites() {
        commands.mask("secret-value");
        write("x sec");
        write("ret-value y\n");
        assertThat(log()).isEqualTo("x *** y\n");
    }

    @Test
    void aSecretStraddlingTheCutOfALongLineIsMaskedWhole() {
        String secret = "straddling-secret-value";
        String token = "rwj_0123456789abcdefghij0123456789";
        String tail = " " + "t".repeat(300) + "\n";
        for (String value : List.of(secret, token)) {
            // the first write ends just past MAX_LINE: the line is cut before its end, the value sits at each offset
            // around the cut and around the end of the first write
            for (int at = WorkflowCommands.MAX_LINE - 200; at <= WorkflowCommands.MAX_LINE; at++) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                WorkflowCommands c = new WorkflowCommands(out::write);
                c.mask(secret);
                byte[] line = ("a".repeat(at) + value + tail).getBytes(StandardCharsets.UTF_8);
                int first = WorkflowCommands.MAX_LINE + 1;
                c.write(line, 0, first);
                c.write(line, first, line.length - first);
                assertThat(out.toString(StandardCharsets.UTF_8))
                        .as("%s at %d", value, at)
                        .isEqualTo("a".repeat(at) + "***" + tail);
            }
        }
    }

    @Test
    void aVeryLongLineIsWrittenBeforeItEnds() {
        commands.mask("secret-value");
        write("x".repeat(3 * WorkflowCommands.MAX_LINE) + "secret-value");
        assertThat(log.size()).isGreaterThan(2 * WorkflowCommands.MAX_LINE);
        write(" end\n::error::a command\n");
        assertThat(log()).isEqualTo("x".repeat(3 * WorkflowCommands.MAX_LINE) + "*** end\nError: a command\n");
    }

    @Test
    void theRestOfALongLineIsNotACommand() {
        write("y".repeat(WorkflowCommands.MAX_LINE + 1));
        write("::error::inside a long line\n");
        assertThat(commands.annotations()).isEmpty();
        assertThat(log()).isEqualTo("y".repeat(WorkflowCommands.MAX_LINE + 1) + "::error::inside a long line\n");
    }

    @Test
    void runwayTokensAreMaskedWithoutRegistration() {
        write("curl -H 'Authorization: Bearer rwa_AbCdEf0123456789xyz' https://ci\n");
        write("::warning title=rwc_0123456789abcdef01::runner rwr_0123456789abcdef01\n");
        assertThat(log()).isEqualTo("curl -H 'Authorization: Bearer ***' https://ci\nWarning: runner ***\n");
        assertThat(commands.annotations().get(0).title()).isEqualTo("***");
    }

    @Test
    void aShortValueIsNotMaskedAndWarnedOnceWithoutPrintingIt() {
        assertThat(commands.mask("xyz")).isFalse();
        assertThat(commands.mask("xyz")).isFalse();
        assertThat(commands.mask("")).isFalse();
        assertThat(commands.mask("long-enough")).isTrue();
        write("xyz long-enough\n");
        assertThat(log())
                .isEqualTo("[runway] warning: a secret value shorter than " + SecretMasker.MIN_LENGTH
                        + " characters is not masked\nxyz ***\n");
    }

    @Test
    void addMaskAtRuntimeCoversEncodingsAnnotationsAndSummaries() {
        commands.step("deploy");
        write("before my-runtime-value\n::add-mask::my-runtime-value\n");
        String b64 = Base64.getEncoder().encodeToString("my-runtime-value".getBytes(StandardCharsets.UTF_8));
        write("plain my-runtime-value, base64 " + b64 + ", url my-runtime-value\n");
        write("::warning title=about my-runtime-value::message my-runtime-value\n");
        commands.line("[runway] summary: my-runtime-value"); // how StepLoop writes step summaries
        assertThat(log())
                .isEqualTo("before my-runtime-value\nplain ***, base64 ***, url ***\nWarning: message ***\n"
                        + "[runway] summary: ***\n");
        assertThat(commands.annotations())
                .containsExactly(new Annotation("warning", "message ***", "deploy", "about ***", null, null, null));
    }

    @Test
    void aMatchAmongInvalidUtf8ReplacesOnlyItsBytes() {
        commands.mask("secret-value");
        byte[] raw = {(byte) 0xff, 's', 'e', 'c', 'r', 'e', 't', '-', 'v', 'a', 'l', 'u', 'e', (byte) 0xfe, '\n'};
        commands.write(raw, 0, raw.length);
        assertThat(log.toByteArray()).isEqualTo(new byte[] {(byte) 0xff, '*', '*', '*', (byte) 0xfe, '\n'});
    }

    @Test
    void fiveHundredSecrets() {
        List<String> secrets = new ArrayList<>();
        for (int i = 0; i < 500; i++) secrets.add("secret-%03d-%08x".formatted(i, i * 2654435761L & 0xffffffffL));
        secrets.forEach(commands::mask);
        for (String s : secrets) write("using " + s + " now\n");
        assertThat(log()).isEqualTo("using *** now\n".repeat(500));
        assertThat(Pattern.compile("secret-\\d").matcher(log()).find()).isFalse();
    }
}
