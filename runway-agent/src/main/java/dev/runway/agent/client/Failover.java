package dev.runway.agent.client;

import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ServerClient} over several control planes ({@code runway agent --url A,B,...}): every call goes to the
 * current one; when it cannot be reached (an {@link IOException}, or a 502/503/504 from a proxy in front of it) the
 * next one becomes current and the failure is passed on, so the caller's own retry, with its backoff, goes there. A
 * call is never sent twice by this class. The agent thus sticks to a control plane that answers and tries the others
 * in turn while it does not.
 */
public final class Failover implements InvocationHandler {
    private static final Logger log = LoggerFactory.getLogger(Failover.class);
    private final List<URI> urls;
    private final List<ServerClient> clients;
    private final AtomicInteger current = new AtomicInteger();

    private Failover(List<URI> urls, List<ServerClient> clients) {
        this.urls = List.copyOf(urls);
        this.clients = List.copyOf(clients);
    }

    /** A client over {@code urls}, tried in their order; just the one's client when there is one. */
    public static ServerClient over(List<URI> urls) {
        if (urls.size() == 1) return new HttpServerClient(urls.get(0));
        return over(
                urls,
                urls.stream().map(u -> (ServerClient) new HttpServerClient(u)).toList());
    }

    /** Over given clients, one per URL (tests). */
    public static ServerClient over(List<URI> urls, List<ServerClient> clients) {
        if (urls.isEmpty() || urls.size() != clients.size()) throw new IllegalArgumentException("one client per URL");
        return (ServerClient) Proxy.newProxyInstance(
                ServerClient.class.getClassLoader(), new Class<?>[] {ServerClient.class}, new Failover(urls, clients));
    }

    @Override
    public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
        if (m.getDeclaringClass() == Object.class) {
            return switch (m.getName()) {
                case "toString" -> "control planes " + urls + ", now " + urls.get(current.get());
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                default -> throw new UnsupportedOperationException(m.getName());
            };
        }
        int used = current.get();
        try {
            return m.invoke(clients.get(used), args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException || cause instanceof ServerException s && unavailable(s))
                moveOn(used, cause);
            throw cause;
        }
    }

    private static boolean unavailable(ServerException e) {
        return e.status() == 502 || e.status() == 503 || e.status() == 504;
    }

    private void moveOn(int from, Throwable why) {
        int next = (from + 1) % clients.size();
        if (current.compareAndSet(from, next))
            log.warn(
                    "control plane {} cannot be reached ({}); trying {} next",
                    urls.get(from),
                    why.toString(),
                    urls.get(next));
    }
}
