package dev.runway.protocol;

/**
 * The body of every non-2xx answer: a stable machine-readable {@code error} code (e.g. {@code bad_request},
 * {@code unauthorized}, {@code not_found}, {@code conflict}, {@code stale_attempt}, {@code payload_too_large})
 * and a {@code message} a person can act on.
 */
public record ApiError(String error, String message) {}
