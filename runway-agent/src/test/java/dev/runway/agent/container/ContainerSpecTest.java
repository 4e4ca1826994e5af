package dev.runway.agent.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runway.agent.isolation.JobLimits;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The workflow's container:/services: values as real workflows write them, and what is refused. */
class ContainerSpecTest {
    @Test
    void anImageNameAlone() {
        ContainerSpec s = ContainerSpec.parse("node:20", "container");
        assertThat(s.image()).isEqualTo("node:20");
        assertThat(s.limits()).isEqualTo(JobLimits.NONE);
        assertThat(s.health()).isNull();
    }

    @Test
    void aServiceWithTheUsualHealthCheckOptions() {
        // as in actions' own docs and many real workflows (postgres, redis services)
        ContainerSpec s = ContainerSpec.parse(
                Map.of(
                        "image",
                        "postgres:16",
                        "env",
                        Map.of("POSTGRES_PASSWORD", "postgres"),
                        "ports",
                        List.of("5432:5432"),
                        "options",
                        "--health-cmd \"pg_isready -U postgres\"\n--health-interval 10s --health-timeout 5s"
                                + " --health-retries 5 --memory=512m --cpus 1.5 --pids-limit 100 -e EXTRA=1"),
                "services.postgres");
        assertThat(s.env()).containsEntry("POSTGRES_PASSWORD", "postgres").containsEntry("EXTRA", "1");
        assertThat(s.health())
                .isEqualTo(new ContainerSpec.HealthCheck(
                        "pg_isready -U postgres", Duration.ofSeconds(10), Duration.ofSeconds(5), 5, Duration.ZERO));
        assertThat(s.limits()).isEqualTo(new JobLimits(1.5, 512L << 20, 100));
    }

    @Test
    void flagsThatWidenAccessToTheHostAreRefusedByName() {
        assertThatThrownBy(() -> ContainerSpec.parse(Map.of("image", "x", "options", "--network host"), "container"))
                .hasMessageContaining("only 'none' is accepted");
        assertThat(ContainerSpec.parse(Map.of("image", "x", "options", "--network=none"), "c")
                        .noNetwork())
                .isTrue();
        for (String flag : List.of("--privileged", "--cap-add SYS_ADMIN", "--device /dev/sda", "-v /:/host")) {
            assertThatThrownBy(() -> ContainerSpec.parse(Map.of("image", "x", "options", flag), "container"))
                    .hasMessageContaining("container.options: " + flag.split(" ")[0] + " is not supported")
                    .hasMessageContaining("--cpus");
        }
        assertThatThrownBy(() -> ContainerSpec.parse(Map.of("image", "x", "volumes", List.of("/:/host")), "container"))
                .hasMessageContaining("volumes are not supported");
    }

    @Test
    void malformedValuesSayWhatIsWrong() {
        assertThatThrownBy(() -> ContainerSpec.parse(Map.of("env", Map.of()), "services.db"))
                .hasMessage("services.db: no image given (e.g. image: postgres:16)");
        assertThatThrownBy(() -> ContainerSpec.parse(Map.of("image", "x", "options", "--memory lots"), "container"))
                .hasMessageContaining("container.options: --memory: 'lots' is not a size");
        assertThatThrownBy(() -> ContainerSpec.parse(Map.of("image", "x", "options", "--health-cmd 'unclosed"), "c"))
                .hasMessage("c.options: unclosed ' quote");
        assertThatThrownBy(() -> ContainerSpec.parse(Map.of("image", "x", "options", "--health-interval 10"), "c"))
                .hasMessageContaining("'10' is not a duration");
        assertThatThrownBy(() -> ContainerSpec.parse(Map.of("image", "x", "options", "--cpus"), "c"))
                .hasMessage("c.options: --cpus needs a value");
        assertThatThrownBy(() -> ContainerSpec.parse(Map.of("image", "x", "entrypoint", "sh"), "c"))
                .hasMessage("c: unknown key 'entrypoint'");
    }

    @Test
    void goDurations() {
        assertThat(ContainerSpec.duration("1m30s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(ContainerSpec.duration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(ContainerSpec.duration("1.5s")).isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void aJobMayLowerTheRunnersLimitsButNotRaiseThem() {
        JobLimits runner = new JobLimits(2.0, 1L << 30, 500);
        assertThat(runner.capping(new JobLimits(4.0, 256L << 20, null))).isEqualTo(new JobLimits(2.0, 256L << 20, 500));
        assertThat(JobLimits.NONE.capping(new JobLimits(0.5, null, 10))).isEqualTo(new JobLimits(0.5, null, 10));
        assertThat(JobLimits.parseBytes("1.5g")).isEqualTo(1536L << 20);
        assertThat(JobLimits.parseBytes("65536k")).isEqualTo(64L << 20);
        assertThatThrownBy(() -> new JobLimits(null, 1024L, null)).hasMessageContaining("at least 4m");
    }
}
