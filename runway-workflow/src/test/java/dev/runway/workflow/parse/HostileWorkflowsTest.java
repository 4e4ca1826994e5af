package dev.runway.workflow.parse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.runway.workflow.HostileYaml;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Workflow files written to hurt the control plane: each is refused quickly with an error that names the limit and
 * the place, never an exception, a stack overflow, an out-of-memory or a hang.
 */
class HostileWorkflowsTest {
    static final Duration QUICKLY = Duration.ofSeconds(5);

    static List<String> errors(String yaml) {
        WorkflowParser.Result r = assertTimeoutPreemptively(QUICKLY, () -> WorkflowParser.parse("evil.yml", yaml));
        assertThat(r.workflow()).isNull();
        return r.errors().stream().map(Diagnostic::toString).toList();
    }

    @Test
    void aTenByTenMatrixIsRefusedBeforeItIsExpanded() {
        assertThat(errors(HostileYaml.matrix(10, 10)))
                .containsExactly("evil.yml:7:9: error: the matrix has 10000000000 combinations; at most 256 jobs"
                        + " may come from one matrix");
    }

    @Test
    void aMatrixJustOverTheLimitIsRefusedAndOneAtItIsAccepted() {
        assertThat(errors(HostileYaml.matrix(1, 257)))
                .singleElement()
                .asString()
                .contains("257 combinations", "at most 256");
        assertThat(WorkflowParser.parse("ok.yml", HostileYaml.matrix(2, 16)).errors())
                .isEmpty();
    }

    @Test
    void anExcludeThatBringsAHugeMatrixUnderTheLimitIsStillBoundedArithmetically() {
        // 3 x 100 = 300 combinations; excluding one value of k0 leaves 2 x 100 = 200: accepted, as on GitHub
        String yaml = """
                on: push
                jobs:
                  j:
                    runs-on: x
                    strategy:
                      matrix:
                        k0: [a, b, c]
                        k1: [%s]
                        exclude:
                          - k0: c
                    steps: [{run: echo}]
                """.formatted(String.join(
                ", ",
                java.util.stream.IntStream.range(0, 100)
                        .mapToObj(Integer::toString)
                        .toList()));
        WorkflowParser.Result r = WorkflowParser.parse("ok.yml", yaml);
        assertThat(r.errors()).isEmpty();
        assertThat(r.workflow().jobs().get("j").strategy().combinations()).hasSize(200);
    }

    @Test
    void tooManyJobsInOneRunAreRefused() {
        StringBuilder y = new StringBuilder("on: push\njobs:\n");
        for (int j = 0; j < 5; j++)
            y.append("  j")
                    .append(j)
                    .append(":\n    runs-on: x\n    strategy:\n      matrix:\n        a: [")
                    .append(String.join(
                            ", ",
                            java.util.stream.IntStream.range(0, 250)
                                    .mapToObj(Integer::toString)
                                    .toList()))
                    .append("]\n    steps: [{run: echo}]\n");
        assertThat(errors(y.toString()))
                .singleElement()
                .asString()
                .startsWith("evil.yml:3:3: error: ")
                .contains("it has 1250,", "at most 1000 jobs may run in one workflow run");
    }

    @Test
    void aLongChainOfNeedsIsRefusedByTheJobLimitBeforeItIsWalked() {
        StringBuilder y = new StringBuilder("on: push\njobs:\n  j0: {runs-on: x}\n");
        for (int j = 1; j < 12_000; j++)
            y.append("  j")
                    .append(j)
                    .append(": {runs-on: x, needs: j")
                    .append(j - 1)
                    .append("}\n");
        assertThat(errors(y.toString()))
                .containsExactly("evil.yml:3:3: error: The workflow may not contain more than 1000 jobs: it has"
                        + " 12000, counting every matrix combination (at most 1000 jobs may run in one workflow run)");
    }

    @Test
    void deeplyNestedFlowYamlIsRefusedWithThePlace() {
        String deep = HostileYaml.deepFlow(100_000, true);
        assertThat(errors(deep))
                .singleElement()
                .asString()
                .startsWith("evil.yml:2:")
                .contains("Maximum object depth exceeded (50 levels of nesting)");
    }

