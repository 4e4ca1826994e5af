package dev.runway.workflow;

import java.util.Random;

/**
 * Workflow files written to hurt whoever reads them, one method per shape, for the tests of every module (this
 * module's test-jar): the parser's, the control plane's on a real port, and the real processes'.
 */
public final class HostileYaml {
    /** {@code keys} axes of {@code values} values each, in job {@code big}; the matrix starts at line 7, column 9. */
    public static String matrix(int keys, int values) {
        StringBuilder m = new StringBuilder();
        for (int k = 0; k < keys; k++) {
            m.append("        k").append(k).append(": [");
            for (int v = 0; v < values; v++) m.append(v == 0 ? "" : ", ").append(v);
            m.append("]\n");
        }
        return "on: push\njobs:\n  big:\n    runs-on: linux\n    strategy:\n      matrix:\n" + m
                + "    steps:\n      - run: echo\n";
    }

    /** {@code depth} flow sequences, opened on line 2 and never closed if {@code closed} is false. */
    public static String deepFlow(int depth, boolean closed) {
        return "on: push\njobs: " + "[".repeat(depth) + (closed ? "]".repeat(depth) : "") + "\n";
    }

    /** {@code depth} block sequences in two characters each ({@code - - - x}) from line 3. */
    public static String deepBlock(int depth) {
        return "on: push\njobs:\n  " + "- ".repeat(depth) + "x\n";
    }

    /** A valid workflow whose one step's command is {@code chars} characters on one line. */
    public static String longLine(int chars) {
        return "on: push\njobs: {j: {runs-on: linux, steps: [{run: '" + "a".repeat(chars) + "'}]}}\n";
    }

    /** "Billion laughs": 9 levels of 9 aliases each; the 51st alias of a collection is at line 8, column 23. */
    public static String laughs() {
        StringBuilder y = new StringBuilder("on: push\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        String prev = "a";
        for (char c = 'b'; c <= 'j'; c++) {
            y.append(c)
                    .append(": &")
                    .append(c)
                    .append(" [")
                    .append(("*" + prev + ",").repeat(8))
                    .append('*')
                    .append(prev)
                    .append("]\n");
            prev = String.valueOf(c);
        }
        return y + "jobs: {j: {runs-on: linux, env: {A: *j}, steps: [{run: echo}]}}\n";
    }

    /** {@code levels} levels of {@code [*x, *x]}: few aliases, 2^levels nodes once expanded. */
    public static String doublingAliases(int levels) {
        StringBuilder y = new StringBuilder("on: push\nx0: &x0 [lol, lol]\n");
        for (int i = 1; i <= levels; i++)
            y.append("x")
                    .append(i)
                    .append(": &x")
                    .append(i)
                    .append(" [*x")
                    .append(i - 1)
                    .append(", *x")
                    .append(i - 1)
                    .append("]\n");
        return y + "jobs: {j: {runs-on: linux, env: {A: *x" + levels + "}, steps: [{run: echo}]}}\n";
    }

    /** A step whose command holds one expression of {@code chars} characters, on line 1. */
    public static String hugeExpression(int chars) {
        return "on: push\njobs: {j: {runs-on: linux, steps: [{run: \"${{ '" + "a".repeat(chars) + "' }}\"}]}}\n";
    }

    /** {@code n} random bytes. */
    public static byte[] junk(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private HostileYaml() {}
}
