package dev.runway.server.runs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which workflow- and job-level env values the control plane leaves for the runner to evaluate. */
class RunnerSideTest {
    @Test
    void secretsTheRunnerContextAndTheWorkspaceAreTheRunners() {
        assertThat(RunnerSide.needed("${{ secrets.TOKEN }}")).isTrue();
        assertThat(RunnerSide.needed("${{ runner.temp }}/x")).isTrue();
        assertThat(RunnerSide.needed("${{ runner['os'] }}")).isTrue();
        assertThat(RunnerSide.needed("${{ github.workspace }}/build")).isTrue();
        assertThat(RunnerSide.needed("${{ format('{0}/b', github . workspace) }}"))
                .isTrue();
        assertThat(RunnerSide.needed("${{ github['workspace'] }}")).isTrue();
    }

    @Test
    void whatTheControlPlaneKnowsStaysWithIt() {
        assertThat(RunnerSide.needed("${{ github.sha }}")).isFalse();
        assertThat(RunnerSide.needed("${{ github.workspaces_url }}")).isFalse();
        assertThat(RunnerSide.needed("runner.temp is plain text")).isFalse();
        assertThat(RunnerSide.needed("${{ matrix.runner }}")).isFalse();
        assertThat(RunnerSide.needed(null)).isFalse();
    }
}
