package dev.runway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The systemd units in deploy/systemd as systemd itself reads them ({@code systemd-analyze verify}: unknown keys,
 * bad values and missing executables are errors), and the promises their comments make: the control plane runs as
 * its own unprivileged user with a read-only system and only its state directory to write; the agent is never root
 * and is not restarted after its runner was deleted (exit 2, docs/agent.md).
 */
class DeployUnitsTest {
    @TempDir
    Path dir;

    static Path units() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("deploy/systemd"))) p = p.getParent();
        assertThat(p).as("deploy/systemd above the working directory").isNotNull();
        return p.resolve("deploy/systemd");
    }

    @Test
    void systemdAcceptsBothUnits() throws Exception {
        boolean ci = "true".equals(System.getenv("CI"));
        boolean present = Files.isExecutable(Path.of("/usr/bin/systemd-analyze"));
        if (ci)
            assertThat(present)
                    .as("systemd-analyze (package systemd; .ci/run installs it)")
                    .isTrue();
        assumeThat(present).as("systemd-analyze").isTrue();
        for (String unit : List.of("runway-server.service", "runway-agent.service")) {
            // the unit as installed, with its binary standing in for /opt/runway/bin/runway (not installed here)
            String text = Files.readString(units().resolve(unit)).replace("/opt/runway/bin/runway", "/bin/true");
            Path copy = Files.writeString(dir.resolve(unit), text);
            Process p = new ProcessBuilder("systemd-analyze", "verify", copy.toString())
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(unit + ": " + out).isZero();
            assertThat(out.lines().filter(l -> l.contains(unit)).toList())
                    .as("systemd's complaints about " + unit)
                    .isEmpty();
        }
    }

    @Test
    void theUnitsKeepTheirPromises() throws Exception {
        String server = Files.readString(units().resolve("runway-server.service"));
        assertThat(server)
                .contains("DynamicUser=yes")
                .contains("ProtectSystem=strict")
                .contains("StateDirectory=runway")
                .contains("NoNewPrivileges=yes")
                .contains("CapabilityBoundingSet=\n")
                .contains("UMask=0077");
        String agent = Files.readString(units().resolve("runway-agent.service"));
        assertThat(agent)
                .contains("User=runway-agent")
                .doesNotContain("User=root")
                .contains("RestartPreventExitStatus=2")
                .contains("NoNewPrivileges=yes");
    }
}
