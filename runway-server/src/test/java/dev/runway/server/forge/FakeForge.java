package dev.runway.server.forge;

import com.sun.net.httpserver.HttpServer;
import dev.runway.protocol.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for GitHub's (or Gitea's) commit status endpoint on loopback, in the style of the fleet bridge's fake
 * GitHub: it records every call and answers 201, or the statuses scripted in {@link #answers}.
 */
final class FakeForge implements AutoCloseable {
    record Call(String method, String path, String authorization, String apiVersion, Map<String, Object> body) {
        String state() {
            return (String) body.get("state");
        }

        String context() {
            return (String) body.get("context");
        }
    }

    final List<Call> calls = new CopyOnWriteArrayList<>();
    /** Status codes for the next calls, in order; 201 once they run out. */
    final ConcurrentLinkedQueue<Integer> answers = new ConcurrentLinkedQueue<>();

    private final HttpServer server;

    FakeForge() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            byte[] in = exchange.getRequestBody().readAllBytes();
            @SuppressWarnings("unchecked")
            Map<String, Object> body = Json.lenient().readValue(in, Map.class);
            Integer scripted = answers.poll();
            int status = scripted == null ? 201 : scripted;
            if (status == 201)
                calls.add(new Call(
                        exchange.getRequestMethod(),
                        exchange.getRequestURI().getRawPath(),
                        exchange.getRequestHeaders().getFirst("Authorization"),
                        exchange.getRequestHeaders().getFirst("X-GitHub-Api-Version"),
                        body));
            byte[] out = (status == 201 ? "{\"id\":1}" : "{\"message\":\"scripted " + status + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, out.length);
            exchange.getResponseBody().write(out);
            exchange.close();
        });
        server.start();
    }

    URI base(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    /** The states posted for one context, in order. */
    List<String> states(String context) {
        return calls.stream()
                .filter(c -> c.context().equals(context))
                .map(Call::state)
                .toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
