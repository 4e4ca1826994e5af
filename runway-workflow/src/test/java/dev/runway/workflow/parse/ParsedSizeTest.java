package dev.runway.workflow.parse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.workflow.Limits;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The parsed size as GitHub's parser counts it (GitHub's max-result-size): the numbers come from GitHub's own pair of
 * cases, and from its counting rules (actions/runner, TemplateMemory.cs) applied by hand where no case exists.
 */
class ParsedSizeTest {
    /** The workflow of GitHub's cases max-result-size.yml (limit 1128, parses) and errors-max-result-size.yml. */
    static final String GITHUBS_CASE = """
            on: push
            jobs:
              job1:
                runs-on: ubuntu-latest
                steps:
                  - run: echo Deploying 1...
                  - run: echo Deploying 2...
                  - run: echo Deploying 3...
            """;

    static WorkflowParser.Result parse(String file, String yaml, long limit, Map<String, String> callees) {
        return WorkflowParser.parse(
                file,
                yaml,
                WorkflowParser.Options.DEFAULT.withCallees(callees::get).withSizes(Limits.MAX_FILE_BYTES, limit));
    }

    static boolean tooLarge(WorkflowParser.Result r) {
        return r.errors().stream().anyMatch(d -> d.message().contains("Maximum object size exceeded"));
    }

    /** The smallest limit the workflow parses within: its parsed size, measured through the parser alone. */
    static long parsedBytes(String file, String yaml, Map<String, String> callees) {
        long low = 0;
        long high = Limits.MAX_PARSED_BYTES;
        assertThat(tooLarge(parse(file, yaml, high, callees))).isFalse();
        while (low < high) {
            long mid = (low + high) / 2;
            if (tooLarge(parse(file, yaml, mid, callees))) low = mid + 1;
            else high = mid;
        }
        return low;
    }

    /** The bytes of one document's name and values alone, no matrix or call counted. */
    static long documentBytes(String file, String yaml) {
        ParsedSize size = new ParsedSize(Long.MAX_VALUE);
        assertThat(size.addDocument(file, Yaml.compose(yaml, new Session(file))))
                .isNull();
        return size.bytes();
    }

    @Test
    void githubsCaseTakesExactlyItsLimitAndTheLongerFileNameGoesOver() {
        // GitHub's pair: 1128 parses as max-result-size.yml; 1141 fails as errors-max-result-size.yml (7 more
        // characters in the name, 14 bytes: 1142)
        assertThat(parsedBytes(".github/workflows/max-result-size.yml", GITHUBS_CASE, Map.of()))
                .isEqualTo(1128);
        assertThat(parsedBytes(".github/workflows/errors-max-result-size.yml", GITHUBS_CASE, Map.of()))
                .isEqualTo(1142);
    }

    @Test
    void goingOverIsAnErrorAtTheValueThatWentOver() {
        WorkflowParser.Result r = parse(".github/workflows/max-result-size.yml", GITHUBS_CASE, 1127, Map.of());
        assertThat(r.workflow()).isNull();
        assertThat(r.errors().stream().map(Diagnostic::toString))
                .containsExactly(".github/workflows/max-result-size.yml:8:14: error: Maximum object size exceeded:"
                        + " parsed, the workflow would take more than 1127 bytes, counted as GitHub's parser counts"
                        + " them; this value takes it over the limit");
    }

    @Test
    void theDefaultLimitIsGitHubsTenMebibytes() {
        assertThat(WorkflowParser.Options.DEFAULT.maxParsedBytes()).isEqualTo(10L * 1024 * 1024);
        assertThat(WorkflowParser.parse("ci.yml", GITHUBS_CASE).errors()).isEmpty();
    }

