package dev.runway.agent.client;

/**
 * The whole control plane as the agent talks to it: the runner's calls and an attempt's calls, each set with its own
 * token kind. What the agent builds ({@link HttpServerClient}, or {@link Failover} over several control planes) is
 * one of these; the code that makes the calls takes only the half it uses ({@link RunnerCalls} or {@link JobCalls}),
 * so its test stand-in stubs no more than that.
 */
public interface ServerClient extends RunnerCalls, JobCalls {}
