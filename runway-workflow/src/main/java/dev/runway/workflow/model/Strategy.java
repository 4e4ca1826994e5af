package dev.runway.workflow.model;

import java.util.List;
import java.util.Map;

/**
 * {@code strategy}: the matrix and its options. {@code combinations} is the expansion when the matrix is static;
 * otherwise it is null and {@code matrixTemplate} holds what to expand at run time (see {@code
 * MatrixExpander.expandAtRunTime}): the expression string, or the matrix mapping with expressions in it.
 */
public record Strategy(
        List<Map<String, Object>> combinations, Object matrixTemplate, boolean failFast, Integer maxParallel) {}
