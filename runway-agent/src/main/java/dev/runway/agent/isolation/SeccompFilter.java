package dev.runway.agent.isolation;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;

/**
 * The seccomp filter of sandboxed steps: a classic BPF program (what {@code bwrap --seccomp FD} loads) that answers
 * EPERM to the system calls a CI job has no business making and that widen the kernel's attack surface or undo the
 * sandbox: ptrace and process_vm_*, every mount call (old and new API), pivot_root, chroot, kernel modules, kexec,
 * bpf, perf_event_open, the keyring, userfaultfd, open_by_handle_at, swap, reboot, acct, quotactl, io_uring, setns,
 * and unshare or clone with a namespace flag. clone3 answers ENOSYS (its flags lie in memory a filter cannot read),
 * so the C library falls back to clone, whose flags it can check. A system call of another architecture than the
 * machine's own (x86_64 or aarch64; 32-bit or x32 calls on x86_64) kills the process: its numbers mean other calls.
 */
public final class SeccompFilter {
    // struct seccomp_data: int nr; u32 arch; u64 instruction_pointer; u64 args[6]
    static final int OFFSET_NR = 0;
    static final int OFFSET_ARCH = 4;
    static final int OFFSET_ARG0 = 16; // low 32 bits on little-endian machines

    static final int AUDIT_ARCH_X86_64 = 0xC000003E;
    static final int AUDIT_ARCH_AARCH64 = 0xC00000B7;
    static final int X32_SYSCALL_BIT = 0x40000000;

    static final int RET_KILL_PROCESS = 0x80000000;
    static final int RET_ERRNO = 0x00050000;
    static final int RET_ALLOW = 0x7fff0000;
    static final int EPERM = 1;
    static final int ENOSYS = 38;

    // classic BPF opcodes
    static final short LD_W_ABS = 0x20;
    static final short JEQ_K = 0x15;
    static final short JGE_K = 0x35;
    static final short JSET_K = 0x45;
    static final short RET_K = 0x06;

    /** CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET and (unshare only) NEWTIME. */
    static final int CLONE_NAMESPACES =
            0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000;

    static final int CLONE_NEWTIME = 0x00000080;

    /** The system calls (by name) this filter refuses, and their numbers per architecture. */
    static final List<String> DENIED = List.of(
            "ptrace",
            "process_vm_readv",
            "process_vm_writev",
            "mount",
            "umount2",
            "pivot_root",
            "chroot",
            "open_tree",
            "move_mount",
            "fsopen",
            "fsconfig",
            "fsmount",
            "fspick",
            "mount_setattr",
            "init_module",
            "finit_module",
            "delete_module",
            "kexec_load",
            "kexec_file_load",
            "bpf",
            "perf_event_open",
            "keyctl",
            "add_key",
            "request_key",
            "userfaultfd",
            "open_by_handle_at",
            "name_to_handle_at",
            "swapon",
            "swapoff",
            "reboot",
            "acct",
            "quotactl",
            "quotactl_fd",
            "io_uring_setup",
            "io_uring_enter",
            "io_uring_register",
            "setns",
            "lookup_dcookie");

    /** One architecture: its audit number and the numbers of the calls the filter looks at. */
    record Arch(String name, int audit, Map<String, Integer> numbers) {
        int nr(String call) {
            Integer n = numbers.get(call);
            if (n == null) throw new IllegalStateException(name + ": no number for " + call);
            return n;
        }
    }

    static final Arch X86_64 = new Arch(
            "x86_64",
            AUDIT_ARCH_X86_64,
            Map.ofEntries(
                    Map.entry("ptrace", 101),
                    Map.entry("process_vm_readv", 310),
                    Map.entry("process_vm_writev", 311),
                    Map.entry("mount", 165),
                    Map.entry("umount2", 166),
                    Map.entry("pivot_root", 155),
                    Map.entry("chroot", 161),
                    Map.entry("open_tree", 428),
                    Map.entry("move_mount", 429),
                    Map.entry("fsopen", 430),
                    Map.entry("fsconfig", 431),
                    Map.entry("fsmount", 432),
                    Map.entry("fspick", 433),
                    Map.entry("mount_setattr", 442),
                    Map.entry("init_module", 175),
                    Map.entry("finit_module", 313),
                    Map.entry("delete_module", 176),
                    Map.entry("kexec_load", 246),
                    Map.entry("kexec_file_load", 320),
                    Map.entry("bpf", 321),
                    Map.entry("perf_event_open", 298),
                    Map.entry("keyctl", 250),
                    Map.entry("add_key", 248),
                    Map.entry("request_key", 249),
                    Map.entry("userfaultfd", 323),
                    Map.entry("open_by_handle_at", 304),
                    Map.entry("name_to_handle_at", 303),
                    Map.entry("swapon", 167),
                    Map.entry("swapoff", 168),
                    Map.entry("reboot", 169),
                    Map.entry("acct", 163),
                    Map.entry("quotactl", 179),
                    Map.entry("quotactl_fd", 443),
                    Map.entry("io_uring_setup", 425),
                    Map.entry("io_uring_enter", 426),
                    Map.entry("io_uring_register", 427),
                    Map.entry("setns", 308),
                    Map.entry("lookup_dcookie", 212),
                    Map.entry("unshare", 272),
                    Map.entry("clone", 56),
                    Map.entry("clone3", 435)));

