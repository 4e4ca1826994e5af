package dev.runway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class TextLogsTest {
    @Test
    void logbackFindsTheTextConfigurationThroughTheServiceLoader() {
        List<String> found = ServiceLoader.load(Configurator.class).stream()
                .map(p -> p.type().getName())
                .toList();
        assertThat(found).contains(TextLogs.class.getName());
    }

    @Test
    void linesGoToStderrInTheTextFormatAndLibrariesAreQuietBelowWarn() {
        LoggerContext ctx = new LoggerContext();
        ctx.setMDCAdapter(org.slf4j.MDC.getMDCAdapter());
        PrintStream err = System.err;
        PrintStream out = System.out;
        ByteArrayOutputStream capturedErr = new ByteArrayOutputStream();
        ByteArrayOutputStream capturedOut = new ByteArrayOutputStream();
        System.setErr(new PrintStream(capturedErr, true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(capturedOut, true, StandardCharsets.UTF_8));
        try {
            TextLogs.apply(ctx);
            ctx.getLogger("dev.runway.agent.RunwayAgent").info("runner {} ready", "r1");
            ctx.getLogger("dev.runway.agent.RunwayAgent").debug("below INFO: not written");
            ctx.getLogger("org.eclipse.jetty.server.Server").info("jetty chatter: not written");
            ctx.getLogger("com.zaxxer.hikari.pool.HikariPool").warn("pool trouble");
        } finally {
            System.setErr(err);
            System.setOut(out);
            ctx.stop();
        }
        List<String> lines =
                capturedErr.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  RunwayAgent - runner r1 ready");
        assertThat(lines.get(1)).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARN  HikariPool - pool trouble");
        assertThat(capturedOut.size()).as("stdout stays for command output").isZero();
    }

    @Test
    void theRootLevelComesFromRunwayLogLevelAndABadValueMeansInfo() {
        assertThat(TextLogs.rootLevel(null)).isEqualTo(Level.INFO);
        assertThat(TextLogs.rootLevel("")).isEqualTo(Level.INFO);
        assertThat(TextLogs.rootLevel(" debug ")).isEqualTo(Level.DEBUG);
        assertThat(TextLogs.rootLevel("WARN")).isEqualTo(Level.WARN);
        assertThat(TextLogs.rootLevel("loud")).isEqualTo(Level.INFO);
    }

    @Test
    void anExplicitConfigurationFileWins() {
        String before = System.getProperty("logback.configurationFile");
        System.setProperty("logback.configurationFile", "/nonexistent/logback.xml");
        try {
            LoggerContext ctx = new LoggerContext();
            assertThat(new TextLogs().configure(ctx)).isEqualTo(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
            assertThat(ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)
                            .iteratorForAppenders()
                            .hasNext())
                    .isFalse();
        } finally {
            if (before == null) System.clearProperty("logback.configurationFile");
            else System.setProperty("logback.configurationFile", before);
        }
    }
}
