package dev.runway.protocol;

import java.util.List;

public record RunnerList(List<RunnerView> runners) {}
