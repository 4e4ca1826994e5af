package dev.runway.scaler.provider;

import java.util.List;
import java.util.Map;

/**
 * One instance to start. {@code image} is for container and Kubernetes providers (null for processes); {@code
 * command} is the full command line for a process, or the container's command (null: the image's own). {@code env}
 * holds the single-use registration token (or GitHub's just-in-time configuration); {@code labels} are the
 * {@link Labels scaler's labels}, set on the instance so it can be found again.
 */
public record Launch(
        String name,
        String pool,
        String variant,
        String image,
        List<String> command,
        Map<String, String> env,
        Map<String, String> labels) {}
