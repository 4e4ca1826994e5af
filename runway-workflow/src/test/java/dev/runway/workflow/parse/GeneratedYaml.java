package dev.runway.workflow.parse;

import dev.runway.workflow.HostileYaml;
import java.util.List;
import java.util.Random;

/**
 * Workflow-shaped YAML from a seed, for fuzzing: block and flow collections nested up to 80 deep, workflow keys and
 * junk keys, anchors and aliases (sometimes many, sometimes recursive), explicit tags, expressions (sometimes deeply
 * nested or huge), matrices (sometimes with a huge product) and long scalars.
 */
final class GeneratedYaml {
    static final List<String> KEYS = List.of(
            "on",
            "jobs",
            "name",
            "runs-on",
            "steps",
            "run",
            "uses",
            "with",
            "env",
            "needs",
            "if",
            "strategy",
            "matrix",
            "include",
            "exclude",
            "outputs",
            "services",
            "container",
            "concurrency",
            "defaults",
            "permissions",
            "timeout-minutes",
            "continue-on-error",
            "push",
            "branches",
            "x",
            "build",
            "test");
    static final List<String> SCALARS = List.of(
            "ubuntu-latest",
            "echo hi",
            "true",
            "false",
            "null",
            "~",
            "0x1F",
            "1e9",
            "-.inf",
            "''",
            "\"\\u0000\"",
            "${{ matrix.a }}",
            "${{ github.ref == 'refs/heads/main' && success() }}",
            "${{ fromJSON('[1,2]') }}",
            "${{ toJSON(github) }}",
            "${{ format('{0}{1}', 1) }}",
            "${{ ) }}",
            "${{",
            "}}",
            "!!int x",
            "!!str 1",
            "!!binary aGk=",
            "!custom v",
            "&a x",
            "*a",
            "*nowhere",
            "'quoted'",
            "|",
            ">-",
            "%TAG",
            "---",
            "...");

    private final Random r;
    private final StringBuilder out = new StringBuilder();
    private int anchors;

    GeneratedYaml(Random r) {
        this.r = r;
    }

    String workflow() {
        if (r.nextInt(8) == 0) return hostile();
        out.append("on: push\njobs:\n");
        int jobs = 1 + r.nextInt(4);
        for (int j = 0; j < jobs; j++) {
            out.append("  j").append(j).append(":\n    runs-on: x\n");
            if (r.nextBoolean()) matrix();
            out.append("    steps:\n");
            int steps = r.nextInt(4);
            for (int s = 0; s < steps; s++)
                out.append("      - run: ").append(scalar()).append('\n');
            if (r.nextInt(3) == 0) block(4, r.nextInt(r.nextInt(5) == 0 ? 80 : 8));
        }
        if (r.nextInt(3) == 0) block(0, r.nextInt(10));
        return out.toString();
    }

    private void matrix() {
        out.append("    strategy:\n      matrix:\n");
        int axes = 1 + r.nextInt(r.nextInt(4) == 0 ? 12 : 3);
        for (int a = 0; a < axes; a++) {
            out.append("        k").append(a).append(": [");
            int values = 1 + r.nextInt(r.nextInt(4) == 0 ? 20 : 4);
            for (int v = 0; v < values; v++) out.append(v == 0 ? "" : ", ").append(v);
            out.append("]\n");
        }
        if (r.nextBoolean()) out.append("        exclude:\n          - k0: 0\n");
        if (r.nextBoolean()) out.append("        include:\n          - k0: 99\n            extra: y\n");
    }

    /** A block mapping or sequence at {@code indent}, nested {@code depth} more levels. */
    private void block(int indent, int depth) {
        String pad = " ".repeat(indent);
        String key = KEYS.get(r.nextInt(KEYS.size()));
        if (depth == 0) {
            out.append(pad)
                    .append(key)
                    .append(": ")
                    .append(r.nextBoolean() ? scalar() : flow(r.nextInt(6)))
                    .append('\n');
            return;
        }
        out.append(pad).append(key).append(":");
        if (r.nextInt(5) == 0) out.append(" &n").append(anchors++);
        out.append('\n');
        if (r.nextBoolean()) {
            out.append(pad).append("  - ").append(scalar()).append('\n');
            out.append(pad).append("  -\n");
            block(indent + 4, depth - 1);
        } else {
            block(indent + 2, depth - 1);
            if (anchors > 0 && r.nextInt(3) == 0)
                out.append(pad).append("  ref: *n").append(r.nextInt(anchors)).append('\n');
        }
    }

    private String flow(int depth) {
        if (depth == 0) return scalar().replace(",", "").replace("]", "").replace("}", "");
        StringBuilder f = new StringBuilder(r.nextBoolean() ? "[" : "{");
        boolean map = f.charAt(0) == '{';
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
            if (i > 0) f.append(", ");
            if (map) f.append(KEYS.get(r.nextInt(KEYS.size()))).append(": ");
            f.append(flow(depth - 1));
        }
        return f.append(map ? "}" : "]").toString();
    }

    private String scalar() {
        return switch (r.nextInt(10)) {
            case 0 -> "${{ " + "(".repeat(r.nextInt(80)) + "1" + ")".repeat(r.nextInt(80)) + " }}";
            case 1 -> "'" + "a".repeat(r.nextInt(30_000)) + "'";
            case 2 -> "${{ " + "format('{0}{0}', ".repeat(r.nextInt(40)) + "'x'" + ")".repeat(r.nextInt(40)) + " }}";
            default -> SCALARS.get(r.nextInt(SCALARS.size()));
        };
    }

    /** One of the known hostile shapes, at a random size. */
    private String hostile() {
        int n = 1 + r.nextInt(200_000);
        return switch (r.nextInt(6)) {
            case 0 -> HostileYaml.deepFlow(n, r.nextBoolean());
            case 1 -> HostileYaml.deepBlock(n);
            case 2 -> "on: push\njobs: " + "{a: ".repeat(n / 4) + "x" + "}".repeat(r.nextInt(n / 4 + 1));
            case 3 -> HostileYaml.doublingAliases(1 + r.nextInt(40));
            case 4 -> "on: push\nx: &a [*a, {b: *a}]\njobs: {j: {runs-on: x, env: *a}}\n";
            default -> HostileYaml.longLine(n * 3);
        };
    }
}
