package dev.runway.scaler.provider.kubernetes;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Kubernetes objects checked against the API schema through fabric8's model, which is generated from it: a document
 * must be a kind the model knows, and a field it does not know lands in an object's additional properties, which
 * {@link #unknownFields} lists, so a misspelt field cannot pass as ignored. Shared with runway-dist's HelmChartTest
 * (this module's test-jar), which checks the Helm chart's rendered objects the way DeployManifestsTest checks
 * deploy/kubernetes.
 */
public final class KubernetesSchema {
    public static final KubernetesSerialization MODEL = new KubernetesSerialization();

    private KubernetesSchema() {}

    /** One YAML document as the model's object, or an error naming the document if its kind is not one it knows. */
    public static HasMetadata read(String document, String where) {
        Object o = MODEL.unmarshal(document);
        if (!(o instanceof HasMetadata r) || o instanceof GenericKubernetesResource)
            throw new AssertionError("a document of " + where + " is not a kind fabric8 knows: " + document);
        return r;
    }

    /** The YAML documents of {@code text} ({@code ---} between them) that hold more than comments. */
    public static List<String> documents(String text) {
        List<String> out = new ArrayList<>();
        for (String doc : text.split("(?m)^---\\s*$")) {
            if (doc.lines().allMatch(l -> l.isBlank() || l.strip().startsWith("#"))) continue;
            out.add(doc);
        }
        return out;
    }

    /** Paths (like {@code spec.template.spec.containers[0].imagePullPolicyy}) of fields the API schema does not have. */
    public static List<String> unknownFields(Object o) {
        List<String> out = new ArrayList<>();
        walk(o, "", out, Collections.newSetFromMap(new IdentityHashMap<>()));
        return out;
    }

    private static void walk(Object o, String path, List<String> out, Set<Object> seen) {
        if (o == null || !seen.add(o)) return;
        if (o instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) walk(l.get(i), path + "[" + i + "]", out, seen);
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> walk(v, path + "[" + k + "]", out, seen));
            return;
        }
        if (!o.getClass().getPackageName().startsWith("io.fabric8.kubernetes.api.model")) return;
        for (Method g : o.getClass().getMethods()) {
            if (g.getParameterCount() != 0 || g.getDeclaringClass() == Object.class) continue;
            String n = g.getName();
            if (!n.startsWith("get") || n.equals("getClass")) continue;
            Object v;
            try {
                v = g.invoke(o);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(n + " of " + o.getClass(), e);
            }
            if (n.equals("getAdditionalProperties")) {
                if (v instanceof Map<?, ?> extra)
                    for (Object k : extra.keySet()) out.add((path.isEmpty() ? "" : path + ".") + k);
                continue;
            }
            String field = Character.toLowerCase(n.charAt(3)) + n.substring(4);
            walk(v, (path.isEmpty() ? "" : path + ".") + field, out, seen);
        }
    }
}
