package dev.runway.agent.isolation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * The seccomp program's encoding, checked by running it: a small classic-BPF interpreter (the instructions the
 * program uses) evaluates it on made-up system calls. The probe test shows the kernel enforcing it.
 */
class SeccompFilterTest {
    static final int ALLOW = SeccompFilter.RET_ALLOW;
    static final int EPERM = SeccompFilter.RET_ERRNO | SeccompFilter.EPERM;
    static final int ENOSYS = SeccompFilter.RET_ERRNO | SeccompFilter.ENOSYS;
    static final int KILL = SeccompFilter.RET_KILL_PROCESS;

    /** Runs {@code program} on a system call; returns the filter's answer. */
    static int run(byte[] program, int arch, int nr, long arg0) {
        ByteBuffer data = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        data.putInt(0, nr).putInt(4, arch).putLong(8, 0x400000L).putLong(16, arg0);
        ByteBuffer code = ByteBuffer.wrap(program).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(program.length % 8).isZero();
        int count = program.length / 8;
        assertThat(count).isBetween(1, 4096);
        int a = 0;
        for (int pc = 0, steps = 0; steps < count; steps++) {
            assertThat(pc).as("jumped outside the program").isBetween(0, count - 1);
            int op = code.getShort(pc * 8) & 0xffff;
            int jt = code.get(pc * 8 + 2) & 0xff;
            int jf = code.get(pc * 8 + 3) & 0xff;
            int k = code.getInt(pc * 8 + 4);
            switch (op) {
                case 0x20 -> { // ld [k]
                    assertThat(k % 4).isZero();
                    a = data.getInt(k);
                    pc++;
                }
                case 0x15 -> pc += 1 + (a == k ? jt : jf);
                case 0x35 -> pc += 1 + (Integer.compareUnsigned(a, k) >= 0 ? jt : jf);
                case 0x45 -> pc += 1 + ((a & k) != 0 ? jt : jf);
                case 0x06 -> {
                    return k;
                }
                default -> throw new AssertionError("unexpected opcode 0x" + Integer.toHexString(op) + " at " + pc);
            }
        }
        throw new AssertionError("the program ran off its end");
    }

    @Test
    void dangerousCallsAreRefusedWithEpermOnX86_64() {
        byte[] p = SeccompFilter.program(SeccompFilter.X86_64);
        int x86 = SeccompFilter.AUDIT_ARCH_X86_64;
        assertThat(run(p, x86, 165, 0)).as("mount").isEqualTo(EPERM);
        assertThat(run(p, x86, 166, 0)).as("umount2").isEqualTo(EPERM);
        assertThat(run(p, x86, 101, 0)).as("ptrace").isEqualTo(EPERM);
        assertThat(run(p, x86, 155, 0)).as("pivot_root").isEqualTo(EPERM);
        assertThat(run(p, x86, 246, 0)).as("kexec_load").isEqualTo(EPERM);
        assertThat(run(p, x86, 313, 0)).as("finit_module").isEqualTo(EPERM);
        assertThat(run(p, x86, 321, 0)).as("bpf").isEqualTo(EPERM);
        assertThat(run(p, x86, 298, 0)).as("perf_event_open").isEqualTo(EPERM);
        assertThat(run(p, x86, 250, 0)).as("keyctl").isEqualTo(EPERM);
        assertThat(run(p, x86, 323, 0)).as("userfaultfd").isEqualTo(EPERM);
        assertThat(run(p, x86, 304, 0)).as("open_by_handle_at").isEqualTo(EPERM);
        assertThat(run(p, x86, 308, 0)).as("setns").isEqualTo(EPERM);
        assertThat(run(p, x86, 425, 0)).as("io_uring_setup").isEqualTo(EPERM);
        assertThat(run(p, x86, 430, 0)).as("fsopen").isEqualTo(EPERM);
        assertThat(run(p, x86, 169, 0)).as("reboot").isEqualTo(EPERM);
    }

    @Test
    void everyDeniedCallOfBothArchitecturesIsRefused() {
        for (SeccompFilter.Arch arch : new SeccompFilter.Arch[] {SeccompFilter.X86_64, SeccompFilter.AARCH64}) {
            byte[] p = SeccompFilter.program(arch);
            for (String call : SeccompFilter.DENIED) {
                assertThat(run(p, arch.audit(), arch.nr(call), 0))
                        .as(arch.name() + " " + call)
                        .isEqualTo(EPERM);
            }
        }
    }

