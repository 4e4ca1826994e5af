package dev.runway.workflow.model;

import java.util.List;
import java.util.Map;

/**
 * {@code strategy}: the matrix as written (or an expression that produces it at run time), and its options.
 * {@code combinations} is the expansion when the matrix is static.
 */
public record Strategy(
        List<Map<String, Object>> combinations, String matrixExpression, boolean failFast, Integer maxParallel) {}
