package dev.runway.workflow.model;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code strategy}: the matrix and its options. {@code combinations} is the expansion when the matrix is static;
 * otherwise it is null and {@code matrixTemplate} holds what to expand at run time (see {@code
 * MatrixExpander.expandAtRunTime}): the expression string, or the matrix mapping with expressions in it.
 */
public record Strategy(
        @Nullable List<Map<String, Object>> combinations,
        @Nullable Object matrixTemplate,
        boolean failFast,
        @Nullable Integer maxParallel) {}