    @Test
    void ordinaryCallsAreAllowed() {
        byte[] x = SeccompFilter.program(SeccompFilter.X86_64);
        int x86 = SeccompFilter.AUDIT_ARCH_X86_64;
        for (int nr : new int[] {0, 1, 2, 9, 57, 59, 60, 62, 231, 257, 41, 42}) { // read... execve, kill, socket
            assertThat(run(x, x86, nr, 0)).as("x86_64 call " + nr).isEqualTo(ALLOW);
        }
        byte[] a = SeccompFilter.program(SeccompFilter.AARCH64);
        int arm = SeccompFilter.AUDIT_ARCH_AARCH64;
        for (int nr : new int[] {63, 64, 56, 221, 93, 129, 198}) { // read, write, openat, execve, exit, kill, socket
            assertThat(run(a, arm, nr, 0)).as("aarch64 call " + nr).isEqualTo(ALLOW);
        }
    }

    @Test
    void namespacesAreRefusedButPlainForksAndThreadsAllowed() {
        byte[] p = SeccompFilter.program(SeccompFilter.X86_64);
        int x86 = SeccompFilter.AUDIT_ARCH_X86_64;
        int newUser = 0x10000000;
        int newNs = 0x00020000;
        int newNet = 0x40000000;
        int newTime = 0x80;
        assertThat(run(p, x86, 272, newUser)).as("unshare -U").isEqualTo(EPERM);
        assertThat(run(p, x86, 272, newNs)).as("unshare -m").isEqualTo(EPERM);
        assertThat(run(p, x86, 272, newTime)).as("unshare -T").isEqualTo(EPERM);
        assertThat(run(p, x86, 272, 0x400)).as("unshare(CLONE_FILES)").isEqualTo(ALLOW);
        assertThat(run(p, x86, 56, newNet | 17)).as("clone(CLONE_NEWNET)").isEqualTo(EPERM);
        assertThat(run(p, x86, 56, 0x01200011)).as("fork's clone").isEqualTo(ALLOW);
        assertThat(run(p, x86, 56, 0x003d0f00)).as("pthread_create's clone").isEqualTo(ALLOW);
        assertThat(run(p, x86, 435, 0)).as("clone3 falls back to clone").isEqualTo(ENOSYS);
        byte[] a = SeccompFilter.program(SeccompFilter.AARCH64);
        int arm = SeccompFilter.AUDIT_ARCH_AARCH64;
        assertThat(run(a, arm, 97, newUser)).as("aarch64 unshare -U").isEqualTo(EPERM);
        assertThat(run(a, arm, 220, newUser | 17))
                .as("aarch64 clone(CLONE_NEWUSER)")
                .isEqualTo(EPERM);
        assertThat(run(a, arm, 220, 0x01200011)).as("aarch64 fork").isEqualTo(ALLOW);
    }

    @Test
    void foreignArchitecturesAndX32CallsKillTheProcess() {
        byte[] p = SeccompFilter.program(SeccompFilter.X86_64);
        int i386 = 0x40000003;
        assertThat(run(p, i386, 21, 0)).as("i386 mount through int 0x80").isEqualTo(KILL);
        assertThat(run(p, SeccompFilter.AUDIT_ARCH_AARCH64, 40, 0)).isEqualTo(KILL);
        assertThat(run(p, SeccompFilter.AUDIT_ARCH_X86_64, 0x40000000 | 165, 0))
                .as("x32 mount")
                .isEqualTo(KILL);
        byte[] a = SeccompFilter.program(SeccompFilter.AARCH64);
        assertThat(run(a, 0x40000028, 21, 0)).as("arm 32-bit").isEqualTo(KILL);
    }

    @Test
    void theMachinesProgramIsOneOfTheTwo() {
        byte[] mine = SeccompFilter.forThisMachine();
        String arch = System.getProperty("os.arch");
        if (arch.equals("amd64") || arch.equals("x86_64"))
            assertThat(mine).isEqualTo(SeccompFilter.program(SeccompFilter.X86_64));
        else if (arch.equals("aarch64")) assertThat(mine).isEqualTo(SeccompFilter.program(SeccompFilter.AARCH64));
        else assertThat(mine).isNull();
    }
}