    @Test
    void stringsCountAsTheTokensGitHubsReaderMakesOfThem() {
        assertThat(ParsedSize.text("plain")).isEqualTo(24 + 26 + 2 * 5);
        assertThat(ParsedSize.text("${{ github.sha }}")).isEqualTo(24 + 26 + 2 * "github.sha".length());
        assertThat(ParsedSize.text("echo ${{ github.sha }} done"))
                .isEqualTo(24 + 26 + 2 * "format('echo {0} done', github.sha)".length());
        assertThat(ParsedSize.text("it's {x}: ${{ a }}${{ b }}"))
                .isEqualTo(24 + 26 + 2 * "format('it''s {{x}}: {0}{1}', a, b)".length());
        assertThat(ParsedSize.text("${{ 'a literal' }}")).isEqualTo(24 + 26 + 2 * "a literal".length());
        assertThat(ParsedSize.text("${{ insert }}")).isEqualTo(24);
        assertThat(ParsedSize.text("${{ unclosed")).isEqualTo(24 + 26 + 2 * "${{ unclosed".length());
    }

    @Test
    void numbersBooleansAndNullsAreObjectsAndKeysAreStrings() {
        // {k: 1}, {k: true}, {k: null}: the mapping (24), the key "k" (24 + 26 + 2) and a 24-byte value
        for (String v : List.of("1", "0x1F", "true", "True", "null", "~", "", "1.5", ".inf"))
            assertThat(documentBytes("f", "k: " + v)).isEqualTo(26 + 2 + 24 + 52 + 24);
        assertThat(documentBytes("f", "k: 'x'")).isEqualTo(26 + 2 + 24 + 52 + 52);
        assertThat(documentBytes("f", "1: x")).isEqualTo(documentBytes("f", "k: x"));
        assertThat(documentBytes("f", "3.10: x")).isEqualTo(documentBytes("f", "3.1: x")); // the key "3.1"
    }

    @Test
    void aliasesCountEachTimeTheyAreUsed() {
        long once = documentBytes("f", "a: &x [p, q]\nb: [p, q]\n");
        assertThat(documentBytes("f", "a: &x [p, q]\nb: *x\n")).isEqualTo(once);
    }

    @Test
    void aStaticMatrixAddsEachCombinationAsGitHubBuildsItWhenItValidates() {
        String yaml = """
                on: push
                jobs:
                  j:
                    runs-on: x
                    strategy: {matrix: {os: [a, b]}}
                    steps: [{run: echo}]
                """;
        // each: 24, id "a" (26 + 2), a null display name (26), "matrix" (38), {os: a} (24 + 54 + 52),
        // "strategy" (42) and its four numbers and booleans with their keys (398)
        long combination = 24 + 28 + 26 + 38 + 130 + 42 + 398;
        assertThat(parsedBytes("ci.yml", yaml, Map.of())).isEqualTo(documentBytes("ci.yml", yaml) + 2 * combination);
        long limit = documentBytes("ci.yml", yaml) + combination; // room for one combination, not two
        assertThat(parse("ci.yml", yaml, limit, Map.of()).errors().stream().map(Diagnostic::toString))
                .containsExactly("ci.yml:5:24: error: Maximum object size exceeded: parsed, the workflow would take"
                        + " more than " + limit + " bytes, counted as GitHub's parser counts them; the combinations"
                        + " of this matrix take it over the limit");
    }

    @Test
    void aMatrixWithAnExpressionIsNotBuiltSoOnlyItsValuesCount() {
        String yaml = """
                on: push
                jobs:
                  j:
                    runs-on: x
                    strategy: {matrix: {os: [a, "${{ github.sha }}"]}}
                    steps: [{run: echo}]
                """;
        assertThat(parsedBytes("ci.yml", yaml, Map.of())).isEqualTo(documentBytes("ci.yml", yaml));
    }

    @Test
    void anIncludeOnlyMatrixTakesItsIdsFromTheIncludedValues() {
        String yaml = """
                on: push
                jobs:
                  j:
                    runs-on: x
                    strategy: {matrix: {include: [{os: linux, v: 1}]}}
                    steps: [{run: echo}]
                """;
        long matrix = 24 + (24 + 26 + 4) + (24 + 26 + 10) + (24 + 26 + 2) + 24; // {os: linux, v: 1}
        long combination = 24 + (26 + 2 * "linux_1".length()) + 26 + 38 + matrix + 42 + 398;
        assertThat(parsedBytes("ci.yml", yaml, Map.of())).isEqualTo(documentBytes("ci.yml", yaml) + combination);
    }

