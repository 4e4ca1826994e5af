package dev.runway.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import java.net.URL;
import java.util.List;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code --log-format text|json} of the long-running commands (server, agent, scaler, up). Like every option it
 * also comes from {@code RUNWAY_LOG_FORMAT} or the config file's {@code log-format}. Applied by {@link Main} after
 * parsing and before the command runs, so nothing is logged in the other format.
 */
final class LogOptions {
    static final List<String> FORMATS = List.of("text", "json");

    @Option(
            names = "--log-format",
            defaultValue = "text",
            paramLabel = "text|json",
            description = "Log lines on stderr: text (human-readable) or json (one JSON object per line with ts, level,"
                    + " logger, thread, message, run_id, job_id, attempt, runner_id, error). Env RUNWAY_LOG_FORMAT;"
                    + " default ${DEFAULT-VALUE}.")
    String format;

    /** Checks the value (a usage error, exit code 2) and switches logback to it. */
    void apply(CommandLine cl) {
        if (!FORMATS.contains(format)) {
            throw new CommandLine.ParameterException(
                    cl, "--log-format: '" + format + "' is not a log format (use text or json)");
        }
        if (format.equals("json") && LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
            configure(ctx, format);
        }
    }

    /** Replaces {@code ctx}'s configuration with the one for {@code format} ({@link TextLogs} or logback-json.xml). */
    static void configure(LoggerContext ctx, String format) {
        if (format.equals("text")) {
            TextLogs.apply(ctx);
            return;
        }
        URL config = LogOptions.class.getResource("/logback-json.xml");
        if (config == null) throw new IllegalStateException("logging configuration for " + format + " is missing");
        JoranConfigurator c = new JoranConfigurator();
        c.setContext(ctx);
        ctx.reset();
        try {
            c.doConfigure(config);
        } catch (JoranException e) {
            throw new IllegalStateException("cannot configure " + format + " logs: " + e.getMessage(), e);
        }
    }
}
