package dev.runway.agent.isolation;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Starts a step's process with one {@code posix_spawn} of glibc, through the Foreign Function & Memory API: the
 * child leads a new session ({@code POSIX_SPAWN_SETSID}, glibc 2.26+) with an empty signal mask and default signal
 * dispositions, its stdin on {@code /dev/null}, stdout and stderr on one pipe, no other descriptor of the agent
 * ({@code posix_spawn_file_actions_addclosefrom_np}, 2.34+) but the files it asks for, and its own working directory
 * ({@code posix_spawn_file_actions_addchdir_np}, 2.29+). glibc spawns with {@code CLONE_VFORK}: the call returns once
 * the child has exec'd, so its file actions are done and an exec failure comes back as an error. Process groups are
 * signalled with {@code kill(2)}, no {@code kill} program. Where any of it is missing (not Linux on x86-64 or
 * AArch64, an older or another libc, native access denied) the constructor throws and {@link StepSpawner#available()}
 * is null.
 */
final class NativeSpawn implements StepSpawner {
    private static final int POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final int POSIX_SPAWN_SETSIGMASK = 0x08;
    private static final int POSIX_SPAWN_SETSID = 0x80;
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000; // x86-64 and AArch64
    private static final int EINTR = 4;

    /** Room for glibc's posix_spawnattr_t (336 bytes on x86-64), posix_spawn_file_actions_t (80), sigset_t (128). */
    private static final long OPAQUE = 1024;

    private final AtomicLong spawned = new AtomicLong();

    private final MethodHandle pipe2;
    private final MethodHandle close;
    private final MethodHandle faInit;
    private final MethodHandle faDestroy;
    private final MethodHandle faAddOpen;
    private final MethodHandle faAddDup2;
    private final MethodHandle faAddCloseFrom;
    private final MethodHandle faAddChdir;
    private final MethodHandle attrInit;
    private final MethodHandle attrDestroy;
    private final MethodHandle attrSetFlags;
    private final MethodHandle attrSetSigMask;
    private final MethodHandle attrSetSigDefault;
    private final MethodHandle sigEmptySet;
    private final MethodHandle sigFillSet;
    private final MethodHandle spawnp;
    private final MethodHandle waitpid;
    private final MethodHandle kill;
    private final MethodHandle strerror;
    private final MemoryLayout errnoState;
    private final VarHandle errno;

    NativeSpawn() throws IOException {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.equals("linux")) throw new UnsupportedOperationException("not Linux: " + os);
        if (!List.of("amd64", "x86_64", "aarch64").contains(arch))
            throw new UnsupportedOperationException("untested architecture " + arch);
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        ValueLayout.OfInt i = ValueLayout.JAVA_INT;
        ValueLayout.OfShort sh = ValueLayout.JAVA_SHORT;
        MemoryLayout p = ValueLayout.ADDRESS;
        Linker.Option withErrno = Linker.Option.captureCallState("errno");
        errnoState = Linker.Option.captureStateLayout();
        errno = errnoState.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        pipe2 = handle(linker, libc, "pipe2", FunctionDescriptor.of(i, p, i), withErrno);
        close = handle(linker, libc, "close", FunctionDescriptor.of(i, i));
        faInit = handle(linker, libc, "posix_spawn_file_actions_init", FunctionDescriptor.of(i, p));
        faDestroy = handle(linker, libc, "posix_spawn_file_actions_destroy", FunctionDescriptor.of(i, p));
        faAddOpen = handle(linker, libc, "posix_spawn_file_actions_addopen", FunctionDescriptor.of(i, p, i, p, i, i));
        faAddDup2 = handle(linker, libc, "posix_spawn_file_actions_adddup2", FunctionDescriptor.of(i, p, i, i));
        faAddCloseFrom =
                handle(linker, libc, "posix_spawn_file_actions_addclosefrom_np", FunctionDescriptor.of(i, p, i));
        faAddChdir = handle(linker, libc, "posix_spawn_file_actions_addchdir_np", FunctionDescriptor.of(i, p, p));
        attrInit = handle(linker, libc, "posix_spawnattr_init", FunctionDescriptor.of(i, p));
        attrDestroy = handle(linker, libc, "posix_spawnattr_destroy", FunctionDescriptor.of(i, p));
        attrSetFlags = handle(linker, libc, "posix_spawnattr_setflags", FunctionDescriptor.of(i, p, sh));
        attrSetSigMask = handle(linker, libc, "posix_spawnattr_setsigmask", FunctionDescriptor.of(i, p, p));
        attrSetSigDefault = handle(linker, libc, "posix_spawnattr_setsigdefault", FunctionDescriptor.of(i, p, p));
        sigEmptySet = handle(linker, libc, "sigemptyset", FunctionDescriptor.of(i, p));
        sigFillSet = handle(linker, libc, "sigfillset", FunctionDescriptor.of(i, p));
        spawnp = handle(linker, libc, "posix_spawnp", FunctionDescriptor.of(i, p, p, p, p, p, p));
        waitpid = handle(linker, libc, "waitpid", FunctionDescriptor.of(i, i, p, i), withErrno);
        kill = handle(linker, libc, "kill", FunctionDescriptor.of(i, i, i), withErrno);
        strerror = handle(linker, libc, "strerror", FunctionDescriptor.of(p, i));
        selfTest();
    }

    private static MethodHandle handle(
            Linker linker, SymbolLookup libc, String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment symbol =
                libc.find(name).orElseThrow(() -> new UnsupportedOperationException("libc has no " + name));
        return linker.downcallHandle(symbol, fd, options);
    }

    /** Calls what needs native access once, so a JVM that denies it is found out here, not at a step's start. */
    private void selfTest() throws IOException {
        if (!signal(ProcessHandle.current().pid(), 0))
            throw new IOException("kill(own pid, 0) failed: " + error(lastErrno));
    }

    @Override
    public long spawns() {
        return spawned.get();
    }

    /**
     * Starts {@code argv} ({@code argv[0]} looked up in the agent's PATH when it has no slash, as ProcessBuilder
     * does) in {@code cwd} with exactly {@code env}; {@code inputs} are files opened read-only at the given
     * descriptor numbers in the child.
     */
    @Override
    public Child spawn(List<String> argv, Map<String, String> env, Path cwd, Map<Integer, Path> inputs)
            throws IOException {
        if (argv.isEmpty()) throw new IOException("no command");
        for (String a : argv) {
            if (a.indexOf('\0') >= 0) throw new IOException("an argument contains a NUL character");
        }
        for (Map.Entry<String, String> e : env.entrySet()) {
            if ((e.getKey() + e.getValue()).indexOf('\0') >= 0)
                throw new IOException("the environment variable " + e.getKey() + " contains a NUL character");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 2);
            MemorySegment state = arena.allocate(errnoState);
            if ((int) pipe2.invokeExact(state, fds, O_CLOEXEC) != 0)
                throw new IOException("pipe2: " + error((int) errno.get(state, 0L)));
            int readFd = fds.getAtIndex(ValueLayout.JAVA_INT, 0);
            int writeFd = fds.getAtIndex(ValueLayout.JAVA_INT, 1);
            InputStream output;
            try {
                // opened while this process still holds the write end: opening a pipe through /proc waits for a
                // writer
                output = new FileInputStream("/proc/self/fd/" + readFd);
            } catch (IOException e) {
                closeFd(readFd);
                closeFd(writeFd);
                throw e;
            }
            closeFd(readFd);
            MemorySegment actions = arena.allocate(OPAQUE, 16);
            MemorySegment attr = arena.allocate(OPAQUE, 16);
            boolean started = false;
            try {
                check("posix_spawn_file_actions_init", (int) faInit.invokeExact(actions));
                check("posix_spawnattr_init", (int) attrInit.invokeExact(attr));
                check("adddup2", (int) faAddDup2.invokeExact(actions, writeFd, 1));
                check("adddup2", (int) faAddDup2.invokeExact(actions, writeFd, 2));
                // after the dup2s: a write end that got descriptor 0 (an agent started with stdin closed) is copied
                // before /dev/null takes its place
                MemorySegment devNull = arena.allocateFrom("/dev/null");
                check("addopen", (int) faAddOpen.invokeExact(actions, 0, devNull, O_RDONLY, 0));
                check("addclosefrom_np", (int) faAddCloseFrom.invokeExact(actions, 3));
                for (Map.Entry<Integer, Path> in : inputs.entrySet()) {
                    check("addopen", (int) faAddOpen.invokeExact(
                            actions,
                            (int) in.getKey(),
                            arena.allocateFrom(in.getValue().toString()),
                            O_RDONLY,
                            0));
                }
                check("addchdir_np", (int) faAddChdir.invokeExact(actions, arena.allocateFrom(cwd.toString())));
                MemorySegment none = arena.allocate(OPAQUE, 16);
                MemorySegment all = arena.allocate(OPAQUE, 16);
                check("sigemptyset", (int) sigEmptySet.invokeExact(none));
                check("sigfillset", (int) sigFillSet.invokeExact(all));
                check("setsigmask", (int) attrSetSigMask.invokeExact(attr, none));
                check("setsigdefault", (int) attrSetSigDefault.invokeExact(attr, all));
                check("setflags", (int) attrSetFlags.invokeExact(
                        attr, (short) (POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)));
                MemorySegment args = strings(arena, argv);
                MemorySegment envp = strings(
                        arena,
                        env.entrySet().stream()
                                .map(e -> e.getKey() + "=" + e.getValue())
                                .toList());
                MemorySegment pid = arena.allocate(ValueLayout.JAVA_INT);
                MemorySegment file = arena.allocateFrom(argv.getFirst());
                int rc = (int) spawnp.invokeExact(pid, file, actions, attr, args, envp);
                if (rc != 0) {
                    throw new IOException("Cannot run program \"" + argv.getFirst() + "\" (in directory \"" + cwd
                            + "\"): " + error(rc));
                }
                spawned.incrementAndGet();
                started = true;
                return new Child(pid.get(ValueLayout.JAVA_INT, 0), output);
            } finally {
                closeFd(writeFd);
                if (!started) output.close();
                // both are harmless on zeroed memory: an init that failed left them so
                int ignored = (int) faDestroy.invokeExact(actions);
                ignored = (int) attrDestroy.invokeExact(attr);
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Waits for the end of child {@code pid} (blocking the calling thread, a platform thread) and reaps it; its exit
     * code as {@link Process#exitValue()} gives it: the code, or 128 + the signal that killed it.
     */
    @Override
    public int waitFor(long pid) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment status = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment state = arena.allocate(errnoState);
            while (true) {
                int r = (int) waitpid.invokeExact(state, (int) pid, status, 0);
                if (r == pid) return exitCode(status.get(ValueLayout.JAVA_INT, 0));
                int e = (int) errno.get(state, 0L);
                if (r == -1 && e == EINTR) continue;
                throw new IOException("waitpid(" + pid + "): " + error(e));
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** A wait status as an exit code: WEXITSTATUS when it exited, 128 + WTERMSIG when a signal killed it. */
    static int exitCode(int status) {
        int sig = status & 0x7f;
        return sig == 0 ? (status >> 8) & 0xff : 0x80 + sig;
    }

    private volatile int lastErrno;

    /** {@code kill(pid, sig)}: a negative pid is a process group; true if the signal could be sent. */
    @Override
    public boolean signal(long pid, int sig) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(errnoState);
            int r = (int) kill.invokeExact(state, (int) pid, sig);
            if (r != 0) lastErrno = (int) errno.get(state, 0L);
            return r == 0;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private void closeFd(int fd) {
        try {
            int ignored = (int) close.invokeExact(fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** A NULL-terminated array of C strings. */
    private static MemorySegment strings(Arena arena, List<String> values) {
        MemorySegment array = arena.allocate(ValueLayout.ADDRESS, values.size() + 1L);
        for (int k = 0; k < values.size(); k++)
            array.setAtIndex(ValueLayout.ADDRESS, k, arena.allocateFrom(values.get(k)));
        array.setAtIndex(ValueLayout.ADDRESS, values.size(), MemorySegment.NULL);
        return array;
    }

    private void check(String what, int rc) throws IOException {
        if (rc != 0) throw new IOException(what + ": " + error(rc));
    }

    private String error(int code) {
        try {
            MemorySegment s = (MemorySegment) strerror.invokeExact(code);
            return s.reinterpret(256).getString(0) + " (errno " + code + ")";
        } catch (Throwable t) {
            return "errno " + code;
        }
    }
}
