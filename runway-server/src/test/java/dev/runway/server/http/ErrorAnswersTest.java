package dev.runway.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.ApiError;
import dev.runway.protocol.Json;
import io.javalin.Javalin;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The error answers the control plane installs, on a Javalin of their own with routes that fail in every way a
 * handler can: an Error (stack overflow), an unexpected exception, and an ApiException from a before-handler.
 */
class ErrorAnswersTest {
    Javalin app;

    @BeforeEach
    void start() {
        app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.startupWatcherEnabled = false;
            ErrorAnswers.configure(cfg);
            cfg.routes.get("/overflow", ctx -> {
                throw new StackOverflowError();
            });
            cfg.routes.get("/npe", ctx -> {
                throw new NullPointerException("Cannot invoke \"com.example.Thing.x()\" because \"t\" is null");
            });
            cfg.routes.before("/guarded", ctx -> {
                throw ApiException.unauthorized("missing Authorization header");
            });
            cfg.routes.get("/guarded", ctx -> ctx.result("never"));
            ErrorAnswers.register(cfg.routes, 1000);
        });
        app.start("127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        app.stop();
    }

    ApiError get(String path, int status) throws Exception {
        RawHttp.Answer a = RawHttp.send(app.port(), "GET", path, Map.of(), null, 10_000);
        assertThat(a.status()).as(a.body()).isEqualTo(status);
        assertThat(a.contentType()).startsWith("application/json");
        return Json.strict().readValue(a.body(), ApiError.class);
    }

    @Test
    void anErrorInAHandlerIsA500InTheJsonShape() throws Exception {
        assertThat(get("/overflow", 500)).isEqualTo(new ApiError("internal", ErrorAnswers.INTERNAL));
    }

    @Test
    void anUnexpectedExceptionIsA500WithoutItsDetails() throws Exception {
        assertThat(get("/npe", 500)).isEqualTo(new ApiError("internal", ErrorAnswers.INTERNAL));
    }

    @Test
    void aBeforeHandlerRefusesInTheJsonShape() throws Exception {
        assertThat(get("/guarded", 401).error()).isEqualTo("unauthorized");
    }
}
