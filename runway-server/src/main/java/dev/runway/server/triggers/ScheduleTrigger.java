package dev.runway.server.triggers;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import dev.runway.server.runs.GitSource;
import dev.runway.server.runs.RunOptions;
import dev.runway.server.runs.RunStarter;
import dev.runway.server.store.RunRecord;
import dev.runway.server.store.ScheduleStore;
import dev.runway.workflow.parse.WorkflowParser;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code on: schedule}: on each {@link #tick()} reads the workflows on the default branch (the mirror's {@code HEAD})
 * of every configured repository ({@code --github-repo}) and starts a run, event {@code schedule} with {@code
 * github.event.schedule} the cron string, for each cron entry whose latest slot (a whole UTC minute) has not been
 * fired. The database decides which replica fires a slot ({@link ScheduleStore#claim}), so each slot starts one run
 * whatever the number of replicas. After a pause (the server down for an hour) only the latest missed slot is fired,
 * once. A schedule seen for the first time fires from its next slot on. A cron entry that is not a valid five-field
 * expression is skipped with a log line.
 */
public final class ScheduleTrigger implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ScheduleTrigger.class);
    /** How often the loop looks; slots are whole minutes, so a slot fires within this of its time. */
    public static final Duration DEFAULT_PERIOD = Duration.ofSeconds(30);

    static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    private final Map<String, String> repos;
    private final GitSource git;
    private final RunStarter starter;
    private final ScheduleStore store;
    private final InstantSource clock;
    private final Duration period;
    private final AtomicBoolean running = new AtomicBoolean();
    /** Invalid cron strings already reported, so a bad workflow logs once, not every tick. */
    private final Map<String, Boolean> reported = new ConcurrentHashMap<>();

    private volatile Thread loop;

    public ScheduleTrigger(
            Map<String, String> repos,
            GitSource git,
            RunStarter starter,
            ScheduleStore store,
            InstantSource clock,
            Duration period) {
        this.repos = Map.copyOf(repos);
        this.git = git;
        this.starter = starter;
        this.store = store;
        this.clock = clock;
        this.period = period;
    }

    /** Starts the loop on a virtual thread: a tick now, then one every period, until {@link #close()}. */
    public void start() {
        if (!running.compareAndSet(false, true)) return;
        loop = Thread.ofVirtual().name("runway-schedule").start(() -> {
            while (running.get()) {
                try {
                    tick();
                } catch (RuntimeException e) {
                    log.error("schedule trigger: tick failed; will retry", e);
                }
                try {
                    Thread.sleep(period);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    @Override
    public void close() {
        running.set(false);
        Thread t = loop;
        if (t != null) t.interrupt();
    }

    /** One look at every configured repository; returns the runs this replica started. */
    public List<RunRecord> tick() {
        Instant now = clock.instant();
        List<RunRecord> started = new ArrayList<>();
        for (Map.Entry<String, String> repo : repos.entrySet()) {
            started.addAll(tick(repo.getKey(), repo.getValue(), now));
        }
        return started;
    }

    private List<RunRecord> tick(String name, String source, Instant now) {
        GitSource.Read head;
        List<String> files;
        try {
            head = git.resolve(source, "HEAD"); // fetches the mirror
            files = git.list(source, head.sha(), ".github/workflows");
        } catch (GitSource.GitException e) {
            log.warn("schedule: cannot read the workflows of {} from {}: {}", name, source, e.getMessage());
            return List.of();
        }
        List<RunRecord> started = new ArrayList<>();
        for (String file : files) {
            if (!file.endsWith(".yml") && !file.endsWith(".yaml")) continue;
            String text;
            try {
                text = git.read(source, head.sha(), file).text();
            } catch (GitSource.GitException e) {
                log.warn("schedule: cannot read {} of {}: {}", file, name, e.getMessage());
                continue;
            }
            WorkflowParser.Result parsed = WorkflowParser.parse(file, text);
            if (!parsed.ok()) continue; // its errors are the push's and the API's to report
            for (String cron : crons(parsed.workflow().on().get("schedule"))) {
                Optional<Instant> slot = slot(cron, now);
                if (slot.isEmpty()) {
                    if (reported.putIfAbsent(name + " " + file + " " + cron, Boolean.TRUE) == null)
                        log.warn(
                                "schedule: {} of {}: cron '{}' is not a valid five-field cron expression; skipped",
                                file,
                                name,
                                cron);
                    continue;
                }
                ScheduleStore.Key key = new ScheduleStore.Key(name, file, cron);
                long at = slot.get().toEpochMilli();
                if (store.arm(key, at)) continue; // first seen: fires from its next slot
                if (!store.claim(key, at)) continue; // fired already, here or on another replica
                try {
                    RunRecord run = starter.start(
                            file,
                            text,
                            source,
                            head.ref(),
                            head.sha(),
                            "schedule",
                            Map.of(),
                            RunOptions.NONE,
                            Map.of("schedule", cron));
                    started.add(run);
                    log.info("schedule '{}' of {} {} ({}): started run {}", cron, name, file, slot.get(), run.id());
                } catch (RunStarter.Rejected | com.fasterxml.jackson.core.JsonProcessingException e) {
                    log.warn("schedule '{}' of {} {}: the run was not started: {}", cron, name, file, e.getMessage());
                }
            }
        }
        return started;
    }

    /** The cron strings of {@code on.schedule} as the parser keeps it (a list of maps with {@code cron}). */
    static List<String> crons(Object schedule) {
        if (!(schedule instanceof List<?> entries)) return List.of();
        List<String> out = new ArrayList<>();
        for (Object e : entries) {
            if (e instanceof Map<?, ?> m && m.get("cron") != null) out.add(String.valueOf(m.get("cron")));
        }
        return out;
    }

    /**
     * The latest slot of {@code cron} at or before {@code now} (a whole UTC minute), or empty when the expression is
     * not valid (or has no slot before now).
     */
    static Optional<Instant> slot(String cron, Instant now) {
        Cron parsed;
        try {
            parsed = PARSER.parse(cron.strip());
            parsed.validate();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        ExecutionTime times = ExecutionTime.forCron(parsed);
        ZonedDateTime minute = now.truncatedTo(ChronoUnit.MINUTES).atZone(ZoneOffset.UTC);
        if (times.isMatch(minute)) return Optional.of(minute.toInstant());
        return times.lastExecution(minute).map(ZonedDateTime::toInstant);
    }
}
