/**
 * The wire contract between the control plane, the runner agent and API clients (CLI, scaler): request and
 * response records, their JSON mapping ({@link dev.runway.protocol.Json}), the error shape ({@link
 * dev.runway.protocol.ApiError}), the paths ({@link dev.runway.protocol.ApiPaths}) and the protocol version.
 *
 * <p>Nothing here depends on server or agent code; both depend on this package only. Records are additive:
 * new optional fields may be added, readers ignore fields they do not know (see {@link Json#lenient()}).
 */
package dev.runway.protocol;