    static final Arch AARCH64 = new Arch(
            "aarch64",
            AUDIT_ARCH_AARCH64,
            Map.ofEntries(
                    Map.entry("ptrace", 117),
                    Map.entry("process_vm_readv", 270),
                    Map.entry("process_vm_writev", 271),
                    Map.entry("mount", 40),
                    Map.entry("umount2", 39),
                    Map.entry("pivot_root", 41),
                    Map.entry("chroot", 51),
                    Map.entry("open_tree", 428),
                    Map.entry("move_mount", 429),
                    Map.entry("fsopen", 430),
                    Map.entry("fsconfig", 431),
                    Map.entry("fsmount", 432),
                    Map.entry("fspick", 433),
                    Map.entry("mount_setattr", 442),
                    Map.entry("init_module", 105),
                    Map.entry("finit_module", 273),
                    Map.entry("delete_module", 106),
                    Map.entry("kexec_load", 104),
                    Map.entry("kexec_file_load", 294),
                    Map.entry("bpf", 280),
                    Map.entry("perf_event_open", 241),
                    Map.entry("keyctl", 219),
                    Map.entry("add_key", 217),
                    Map.entry("request_key", 218),
                    Map.entry("userfaultfd", 282),
                    Map.entry("open_by_handle_at", 265),
                    Map.entry("name_to_handle_at", 264),
                    Map.entry("swapon", 224),
                    Map.entry("swapoff", 225),
                    Map.entry("reboot", 142),
                    Map.entry("acct", 89),
                    Map.entry("quotactl", 60),
                    Map.entry("quotactl_fd", 443),
                    Map.entry("io_uring_setup", 425),
                    Map.entry("io_uring_enter", 426),
                    Map.entry("io_uring_register", 427),
                    Map.entry("setns", 268),
                    Map.entry("lookup_dcookie", 18),
                    Map.entry("unshare", 97),
                    Map.entry("clone", 220),
                    Map.entry("clone3", 435)));

    /** The program for the machine the agent runs on, or null on an architecture the filter does not know. */
    public static byte[] forThisMachine() {
        return switch (System.getProperty("os.arch", "")) {
            case "amd64", "x86_64" -> program(X86_64);
            case "aarch64", "arm64" -> program(AARCH64);
            default -> null;
        };
    }

    /** The program (sock_filter entries, 8 bytes each, in the machine's little-endian order) for {@code arch}. */
    static byte[] program(Arch arch) {
        Program p = new Program();
        p.stmt(LD_W_ABS, OFFSET_ARCH);
        p.jump(JEQ_K, arch.audit(), 1, 0);
        p.ret(RET_KILL_PROCESS);
        p.stmt(LD_W_ABS, OFFSET_NR);
        if (arch == X86_64) { // x32 calls carry the x32 bit and mean other calls
            p.jump(JGE_K, X32_SYSCALL_BIT, 0, 1);
            p.ret(RET_KILL_PROCESS);
        }
        for (String call : DENIED) {
            p.jump(JEQ_K, arch.nr(call), 0, 1);
            p.ret(RET_ERRNO | EPERM);
        }
        p.jump(JEQ_K, arch.nr("clone3"), 0, 1);
        p.ret(RET_ERRNO | ENOSYS);
        flagged(p, arch.nr("unshare"), CLONE_NAMESPACES | CLONE_NEWTIME);
        flagged(p, arch.nr("clone"), CLONE_NAMESPACES); // clone's low byte is the exit signal, not NEWTIME
        p.ret(RET_ALLOW);
        return p.bytes();
    }

    /** {@code nr} is refused when its first argument carries one of {@code flags}; otherwise allowed. */
    private static void flagged(Program p, int nr, int flags) {
        p.jump(JEQ_K, nr, 0, 4);
        p.stmt(LD_W_ABS, OFFSET_ARG0);
        p.jump(JSET_K, flags, 0, 1);
        p.ret(RET_ERRNO | EPERM);
        p.ret(RET_ALLOW);
    }

    private static final class Program {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        void stmt(short code, int k) {
            jump(code, k, 0, 0);
        }

        void ret(int k) {
            stmt(RET_K, k);
        }

        void jump(short code, int k, int jt, int jf) {
            out.write(code & 0xff);
            out.write((code >> 8) & 0xff);
            out.write(jt);
            out.write(jf);
            for (int i = 0; i < 4; i++) out.write((k >>> (8 * i)) & 0xff);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    private SeccompFilter() {}
}
