package dev.runway.server.triggers;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.runway.server.TestClock;
import dev.runway.server.TestDatabases;
import dev.runway.server.runs.GitSource;
import dev.runway.server.runs.ParsedWorkflows;
import dev.runway.server.runs.RunPlanner;
import dev.runway.server.runs.RunScheduler;
import dev.runway.server.runs.RunStarter;
import dev.runway.server.store.Database;
import dev.runway.server.store.JobStore;
import dev.runway.server.store.RunRecord;
import dev.runway.server.store.RunStore;
import dev.runway.server.store.ScheduleStore;
import dev.runway.server.store.Transitions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The schedule trigger on a clock the test moves, against a real git repository and a real SQLite store: runs are
 * started through {@link RunStarter} and queued as the server would queue them.
 */
class ScheduleTriggerTest {
    @TempDir
    Path dir;

    /** 2026-03-02 10:07:00 UTC. */
    final TestClock clock = new TestClock(Instant.parse("2026-03-02T10:07:00Z").toEpochMilli());

    Path repo;
    Database db;
    RunStore runs;
    JobStore jobs;
    ScheduleStore store;
    ScheduleTrigger trigger;
    final List<RunRecord> started = new ArrayList<>();

    @BeforeEach
    void open() throws Exception {
        repo = Files.createDirectories(dir.resolve("app"));
        git("init", "-q", "-b", "main");
        db = Database.open(TestDatabases.sqlite(dir.resolve("data")));
        Transitions transitions = new Transitions();
        runs = new RunStore(db);
        jobs = new JobStore(db, transitions);
        RunScheduler scheduler = new RunScheduler(
                runs,
                new RunPlanner(new RunPlanner.Defaults(Duration.ofHours(6).toMillis(), 2)),
                transitions,
                new ParsedWorkflows(),
                clock);
        GitSource git = new GitSource(dir.resolve("git"));
        RunStarter starter = new RunStarter(runs, scheduler, git, dir.resolve("actions"), Map.of(), null, clock);
        store = new ScheduleStore(db);
        trigger = new ScheduleTrigger(
                Map.of("acme/app", repo.toString()), git, starter, store, clock, ScheduleTrigger.DEFAULT_PERIOD);
    }

    @AfterEach
    void close() {
        trigger.close();
        db.close();
    }

    void workflow(String file, String... crons) throws Exception {
        StringBuilder on = new StringBuilder("on:\n  schedule:\n");
        for (String c : crons) on.append("    - cron: '").append(c).append("'\n");
        Files.createDirectories(repo.resolve(".github/workflows"));
        Files.writeString(repo.resolve(".github/workflows/" + file), on + """
                jobs:
                  nightly:
                    runs-on: linux
                    steps: [{run: make check}]
                """);
        git("add", "-A");
        git("-c", "user.email=t@runway.dev", "-c", "user.name=t", "commit", "-q", "-m", "wf " + file);
    }

    List<RunRecord> tickAt(String instant) {
        clock.advance(Duration.between(clock.instant(), Instant.parse(instant)));
        List<RunRecord> out = trigger.tick();
        started.addAll(out);
        return out;
    }

    static String schedule(RunRecord r) {
        return r.eventJson();
    }

    @Test
    void aScheduleFiresWhenItsSlotComesAndNotBefore() throws Exception {
        workflow("nightly.yml", "*/15 * * * *");
        assertThat(tickAt("2026-03-02T10:07:00Z"))
                .as("first seen: fires from its next slot")
                .isEmpty();
        assertThat(tickAt("2026-03-02T10:14:59Z")).as("10:15 has not come").isEmpty();
        List<RunRecord> at = tickAt("2026-03-02T10:15:20Z");
        assertThat(at).hasSize(1);
        RunRecord run = at.getFirst();
        assertThat(run.event()).isEqualTo("schedule");
        assertThat(run.workflowPath()).isEqualTo(".github/workflows/nightly.yml");
        assertThat(run.ref()).as("the default branch").isEqualTo("refs/heads/main");
        assertThat(run.sha()).isEqualTo(git("rev-parse", "HEAD"));
        assertThat(run.repo()).isEqualTo(repo.toString());
        assertThat(run.eventJson()).isEqualTo("{\"schedule\":\"*/15 * * * *\"}");
        assertThat(jobs.ofRun(run.id())).as("its job is queued").hasSize(1);
    }

