package dev.runway.protocol;

/**
 * A message a step raised with a workflow command ({@code ::error file=a.c,line=3::text}): {@code level} is {@code
 * error}, {@code warning} or {@code notice}; {@code step} the step's name; the location fields may be null.
 */
public record Annotation(
        String level, String message, String step, String title, String file, Integer line, Integer column) {}