    static final String CALLEE = """
            on: workflow_call
            jobs:
              job1:
                runs-on: ubuntu-latest
                steps:
                  - run: echo Deploying...
            """;

    static final String CALLER = """
            on: push
            jobs:
              build-0: { uses: ./.github/workflows/deploy.yml }
              build-1: { uses: ./.github/workflows/deploy.yml }
            """;

    @Test
    void aCalledWorkflowCountsEachTimeItIsCalledItsNameOnce() {
        String ref = "./.github/workflows/deploy.yml";
        long callee = documentBytes(ref, CALLEE); // its name and its values
        long calleeValues = callee - ParsedSize.string(ref);
        assertThat(parsedBytes("ci.yml", CALLER, Map.of(ref, CALLEE)))
                .isEqualTo(documentBytes("ci.yml", CALLER) + callee + calleeValues);
    }

    @Test
    void aCallThatTakesTheRunOverTheLimitIsAnErrorAtTheCall() {
        String ref = "./.github/workflows/deploy.yml";
        Map<String, String> callees = Map.of(ref, CALLEE);
        long all = parsedBytes("ci.yml", CALLER, callees);
        WorkflowParser.Result r = parse("ci.yml", CALLER, all - 1, callees);
        assertThat(r.workflow()).isNull();
        assertThat(r.errors().stream().map(Diagnostic::toString))
                .contains("ci.yml:4:20: error: Error from called workflow ./.github/workflows/deploy.yml: Maximum"
                        + " object size exceeded (parsed, the workflow and the workflows it calls would take more"
                        + " than " + (all - 1) + " bytes, counted as GitHub's parser counts them)");
        // the callee alone is within the limit: the first call is fine, the second takes the run over
        assertThat(r.errors()).noneMatch(d -> d.line() == 3 && d.file().equals("ci.yml"));
    }

    @Test
    void githubsReusableWorkflowCaseGoesOverAtItsSecondCall() {
        // errors-reusable-workflow-max-result-size.yml of actions/languageservices (MIT; not in the sample of
        // ../shared/conformance): max-result-size 2048, the error expected at "(Line: 4, Col: 20)"
        String caller = """
                on: push
                jobs:
                  build-0: { uses: contoso/templates/.github/workflows/deploy.yml@v1 }
                  build-1: { uses: contoso/templates/.github/workflows/deploy.yml@v1 }
                """;
        String callee = """
                on: workflow_call
                jobs:
                  job1:
                    runs-on: ubuntu-latest
                    steps:
                      - run: echo Deploying...
                """;
        WorkflowParser.Result r = parse(
                ".github/workflows/errors-reusable-workflow-max-result-size.yml",
                caller,
                2048,
                Map.of("contoso/templates/.github/workflows/deploy.yml@v1", callee));
        assertThat(r.errors())
                .anySatisfy(d -> assertThat(d.line() + ":" + d.column() + " " + d.message())
                        .startsWith("4:20 Error from called workflow contoso/templates/.github/workflows/deploy.yml@v1:"
                                + " Maximum object size exceeded"));
    }

    @Test
    void numbersInIdsAreFormattedAsGitHubFormatsThem() {
        assertThat(Yaml.g15(3)).isEqualTo("3");
        assertThat(Yaml.g15(3.10)).isEqualTo("3.1");
        assertThat(Yaml.g15(0.1 + 0.2)).isEqualTo("0.3");
        assertThat(Yaml.g15(1e15)).isEqualTo("1E+15");
        assertThat(Yaml.g15(-0.00001)).isEqualTo("-1E-05");
        assertThat(Yaml.g15(0.0001)).isEqualTo("0.0001");
    }
}
