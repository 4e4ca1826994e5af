package dev.runway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runway.protocol.LogContext;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class LogOptionsTest {
    /** Logs through a fresh logback context configured as `--log-format json` does; returns what went to stderr. */
    static List<String> jsonLines(java.util.function.Consumer<org.slf4j.Logger> logging) {
        LoggerContext ctx = new LoggerContext();
        ctx.setMDCAdapter(MDC.getMDCAdapter());
        LogOptions.configure(ctx, "json");
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            logging.accept(ctx.getLogger("dev.runway.test.Example"));
        } finally {
            System.setErr(err);
            ctx.stop();
        }
        return captured.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void jsonLinesHaveTheFieldsTheIdsInContextAndTheStackTrace() throws Exception {
        List<String> lines = jsonLines(log -> {
            log.info("outside any job");
            try (LogContext runner = LogContext.runner("r_1");
                    LogContext job = LogContext.job("j_2", 3);
                    LogContext run = LogContext.run("run_4")) {
                log.error("job {} broke", "j_2", new IllegalStateException("boom"));
            }
            log.debug("below the level: not written");
        });

        assertThat(lines).hasSize(2);
        ObjectMapper json = new ObjectMapper();
        JsonNode plain = json.readTree(lines.get(0));
        assertThat(fieldNames(plain)).containsExactly("ts", "level", "logger", "thread", "message");
        assertThat(plain.get("ts").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(plain.get("level").asText()).isEqualTo("INFO");
        assertThat(plain.get("logger").asText()).isEqualTo("dev.runway.test.Example");
        assertThat(plain.get("thread").asText())
                .isEqualTo(Thread.currentThread().getName());
        assertThat(plain.get("message").asText()).isEqualTo("outside any job");

        JsonNode failed = json.readTree(lines.get(1));
        // the ids come in the MDC's order, between the message and the error
        assertThat(fieldNames(failed))
                .startsWith("ts", "level", "logger", "thread", "message")
                .endsWith("error")
                .containsExactlyInAnyOrder(
                        "ts",
                        "level",
                        "logger",
                        "thread",
                        "message",
                        "run_id",
                        "job_id",
                        "attempt",
                        "runner_id",
                        "error");
        assertThat(failed.get("level").asText()).isEqualTo("ERROR");
        assertThat(failed.get("message").asText()).isEqualTo("job j_2 broke");
        assertThat(failed.get("run_id").asText()).isEqualTo("run_4");
        assertThat(failed.get("job_id").asText()).isEqualTo("j_2");
        assertThat(failed.get("attempt").asText()).isEqualTo("3");
        assertThat(failed.get("runner_id").asText()).isEqualTo("r_1");
        assertThat(failed.get("error").asText())
                .startsWith("java.lang.IllegalStateException: boom")
                .contains("at dev.runway.cli.LogOptionsTest");
        assertThat(MDC.getCopyOfContextMap())
                .satisfiesAnyOf(m -> assertThat(m).isNull(), m -> assertThat(m).isEmpty());
    }

    @Test
    void scopesPutBackWhatWasThereAndWrapCarriesTheKeysToAnotherThread() throws Exception {
        try (LogContext outer = LogContext.job("j_outer", 1)) {
            try (LogContext inner = LogContext.with(LogContext.JOB_ID, "j_inner", LogContext.ATTEMPT, null)) {
                assertThat(MDC.get(LogContext.JOB_ID)).isEqualTo("j_inner");
                assertThat(MDC.get(LogContext.ATTEMPT)).isNull();
            }
            assertThat(MDC.get(LogContext.JOB_ID)).isEqualTo("j_outer");
            assertThat(MDC.get(LogContext.ATTEMPT)).isEqualTo("1");
            Map<String, String>[] seen = new Map[1];
            Thread t = Thread.ofVirtual().start(LogContext.wrap(() -> seen[0] = MDC.getCopyOfContextMap()));
            t.join();
            assertThat(seen[0]).containsEntry(LogContext.JOB_ID, "j_outer").containsEntry(LogContext.ATTEMPT, "1");
        }
        assertThat(MDC.get(LogContext.JOB_ID)).isNull();
    }

    @Test
    void anUnknownFormatIsAUsageErrorNamingTheAllowedOnes() {
        CliTest.Run r = CliTest.run(Map.of(), "server", "--log-format", "xml", "--port", "0");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--log-format: 'xml' is not a log format (use text or json)");

        CliTest.Run env = CliTest.run(Map.of("RUNWAY_LOG_FORMAT", "yaml"), "agent");
        assertThat(env.code()).isEqualTo(2);
        assertThat(env.err()).contains("'yaml' is not a log format (use text or json)");
    }

    @Test
    void theLongRunningCommandsTakeTheOptionAndDocumentIt() {
        for (String command : List.of("server", "agent", "scaler", "up")) {
            CliTest.Run r = CliTest.run(Map.of(), command, "--help");
            assertThat(r.out()).as(command).contains("--log-format=text|json");
        }
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> names = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
