package dev.runway.agent.steps;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.agent.actions.ActionContainers;
import dev.runway.agent.actions.ActionSources;
import dev.runway.agent.exec.JobApi;
import dev.runway.agent.exec.JobControl;
import dev.runway.agent.output.FileCommands;
import dev.runway.agent.output.WorkflowCommands;
import dev.runway.protocol.JobSpec;
import dev.runway.workflow.model.ActionDefinition;
import dev.runway.workflow.parse.ActionParser;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which class runs an action: its action.yml's {@code runs.using} decides, one kind per value. */
class ActionKindTest {
    @TempDir
    Path work;

    private StepLoop loop() throws Exception {
        JobSpec spec = new JobSpec("job", List.of(), Map.of(), List.of(), null, 1);
        // kind selection reads no step host: none is opened for it
        return new StepLoop(
                new ProcessSupervisor(new JobControl(), Long.MAX_VALUE),
                ActionContainers.NONE,
                null,
                spec,
                work.resolve("ws"),
                new WorkflowCommands((b, off, len) -> {}),
                new JobControl(),
                JobApi.NONE,
                new FileCommands(work.resolve("files")),
                ActionSources.NONE);
    }

    private static ActionDefinition.Runs runs(String runs) {
        ActionParser.Result r = ActionParser.parse("action.yml", "name: a\nruns:\n" + runs);
        assertThat(r.errors()).isEmpty();
        return r.action().runs();
    }

    @ParameterizedTest(name = "runs.using: {0} -> {1}")
    @CsvSource({
        "composite, CompositeAction",
        "node12, NodeAction",
        "node16, NodeAction",
        "node20, NodeAction",
        "node24, NodeAction",
        "docker, DockerAction",
    })
    void theUsingOfAnActionYmlChoosesItsKind(String using, String kind) throws Exception {
        String body = switch (using) {
            case "composite" -> "  using: composite\n  steps:\n    - run: echo hi\n      shell: bash\n";
            case "docker" -> "  using: docker\n  image: Dockerfile\n";
            default -> "  using: " + using + "\n  main: index.js\n";
        };
        assertThat(loop().kindOf(runs(body)).getClass().getSimpleName()).isEqualTo(kind);
    }

    @Test
    void anImageReferenceIsADockerActionToo() throws Exception {
        assertThat(loop().kindOf(runs("  using: docker\n  image: docker://alpine:3.20\n")))
                .isInstanceOf(DockerAction.class);
    }

    @Test
    void anUnknownUsingIsNoKindButAnErrorOfTheActionYml() {
        ActionParser.Result r = ActionParser.parse("action.yml", "name: a\nruns:\n  using: python\n  main: a.py\n");
        assertThat(r.action()).isNull();
        assertThat(r.errors()).isNotEmpty();
    }
}
