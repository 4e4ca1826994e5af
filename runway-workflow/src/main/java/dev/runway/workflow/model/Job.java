package dev.runway.workflow.model;

import java.util.List;
import java.util.Map;

/** A job of a workflow. Objects not interpreted yet (container, services, permissions) are kept as parsed YAML. */
public record Job(
        String id,
        String name,
        List<String> needs,
        List<String> runsOn,
        String ifCondition,
        Strategy strategy,
        Integer timeoutMinutes,
        String continueOnError,
        Map<String, String> env,
        Map<String, String> outputs,
        Object container,
        Map<String, Object> services,
        Object concurrency,
        Object permissions,
        Map<String, String> defaultsRun,
        List<Step> steps,
        int line) {}
