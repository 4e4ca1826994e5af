package dev.runway.workflow.parse;

import java.util.Map;

/**
 * GitHub workflow-parser cases Runway does not follow, each with the reason. Every one of them must still be read
 * without an exception; docs/workflows.md ("Conformance with GitHub's parser") lists them.
 */
final class Divergences {
    /** Whole families: Runway does not implement the feature, so GitHub's detailed checks of it do not apply. */
    static final Map<String, String> PREFIXES = Map.of();

    static final Map<String, String> CASES = Map.ofEntries(Map.entry(
            "events-single-invalid.yml",
            "GitHub's parsers disagree and Runway follows the one that runs workflows: this case is marked"
                    + " 'skip: [Go, C#]', checked by the TypeScript language service only, which rejects an unknown"
                    + " key directly under workflow_dispatch (line 3); on-workflow_dispatch-unknown-keys-ignored.yml,"
                    + " which the TypeScript parser skips (testdata/skipped-tests.txt) and the C# and Go parsers"
                    + " pass, accepts the same key. Runway accepts it with a warning, and rejects the unknown key of"
                    + " an input (line 6) as this case expects; no parser could pass both cases"));

    static String reason(String file) {
        if (CASES.containsKey(file)) return CASES.get(file);
        return PREFIXES.entrySet().stream()
                .filter(e -> file.startsWith(e.getKey()))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElse(null);
    }

    private Divergences() {}
}
