package dev.runway.agent.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The --executor values stay what they were; each reads as one isolation and back. */
class IsolationTest {
    @Test
    void theExecutorFlagsNameTheThreeIsolations() {
        assertThat(Isolation.of("shell")).isEqualTo(Isolation.HOST);
        assertThat(Isolation.of("sandbox")).isEqualTo(Isolation.SANDBOX);
        assertThat(Isolation.of("container")).isEqualTo(Isolation.CONTAINER);
        for (Isolation i : Isolation.values())
            assertThat(Isolation.of(i.flag())).isEqualTo(i);
    }

    @Test
    void onlyTheContainerKeepsStepsAwayFromTheRunnersPrograms() {
        assertThat(Isolation.HOST.onHost()).isTrue();
        assertThat(Isolation.SANDBOX.onHost()).isTrue();
        assertThat(Isolation.CONTAINER.onHost()).isFalse();
    }

    @Test
    void anUnknownExecutorIsRefusedWithTheValuesThereAre() {
        assertThatThrownBy(() -> Isolation.of("docker"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown executor 'docker' (use shell, sandbox, container)");
    }
}
