package dev.runway.server.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runway.workflow.model.Workflow;
import dev.runway.workflow.parse.WorkflowParser;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunInputsTest {
    static final Workflow WF = WorkflowParser.parse("w.yml", """
                    on:
                      push:
                      workflow_dispatch:
                        inputs:
                          name: {required: true}
                          debug: {type: boolean}
                          level: {type: choice, options: [low, high], default: low}
                          count: {type: number, default: 2}
                    jobs:
                      a: {runs-on: x, steps: [{run: 'true'}]}
                    """).workflow();

    @Test
    void typedValuesAndDefaults() {
        RunInputs r = RunInputs.resolve(WF, null, Map.of("name", "n", "debug", "true"));
        assertThat(r.event()).isEqualTo("workflow_dispatch");
        assertThat(r.inputs())
                .containsEntry("name", "n")
                .containsEntry("debug", true)
                .containsEntry("level", "low")
                .containsEntry("count", 2L);
    }

    @Test
    void mistakesAreNamed() {
        assertThatThrownBy(() -> RunInputs.resolve(WF, null, Map.of())).hasMessage("inputs: 'name' is required");
        assertThatThrownBy(() -> RunInputs.resolve(WF, null, Map.of("name", "n", "debug", "yes")))
                .hasMessageContaining("'debug' is a boolean");
        assertThatThrownBy(() -> RunInputs.resolve(WF, null, Map.of("name", "n", "level", "max")))
                .hasMessageContaining("'max' is not an option of 'level' (options: low, high)");
        assertThatThrownBy(() -> RunInputs.resolve(WF, null, Map.of("name", "n", "count", "many")))
                .hasMessageContaining("'count' is a number");
        assertThatThrownBy(() -> RunInputs.resolve(WF, "push", Map.of("name", "n")))
                .hasMessageContaining("it declares none for push");
        assertThatThrownBy(() -> RunInputs.resolve(WF, "schedule", Map.of()))
                .hasMessageContaining("not triggered by 'schedule' (its triggers: push, workflow_dispatch)");
    }

    @Test
    void repositoryNamesFromUrlsAndPaths() {
        assertThat(RunContexts.repositoryName("https://github.com/acme/app.git"))
                .isEqualTo("acme/app");
        assertThat(RunContexts.repositoryName("git@github.com:acme/app.git")).isEqualTo("acme/app");
        assertThat(RunContexts.repositoryName("/srv/git/app/")).isEqualTo("git/app");
    }
}