    @Test
    void deeplyNestedBlockYamlIsRefusedWithThePlace() {
        // "- - - - x": block sequences nested 100 000 deep in 200 KB, which overflowed the composer's stack
        String deep = HostileYaml.deepBlock(100_000);
        assertThat(errors(deep))
                .singleElement()
                .asString()
                .startsWith("evil.yml:3:")
                .contains("Maximum object depth exceeded (50 levels of nesting)");
        StringBuilder m = new StringBuilder("on: push\n");
        for (int i = 0; i < 60; i++)
            m.append(" ".repeat(i)).append("k").append(i).append(":\n");
        assertThat(errors(m.toString())).anySatisfy(e -> assertThat(e).contains("Maximum object depth exceeded"));
    }

    @Test
    void aTenMegabyteLineIsRefusedAtOnce() {
        String big = HostileYaml.longLine(10 * 1024 * 1024);
        assertThat(errors(big))
                .singleElement()
                .asString()
                .isEqualTo("evil.yml:1:1: error: the file is " + big.length()
                        + " bytes; a workflow file may have at most" + " 524288 bytes (512 KiB)");
    }

    @Test
    void aLongLineUnderTheSizeLimitParsesQuickly() {
        String big = HostileYaml.longLine(500_000);
        WorkflowParser.Result r = assertTimeoutPreemptively(QUICKLY, () -> WorkflowParser.parse("ok.yml", big));
        assertThat(r.errors()).isEmpty();
    }

    @Test
    void aFileUnderTheSizeLimitThatParsesTooLargeIsRefusedAtTheValueThatWentOver() {
        // 250 000 one-letter strings in 500 KB: 52 bytes each as GitHub counts them, 13 MB in all
        String yaml = "on: push\nenv: {A: [" + "a,".repeat(250_000) + "a]}\njobs: {j: {runs-on: x}}\n";
        assertThat(errors(yaml))
                .singleElement()
                .asString()
                .startsWith("evil.yml:2:")
                .contains("Maximum object size exceeded: parsed, the workflow would take more than 10485760 bytes"
                        + " (10 MiB)");
    }

    @Test
    void anAliasBombIsRefused() {
        String laughs = """
                on: push
                x: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
                b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
                c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
                d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
                e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
                f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
                g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
                h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
                i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
                jobs:
                  j:
                    runs-on: x
                    env: {A: "${{ toJSON(fromJSON('[1]')) }}"}
                    strategy: {matrix: {a: *i}}
                    steps: [{run: echo}]
                """;
        assertThat(errors(laughs))
                .containsExactly("evil.yml:8:23: error: more than 50 aliases of collections; at most 50 are allowed");
    }

    @Test
    void aliasesThatDoubleAtEachLevelAreRefusedByTheirExpandedSize() {
        // 24 levels of [*x, *x]: 48 aliases, under the alias limit, yet 2^24 nodes once expanded
        assertThat(errors(HostileYaml.doublingAliases(24)))
                .singleElement()
                .asString()
                .startsWith("evil.yml:1:1: error: aliases expand the document to ")
                .endsWith("nodes; at most 1000000 are allowed");
    }

    @Test
    void aRecursiveAliasIsRefused() {
        assertThat(errors("on: push\nx: &a [*a]\njobs: {j: {runs-on: x, steps: [{run: echo}], env: {A: *a}}}\n"))
                .anySatisfy(e -> assertThat(e).contains("recursive aliases are not allowed"));
    }

    @Test
    void aHugeExpressionIsRefusedWithItsLimit() {
        String yaml = "on: push\njobs:\n  j:\n    runs-on: x\n    steps:\n      - run: echo ${{ " + "1 + ".repeat(0)
                + "'" + "a".repeat(30_000) + "' }}\n";
        assertThat(errors(yaml))
                .singleElement()
                .asString()
                .startsWith("evil.yml:6:")
                .contains("Exceeded max expression length 21000");
    }

    @Test
    void binaryJunkAndEmptyFilesAreErrorsNotExceptions() {
        assertThat(errors("")).singleElement().asString().contains("empty");
        byte[] junk = new byte[4096];
        new java.util.Random(16).nextBytes(junk);
        assertThat(errors(new String(junk, java.nio.charset.StandardCharsets.ISO_8859_1)))
                .isNotEmpty();
        assertThat(errors("on: push\njobs: \0\n"))
                .containsExactly(
                        "evil.yml:2:7: error: invalid YAML: the character U+0000 is not allowed in a YAML file");
    }
}