    @Test
    void eachSlotFiresOnce() throws Exception {
        workflow("nightly.yml", "*/15 * * * *");
        tickAt("2026-03-02T10:07:00Z");
        assertThat(tickAt("2026-03-02T10:15:00Z")).hasSize(1);
        assertThat(tickAt("2026-03-02T10:15:30Z")).isEmpty();
        assertThat(tickAt("2026-03-02T10:29:59Z")).isEmpty();
        assertThat(tickAt("2026-03-02T10:30:01Z")).hasSize(1);
        assertThat(runs.list(10)).hasSize(2);
    }

    @Test
    void twoSchedulesOfOneWorkflowFireEachAtTheirOwnSlots() throws Exception {
        workflow("both.yml", "*/15 * * * *", "0 * * * *");
        tickAt("2026-03-02T10:07:00Z");
        assertThat(tickAt("2026-03-02T10:45:10Z"))
                .extracting(ScheduleTriggerTest::schedule)
                .containsExactly("{\"schedule\":\"*/15 * * * *\"}");
        assertThat(tickAt("2026-03-02T11:00:10Z"))
                .extracting(ScheduleTriggerTest::schedule)
                .containsExactlyInAnyOrder("{\"schedule\":\"*/15 * * * *\"}", "{\"schedule\":\"0 * * * *\"}");
    }

    @Test
    void missedSlotsFireOnceForTheLatest() throws Exception {
        workflow("nightly.yml", "*/15 * * * *");
        tickAt("2026-03-02T10:07:00Z");
        assertThat(tickAt("2026-03-02T10:15:00Z")).hasSize(1);
        // the server was down from 10:16 to 11:20: 10:30, 10:45, 11:00 and 11:15 were missed
        assertThat(tickAt("2026-03-02T11:20:00Z")).hasSize(1);
        assertThat(store.lastFire(new ScheduleStore.Key("acme/app", ".github/workflows/nightly.yml", "*/15 * * * *")))
                .isEqualTo(Instant.parse("2026-03-02T11:15:00Z").toEpochMilli());
        assertThat(tickAt("2026-03-02T11:29:00Z")).isEmpty();
        assertThat(runs.list(10)).hasSize(2);
    }

    @Test
    void anInvalidCronIsSkippedWithALogLineAndOthersStillFire() throws Exception {
        workflow("bad.yml", "61 * * * *");
        workflow("good.yml", "*/15 * * * *");
        Logger logger = (Logger) LoggerFactory.getLogger(ScheduleTrigger.class);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        logger.addAppender(logs);
        try {
            tickAt("2026-03-02T10:07:00Z");
            List<RunRecord> at = tickAt("2026-03-02T10:15:00Z");
            assertThat(at).extracting(RunRecord::workflowPath).containsExactly(".github/workflows/good.yml");
        } finally {
            logger.detachAppender(logs);
        }
        assertThat(logs.list)
                .extracting(ILoggingEvent::getFormattedMessage)
                .filteredOn(m -> m.contains("61 * * * *"))
                .as("logged once, not on every tick")
                .containsExactly("schedule: .github/workflows/bad.yml of acme/app: cron '61 * * * *' is not a valid"
                        + " five-field cron expression; skipped");
    }

    @Test
    void slotsAreWholeUtcMinutesOfTheUnixCronSyntax() {
        Instant now = Instant.parse("2026-03-02T10:07:42Z");
        assertThat(ScheduleTrigger.slot("*/5 * * * *", now)).contains(Instant.parse("2026-03-02T10:05:00Z"));
        assertThat(ScheduleTrigger.slot("7 10 * * *", now)).contains(Instant.parse("2026-03-02T10:07:00Z"));
        assertThat(ScheduleTrigger.slot("0 3 * * MON", now)).contains(Instant.parse("2026-03-02T03:00:00Z"));
        assertThat(ScheduleTrigger.slot("30 4 1 JAN *", now)).contains(Instant.parse("2026-01-01T04:30:00Z"));
        // day of month and day of week both given: either matches, as in cron and on GitHub (Monday 2 March)
        assertThat(ScheduleTrigger.slot("0 0 15 * MON", now)).contains(Instant.parse("2026-03-02T00:00:00Z"));
        assertThat(ScheduleTrigger.slot("61 * * * *", now)).isEmpty();
        assertThat(ScheduleTrigger.slot("* * *", now)).isEmpty();
    }

    String git(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd)
                .directory(repo.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
