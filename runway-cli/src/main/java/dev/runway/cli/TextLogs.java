package dev.runway.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.Map;

/**
 * Runway's default logging (`--log-format text`): human-readable lines on stderr, stdout staying for command output,
 * the chatty libraries at WARN, the root at {@code RUNWAY_LOG_LEVEL} (default INFO). Configured in code, found by
 * logback through {@code META-INF/services}, because parsing an XML configuration loads some 600 classes and costs
 * every command about 0.2 s of start-up (an agent's start to ready is a target: docs/benchmarks.md). An explicit
 * {@code -Dlogback.configurationFile} or a {@code logback-test.xml} on the class path (tests, benchmarks) wins.
 * {@code --log-format json} replaces this with logback-json.xml ({@link LogOptions}); keep the levels of both alike.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class TextLogs extends ContextAwareBase implements Configurator {
    /** Libraries whose INFO is noise for Runway's users. */
    static final Map<String, Level> QUIET = Map.of(
            "org.eclipse.jetty", Level.WARN,
            "io.javalin", Level.WARN,
            "com.zaxxer.hikari", Level.WARN,
            "org.flywaydb", Level.WARN,
            "com.github.dockerjava", Level.WARN,
            "org.apache.hc", Level.WARN);

    @Override
    public ExecutionStatus configure(LoggerContext ctx) {
        if (System.getProperty("logback.configurationFile") != null
                || TextLogs.class.getClassLoader().getResource("logback-test.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        apply(ctx);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** Replaces {@code ctx}'s configuration with the text one. */
    static void apply(LoggerContext ctx) {
        ctx.reset();
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(ctx);
        encoder.setPattern("%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n");
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(ctx);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        QUIET.forEach((name, level) -> ctx.getLogger(name).setLevel(level));
        ch.qos.logback.classic.Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(rootLevel(System.getenv("RUNWAY_LOG_LEVEL")));
        root.addAppender(stderr);
    }

    /** {@code RUNWAY_LOG_LEVEL} as logback reads a level (unknown or empty: INFO). */
    static Level rootLevel(String env) {
        return Level.toLevel(env == null || env.isBlank() ? null : env.strip(), Level.INFO);
    }
}
