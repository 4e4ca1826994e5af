package dev.runway.workflow.parse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.workflow.model.ActionDefinition;
import java.util.List;
import org.junit.jupiter.api.Test;

/** action.yml of the three kinds GitHub has, and the errors a broken one gets, with their positions. */
class ActionParserTest {
    static List<String> errors(String yaml) {
        return ActionParser.parse("action.yml", yaml).errors().stream()
                .map(Diagnostic::toString)
                .toList();
    }

    @Test
    void aJavaScriptActionWithPreAndPost() {
        ActionParser.Result r = ActionParser.parse("action.yml", """
                name: js
                inputs:
                  who:
                    required: true
                  greeting:
                    default: Hello
                outputs:
                  message:
                    description: what was said
                runs:
                  using: node20
                  pre: dist/setup.js
                  pre-if: runner.os == 'Linux'
                  main: dist/index.js
                  post: dist/cleanup.js
                """);
        assertThat(r.errors()).isEmpty();
        ActionDefinition a = r.action();
        assertThat(a.runs())
                .isEqualTo(new ActionDefinition.Node(
                        "node20", "dist/index.js", "dist/setup.js", "runner.os == 'Linux'", "dist/cleanup.js", null));
        assertThat(((ActionDefinition.Node) a.runs()).major()).isEqualTo(20);
        assertThat(a.inputs().get("who").required()).isTrue();
        assertThat(a.inputs().get("greeting").defaultValue()).isEqualTo("Hello");
        assertThat(a.steps()).isEmpty();
        for (String v : List.of("node12", "node16", "node24")) {
            assertThat(ActionParser.parse("a.yml", "runs:\n  using: " + v + "\n  main: i.js\n")
                            .action()
                            .using())
                    .isEqualTo(v);
        }
    }

    @Test
    void aDockerActionFromADockerfileOrAnImage() {
        ActionDefinition a = ActionParser.parse("action.yml", """
                        name: d
                        inputs:
                          who:
                            default: you
                        runs:
                          using: docker
                          image: Dockerfile
                          args:
                            - --who
                            - ${{ inputs.who }}
                          env:
                            MODE: fast
                          entrypoint: /entry.sh
                          post-entrypoint: /cleanup.sh
                        """).action();
        assertThat(a.runs())
                .isEqualTo(new ActionDefinition.Docker(
                        "Dockerfile",
                        List.of("--who", "${{ inputs.who }}"),
                        java.util.Map.of("MODE", "fast"),
                        "/entry.sh",
                        null,
                        null,
                        "/cleanup.sh",
                        null));
        ActionDefinition.Docker image = (ActionDefinition.Docker)
                ActionParser.parse("action.yml", "runs:\n  using: docker\n  image: docker://alpine:3.20\n")
                        .action()
                        .runs();
        assertThat(image.registryImage()).isTrue();
        assertThat(image.args()).isEmpty();
    }

    @Test
    void brokenActionsAreRefusedWithTheirPositions() {
        assertThat(errors("runs:\n  using: node20\n"))
                .containsExactly("action.yml:2:10: error: Required property is missing: runs.main (the script node20"
                        + " runs)");
        assertThat(errors("runs:\n  using: node20\n  main: ../../etc/passwd\n"))
                .containsExactly(
                        "action.yml:3:9: error: runs.main must be a path inside the action, not '../../etc/passwd'");
        assertThat(errors("runs:\n  using: node20\n  main: i.js\n  image: Dockerfile\n"))
                .singleElement()
                .asString()
                .startsWith("action.yml:4:10: error: runs.image does not apply to actions that run with 'node20'");
        assertThat(errors("runs:\n  using: docker\n"))
                .singleElement()
                .asString()
                .startsWith("action.yml:2:10: error: Required property is missing: runs.image");
        assertThat(errors("runs:\n  using: docker\n  image: Dockerfile\n  args: --x\n"))
                .containsExactly("action.yml:4:9: error: runs.args must be a list of strings");
        assertThat(errors("runs:\n  using: node20\n  main: i.js\n  post-if: success(\n"))
                .singleElement()
                .asString()
                .startsWith("action.yml:4:12: error:");
        assertThat(errors("runs:\n  using: java21\n"))
                .containsExactly("action.yml:2:10: error: not supported by Runway: actions that run with 'java21'"
                        + " (Runway runs composite, node12, node16, node20, node24 and docker actions)");
        assertThat(errors("runs:\n  main: i.js\n"))
                .singleElement()
                .asString()
                .startsWith("action.yml:2:3: error: Required property is missing: runs.using");
        assertThat(errors("runs:\n  using: composite\n  main: i.js\n  steps:\n    - run: echo\n      shell: bash\n"))
                .singleElement()
                .asString()
                .startsWith("action.yml:3:9: error: runs.main does not apply to actions that run with 'composite'");
    }

    @Test
    void aJavaScriptActionWithAnEmptyMainIsAnError() {
        // found by NullAway: an empty or null runs.main used to give an action whose main script was null
        for (String main : List.of("  main:\n", "  main: null\n")) {
            ActionParser.Result r = ActionParser.parse("action.yml", "runs:\n  using: node20\n" + main);
            assertThat(r.action()).isNull();
            assertThat(errors("runs:\n  using: node20\n" + main))
                    .containsExactly(
                            "action.yml:2:10: error: Required property is missing: runs.main (the script node20 runs)");
        }
    }
}
