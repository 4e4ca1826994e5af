package dev.runway.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.ApiPaths;
import dev.runway.server.RunwayServer;
import dev.runway.server.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Guessing tokens from one address is cut off after {@link AuthFailures#LIMIT} unknown ones (its own server). */
class AuthRateLimitTest {
    @TempDir
    Path dir;

    static int get(RunwayServer server, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return HttpClient.newHttpClient()
                .send(b.GET().build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    @Test
    void unknownTokensFromOneAddressAreRateLimitedButMistakesAreNot() throws Exception {
        try (RunwayServer server = RunwayServer.start(ServerConfig.defaults(dir).withPort(0))) {
            for (int i = 0; i < 50; i++)
                assertThat(get(server, ApiPaths.JOBS, null)).isEqualTo(401); // no token
            assertThat(get(server, ApiPaths.JOBS, server.adminToken())).isEqualTo(200);
            for (int i = 0; i < AuthFailures.LIMIT; i++)
                assertThat(get(server, ApiPaths.JOBS, "rwa_guess" + i)).isEqualTo(401);
            assertThat(get(server, ApiPaths.JOBS, "rwa_guess-more")).isEqualTo(429);
            assertThat(get(server, ApiPaths.JOBS, server.adminToken()))
                    .as("the address is blocked, whatever it sends")
                    .isEqualTo(429);
            assertThat(get(server, ApiPaths.HEALTH, null)).isEqualTo(200);
        }
    }
}
