package dev.runway.scaler.provider;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The labels every instance carries (container labels, pod labels, process state files): which scaler started it,
 * for which pool, its name and rollout variant. Valid as Docker labels and as Kubernetes label keys.
 */
public final class Labels {
    public static final String SCALER = "runway.dev/scaler";
    public static final String POOL = "runway.dev/pool";
    public static final String INSTANCE = "runway.dev/instance";
    public static final String VARIANT = "runway.dev/variant";

    public static Map<String, String> of(String scalerId, String pool, String instance, String variant) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(SCALER, scalerId);
        m.put(POOL, pool);
        m.put(INSTANCE, instance);
        m.put(VARIANT, variant);
        return m;
    }

    private Labels() {}
}
