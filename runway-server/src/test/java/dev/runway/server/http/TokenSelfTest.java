package dev.runway.server.http;

import static dev.runway.server.http.HttpApiTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.ApiTokenView;
import dev.runway.protocol.AuditView;
import dev.runway.server.RunwayServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /api/v1/tokens/self}: any API token reads its own record, so the dashboard can tell a viewer from an
 * operator without trying a write (a refused write is an {@code auth.denied} audit row and a security event).
 */
class TokenSelfTest {
    @TempDir
    static Path dir;

    static RunwayServer server;

    @BeforeAll
    static void start() {
        server = HttpApiTest.startTestServer(dir);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static HttpApiTest.Answer call(String method, String path, String token) throws Exception {
        return HttpApiTest.call(server, method, path, token, null);
    }

    static ApiTokenView create(String role, String name) throws Exception {
        HttpApiTest.Answer a = HttpApiTest.call(
                server,
                "POST",
                ApiPaths.API_TOKENS,
                server.adminToken(),
                HttpApiTest.json(new ApiTokenView.CreateRequest(role, "1d", name)));
        assertThat(a.status()).as(a.body()).isEqualTo(201);
        return a.as(ApiTokenView.class);
    }

    @Test
    void eachTokenReadsItsOwnRoleAndNameButNotItsValue() throws Exception {
        for (String role : new String[] {"viewer", "operator", "admin"}) {
            ApiTokenView made = create(role, "self " + role);
            HttpApiTest.Answer a = call("GET", ApiPaths.API_TOKEN_SELF, made.token());
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            ApiTokenView self = a.as(ApiTokenView.class);
            assertThat(self.id()).isEqualTo(made.id());
            assertThat(self.role()).isEqualTo(role);
            assertThat(self.name()).isEqualTo("self " + role);
            assertThat(self.expiresAt()).isEqualTo(made.expiresAt());
            assertThat(self.token())
                    .as("the token's value is never answered again")
                    .isNull();
            assertThat(a.body()).doesNotContain(made.token());
        }
        ApiTokenView bootstrap =
                call("GET", ApiPaths.API_TOKEN_SELF, server.adminToken()).as(ApiTokenView.class);
        assertThat(bootstrap.role()).isEqualTo("admin");
    }

    @Test
    void withoutAValidApiTokenItIsRefused() throws Exception {
        assertError(call("GET", ApiPaths.API_TOKEN_SELF, null), 401, "unauthorized", "API token");
        ApiTokenView made = create("viewer", "soon revoked");
        assertThat(call("DELETE", ApiPaths.withId(ApiPaths.API_TOKEN, made.id()), server.adminToken())
                        .status())
                .isEqualTo(204);
        assertError(call("GET", ApiPaths.API_TOKEN_SELF, made.token()), 401, "unauthorized", "revoked");
    }

    @Test
    void askingIsNotASecurityEvent() throws Exception {
        ApiTokenView viewer = create("viewer", "asks who it is");
        assertThat(call("GET", ApiPaths.API_TOKEN_SELF, viewer.token()).status())
                .isEqualTo(200);
        AuditView.AuditList audit = call("GET", ApiPaths.AUDIT + "?kind=auth.&limit=100", server.adminToken())
                .as(AuditView.AuditList.class);
        assertThat(audit.records())
                .as("a viewer reading its own role is not an auth.denied row")
                .noneMatch(r -> r.actor().equals(viewer.id()));
    }
}
