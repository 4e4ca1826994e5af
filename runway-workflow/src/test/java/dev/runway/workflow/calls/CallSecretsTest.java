package dev.runway.workflow.calls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.workflow.expr.Value;
import dev.runway.workflow.model.Call;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The secrets a job of a called workflow sees, from the run's secrets, through each call on the way: written as
 * the calls ({@code inherit}, {@code none}, or {@code name=expression,...}), the names the job's text mentions,
 * which secrets the control plane sends (the outermost level's) and what the job ends up with.
 */
class CallSecretsTest {
    static final Map<String, String> RUN = Map.of("DEPLOY", "d-value", "OTHER", "o-value", "NPM", "n-value");

    static Stream<Arguments> table() {
        return Stream.of(
                // calls from the run's workflow down, names the job mentions, sent, the job's secrets
                Arguments.of("inherit", "DEPLOY OTHER", "DEPLOY OTHER", "DEPLOY=d-value OTHER=o-value"),
                Arguments.of("none", "DEPLOY", "", ""),
                Arguments.of("token=${{ secrets.DEPLOY }}", "TOKEN", "DEPLOY", "TOKEN=d-value"),
                Arguments.of("token=${{ secrets.DEPLOY }}", "TOKEN DEPLOY", "DEPLOY", "TOKEN=d-value"),
                Arguments.of("token=${{ secrets['deploy'] }}", "token", "DEPLOY", "TOKEN=d-value"),
                Arguments.of("token=literal-value", "TOKEN", "", "TOKEN=literal-value"),
                Arguments.of("token=${{ secrets.MISSING }}", "TOKEN", "MISSING", ""),
                Arguments.of("a=${{ secrets.DEPLOY }}|inherit", "A", "DEPLOY", "A=d-value"),
                Arguments.of("inherit|a=${{ secrets.NPM }}", "A", "NPM", "A=n-value"),
                Arguments.of(
                        "a=${{ secrets.DEPLOY }};b=${{ secrets.NPM }}|c=${{ secrets.b }}", "C", "NPM", "C=n-value"),
                Arguments.of("a=${{ secrets.DEPLOY }}|none", "A", "", ""),
                Arguments.of("none|inherit", "DEPLOY", "", ""),
                Arguments.of("t=${{ secrets.DEPLOY }}-${{ github.ref }}", "T", "DEPLOY", "T=d-value-refs/heads/main"));
    }

    @ParameterizedTest(name = "{0}: {1} -> sent [{2}], sees [{3}]")
    @MethodSource("table")
    void passesDown(String calls, String mentioned, String sent, String sees) {
        List<CallSecrets.Level> levels = List.of();
        for (String level : calls.split("\\|")) {
            Map<String, String> map = new LinkedHashMap<>();
            if (!level.equals("inherit") && !level.equals("none"))
                for (String kv : level.split(";"))
                    map.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            levels = CallSecrets.extend(levels, new Call("./w.yml", Map.of(), level.equals("inherit"), map, null));
        }
        Set<String> names = Set.of(mentioned.split(" "));
        Set<String> outer = CallSecrets.outermost(levels, names);
        assertThat(String.join(" ", new java.util.TreeSet<>(outer))).isEqualTo(sent);
        Map<String, String> delivered = new LinkedHashMap<>();
        for (String n : outer) if (RUN.containsKey(n)) delivered.put(n, RUN.get(n));
        Value.Obj github = new Value.Obj().put("ref", new Value.Str("refs/heads/main"));
        Map<String, String> job = CallSecrets.apply(levels, delivered, github);
        List<String> got = new ArrayList<>();
        new java.util.TreeMap<>(job).forEach((k, v) -> got.add(k + "=" + v));
        assertThat(String.join(" ", got)).isEqualTo(sees);
    }

    @org.junit.jupiter.api.Test
    void theLevelsGoThroughTheSpecAndBack() {
        List<CallSecrets.Level> levels = CallSecrets.extend(
                CallSecrets.extend(List.of(), new Call("./a.yml", Map.of(), true, Map.of(), null)),
                new Call("./b.yml", Map.of(), false, Map.of("tok", "${{ secrets.X }}"), null));
        Map<String, Object> contexts =
                Map.of("runway", Map.of(CallSecrets.KEY, CallSecrets.data(levels)), "github", Map.of());
        assertThat(CallSecrets.of(contexts)).isEqualTo(levels);
        assertThat(CallSecrets.forJob(contexts, Map.of("X", "v", "Y", "w"))).containsExactly(Map.entry("TOK", "v"));
        // a job of the run's own workflow: its secrets as they are
        assertThat(CallSecrets.forJob(Map.of("github", Map.of()), Map.of("Y", "w")))
                .containsExactly(Map.entry("Y", "w"));
    }
}
