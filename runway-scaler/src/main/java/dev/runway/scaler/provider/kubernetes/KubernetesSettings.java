package dev.runway.scaler.provider.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runway.scaler.config.ConfigException;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A pool's {@code kubernetes:} section (kebab-case keys, see docs/scaler.md). Everything is checked here, before a pod
 * is ever created, so a typo is a message at start-up naming the key, not a pod the API server refuses on every
 * reconcile pass.
 *
 * @param namespace where the pool's pods and their token secrets live (null: the client's namespace, else {@code
 *     default})
 * @param serviceAccount the pods' service account (null: none is mounted, so a job gets no Kubernetes API token)
 * @param nodeSelector node labels a pod must be scheduled on (e.g. a GPU node pool)
 * @param tolerations taints the pods tolerate (GPU nodes are usually tainted)
 * @param requests resource requests ({@code cpu}, {@code memory}, {@code nvidia.com/gpu}, ...)
 * @param limits resource limits
 * @param imagePullPolicy {@code Always}, {@code IfNotPresent} or {@code Never} (null: Kubernetes' default)
 * @param kubeconfig a kubeconfig file, relative to the scaler's working directory (null: in-cluster service account,
 *     or fabric8's usual search: {@code KUBECONFIG}, {@code ~/.kube/config})
 * @param apiUrl overrides the API server URL the configuration names
 */
public record KubernetesSettings(
        String namespace,
        String serviceAccount,
        Map<String, String> nodeSelector,
        List<Toleration> tolerations,
        Map<String, Quantity> requests,
        Map<String, Quantity> limits,
        String imagePullPolicy,
        Path kubeconfig,
        String apiUrl) {

    /** One toleration; {@code effect} null tolerates every effect of the taint. */
    public record Toleration(String key, String operator, String value, String effect) {}

    static final Set<String> KEYS = Set.of(
            "namespace",
            "service-account",
            "node-selector",
            "tolerations",
            "resources",
            "image-pull-policy",
            "kubeconfig",
            "api-url");
    private static final Set<String> TOLERATION_KEYS = Set.of("key", "operator", "value", "effect");
    private static final Set<String> RESOURCE_KEYS = Set.of("requests", "limits");
    private static final List<String> PULL_POLICIES = List.of("Always", "IfNotPresent", "Never");
    private static final List<String> EFFECTS = List.of("NoSchedule", "PreferNoSchedule", "NoExecute");

    /** A DNS-1123 label: namespaces. */
    static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    /** A DNS-1123 subdomain: pod, secret and service-account names. */
    static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    /** A label value (may be empty). */
    static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?");

    private static final Pattern LABEL_NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]");
    /** A resource name such as {@code cpu} or {@code nvidia.com/gpu}. */
    private static final Pattern RESOURCE_NAME =
            Pattern.compile("([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");

    /** Reads the section; every problem is reported at once as {@code pool NAME: kubernetes.KEY: ...}. */
    public static KubernetesSettings parse(String pool, JsonNode s) throws ConfigException {
        Reader r = new Reader("pool " + pool + ": kubernetes.");
        KubernetesSettings settings = r.read(s);
        if (!r.problems.isEmpty()) throw new ConfigException(r.problems);
        return settings;
    }

    /** Whether {@code key} is a valid label key ({@code [prefix/]name}, as for node selectors and pod labels). */
    static boolean validLabelKey(String key) {
        int slash = key.indexOf('/');
        String name = slash < 0 ? key : key.substring(slash + 1);
        if (slash >= 0) {
            String prefix = key.substring(0, slash);
            if (prefix.length() > 253 || !DNS_SUBDOMAIN.matcher(prefix).matches()) return false;
        }
        return LABEL_NAME.matcher(name).matches();
    }

    private static final class Reader {
        final String at;
        final List<String> problems = new ArrayList<>();

        Reader(String at) {
            this.at = at;
        }

        KubernetesSettings read(JsonNode s) {
            if (s == null || s.isNull()) s = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            if (!s.isObject()) {
                problems.add(at.substring(0, at.length() - 1) + ": expected a mapping of settings");
                return null;
            }
            unknownKeys(s, KEYS, "");
            String namespace = string(s, "namespace");
            if (namespace != null && !DNS_LABEL.matcher(namespace).matches())
                problem(
                        "namespace",
                        "'" + namespace + "' is not a namespace name (lower-case letters, digits and"
                                + " '-', at most 63, starting and ending with a letter or digit)");
            String serviceAccount = string(s, "service-account");
            if (serviceAccount != null && !DNS_SUBDOMAIN.matcher(serviceAccount).matches())
                problem(
                        "service-account",
                        "'" + serviceAccount + "' is not a service account name (lower-case"
                                + " letters, digits, '-' and '.')");
            Map<String, String> nodeSelector = nodeSelector(s.get("node-selector"));
            List<Toleration> tolerations = tolerations(s.get("tolerations"));
            Map<String, Quantity> requests = new LinkedHashMap<>();
            Map<String, Quantity> limits = new LinkedHashMap<>();
            resources(s.get("resources"), requests, limits);
            String pullPolicy = string(s, "image-pull-policy");
            if (pullPolicy != null && !PULL_POLICIES.contains(pullPolicy))
                problem(
                        "image-pull-policy",
                        "one of " + String.join(", ", PULL_POLICIES) + " (got '" + pullPolicy + "')");
            String kubeconfig = string(s, "kubeconfig");
            String apiUrl = string(s, "api-url");
            if (apiUrl != null && !apiUrl.matches("https?://[^/\\s]+(/\\S*)?"))
                problem("api-url", "expected the API server's http:// or https:// URL (got '" + apiUrl + "')");
            return new KubernetesSettings(
                    namespace,
                    serviceAccount,
                    nodeSelector,
                    tolerations,
                    requests,
                    limits,
                    pullPolicy,
                    kubeconfig == null ? null : Path.of(kubeconfig),
                    apiUrl);
        }

        Map<String, String> nodeSelector(JsonNode n) {
            Map<String, String> out = new LinkedHashMap<>();
            if (n == null || n.isNull()) return out;
            if (!n.isObject()) {
                problem("node-selector", "expected a mapping of node label to value");
                return out;
            }
            n.properties().forEach(e -> {
                String key = e.getKey();
                JsonNode v = e.getValue();
                if (!validLabelKey(key)) {
                    problem(
                            "node-selector",
                            "'" + key + "' is not a label key ([prefix/]name, e.g." + " nvidia.com/gpu.present)");
                } else if (v.isContainerNode() || v.isNull()) {
                    problem("node-selector." + key, "expected a single label value");
                } else if (!LABEL_VALUE.matcher(v.asText()).matches()) {
                    problem(
                            "node-selector." + key,
                            "'" + v.asText() + "' is not a label value (letters, digits, '-',"
                                    + " '_' and '.', at most 63)");
                } else {
                    out.put(key, v.asText());
                }
            });
            return out;
        }

        List<Toleration> tolerations(JsonNode n) {
            List<Toleration> out = new ArrayList<>();
            if (n == null || n.isNull()) return out;
            if (!n.isArray()) {
                problem("tolerations", "expected a list of {key, operator, value, effect}");
                return out;
            }
            for (int i = 0; i < n.size(); i++) {
                JsonNode t = n.get(i);
                String here = "tolerations[" + i + "]";
                if (!t.isObject()) {
                    problem(here, "expected a mapping with key, operator, value, effect");
                    continue;
                }
                unknownKeys(t, TOLERATION_KEYS, here + ".");
                String key = string(t, "key", here + ".");
                String operator = string(t, "operator", here + ".");
                String value = string(t, "value", here + ".");
                String effect = string(t, "effect", here + ".");
                if (operator == null) operator = "Equal";
                if (!operator.equals("Equal") && !operator.equals("Exists")) {
                    problem(here + ".operator", "Equal or Exists (got '" + operator + "')");
                } else if (operator.equals("Exists") && value != null && !value.isEmpty()) {
                    problem(here + ".value", "a toleration with operator Exists has no value");
                } else if (key == null && operator.equals("Equal")) {
                    problem(here, "give the taint's key (or operator: Exists with no key to tolerate every taint)");
                }
                if (key != null && !validLabelKey(key)) problem(here + ".key", "'" + key + "' is not a taint key");
                if (effect != null && !EFFECTS.contains(effect))
                    problem(here + ".effect", "one of " + String.join(", ", EFFECTS) + " (got '" + effect + "')");
                out.add(new Toleration(key, operator, value, effect));
            }
            return out;
        }

        void resources(JsonNode n, Map<String, Quantity> requests, Map<String, Quantity> limits) {
            if (n == null || n.isNull()) return;
            if (!n.isObject()) {
                problem("resources", "expected a mapping with requests and limits");
                return;
            }
            unknownKeys(n, RESOURCE_KEYS, "resources.");
            quantities(n.get("requests"), "resources.requests", requests);
            quantities(n.get("limits"), "resources.limits", limits);
            for (var e : requests.entrySet()) {
                Quantity limit = limits.get(e.getKey());
                if (limit != null && amount(e.getValue()).compareTo(amount(limit)) > 0)
                    problem(
                            "resources.requests." + e.getKey(),
                            e.getValue() + " is more than its limit " + limit + " (Kubernetes refuses such a pod)");
            }
        }

        void quantities(JsonNode n, String key, Map<String, Quantity> out) {
            if (n == null || n.isNull()) return;
            if (!n.isObject()) {
                problem(key, "expected a mapping of resource to amount, e.g. {cpu: \"2\", memory: 4Gi}");
                return;
            }
            n.properties().forEach(e -> {
                String name = e.getKey();
                JsonNode v = e.getValue();
                if (!RESOURCE_NAME.matcher(name).matches()) {
                    problem(key, "'" + name + "' is not a resource name (cpu, memory, nvidia.com/gpu, ...)");
                    return;
                }
                Quantity q = v.isContainerNode() || v.isNull() ? null : quantity(v.asText());
                if (q == null) {
                    problem(
                            key + "." + name,
                            "expected an amount such as 500m, 2, 4Gi (got '" + (v.isContainerNode() ? v : v.asText())
                                    + "')");
                } else {
                    out.put(name, q);
                }
            });
        }

        static Quantity quantity(String text) {
            if (!text.strip().matches("[+]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][-+]?\\d+|[numkMGTPE]|[KMGTPE]i)?"))
                return null;
            try {
                Quantity q = Quantity.parse(text.strip());
                amount(q);
                return q;
            } catch (RuntimeException e) {
                return null;
            }
        }

        static BigDecimal amount(Quantity q) {
            return Quantity.getAmountInBytes(q);
        }

        String string(JsonNode n, String key) {
            return string(n, key, "");
        }

        String string(JsonNode n, String key, String prefix) {
            JsonNode v = n.get(key);
            if (v == null || v.isNull()) return null;
            if (v.isContainerNode()) {
                problem(prefix + key, "expected a single value, not a " + (v.isArray() ? "list" : "mapping"));
                return null;
            }
            return v.asText();
        }

        void unknownKeys(JsonNode n, Set<String> known, String prefix) {
            n.fieldNames().forEachRemaining(k -> {
                if (!known.contains(k))
                    problem(prefix + k, "unknown key; expected one of " + String.join(", ", new TreeSet<>(known)));
            });
        }

        void problem(String key, String message) {
            problems.add(at + key + ": " + message);
        }
    }
}
