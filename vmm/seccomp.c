/* The VMM's seccomp-bpf filter (seccomp.h). The list was taken from what a
 * VM with disks, shares and vsock calls (strace -f -c) plus what the code
 * can reach on rarer paths (9P operations, errors, teardown). */
#include "seccomp.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define KVM_IOCTL_TYPE 0xae        /* _IOC_TYPE of every KVM ioctl */

/* Sanitizer builds (the test builds) need a little more; see below. */
#if defined(__SANITIZE_ADDRESS__)
#define UVM_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UVM_SANITIZED 1
#endif
#endif
#define X32_SYSCALL_BIT 0x40000000

static const int allowed[] = {
	/* files */
	__NR_read, __NR_write, __NR_pread64, __NR_pwrite64, __NR_readv, __NR_writev,
	__NR_preadv, __NR_pwritev, __NR_preadv2, __NR_pwritev2, __NR_lseek, __NR_close,
	__NR_openat, __NR_openat2, __NR_newfstatat, __NR_fstat, __NR_statx, __NR_fstatfs,
	__NR_statfs, __NR_getdents64, __NR_fsync, __NR_fdatasync, __NR_ftruncate, __NR_fallocate,
	__NR_fcntl, __NR_mkdirat, __NR_mknodat, __NR_unlinkat, __NR_renameat, __NR_renameat2,
	__NR_linkat, __NR_symlinkat, __NR_readlinkat, __NR_fchownat, __NR_fchown, __NR_fchmodat,
	__NR_fchmod, __NR_chmod, __NR_utimensat, __NR_fgetxattr, __NR_fsetxattr, __NR_flistxattr,
	__NR_fremovexattr, __NR_getxattr, __NR_setxattr, __NR_listxattr, __NR_removexattr,
	__NR_lgetxattr, __NR_lsetxattr, __NR_llistxattr, __NR_lremovexattr, __NR_access,
	__NR_faccessat, __NR_faccessat2, __NR_readlink, __NR_unlink, __NR_dup, __NR_dup3,
	__NR_flock, __NR_pipe2,
	/* memory */
	__NR_mmap, __NR_munmap, __NR_mprotect, __NR_madvise, __NR_brk, __NR_mremap, __NR_mincore,
	/* threads and signals (clone: threads only, below) */
	__NR_futex, __NR_set_robust_list, __NR_get_robust_list, __NR_rseq, __NR_exit,
	__NR_exit_group, __NR_sched_yield, __NR_sched_getaffinity, __NR_gettid, __NR_getpid,
	__NR_tgkill, __NR_rt_sigprocmask, __NR_rt_sigaction, __NR_rt_sigreturn, __NR_sigaltstack,
	__NR_set_tid_address, __NR_restart_syscall,
	/* time and waiting */
	__NR_clock_gettime, __NR_clock_getres, __NR_clock_nanosleep, __NR_nanosleep,
	__NR_gettimeofday, __NR_timerfd_create, __NR_timerfd_settime, __NR_timerfd_gettime,
	__NR_epoll_create1, __NR_epoll_ctl, __NR_epoll_wait, __NR_epoll_pwait, __NR_poll,
	__NR_ppoll, __NR_eventfd2, __NR_signalfd4,
	/* Unix sockets (socket: AF_UNIX only, below) */
	__NR_bind, __NR_listen, __NR_accept4, __NR_connect, __NR_recvfrom, __NR_sendto,
	__NR_recvmsg, __NR_sendmsg, __NR_shutdown, __NR_getsockopt, __NR_setsockopt,
	__NR_getsockname, __NR_getpeername, __NR_socketpair,
	/* disk IO */
	__NR_io_setup, __NR_io_destroy, __NR_io_submit, __NR_io_getevents, __NR_io_cancel,
	/* misc */
	__NR_getrandom, __NR_prlimit64, __NR_getrlimit, __NR_sysinfo, __NR_uname, __NR_getuid,
	__NR_geteuid, __NR_getgid, __NR_getegid, __NR_umask, __NR_prctl,
#ifdef UVM_SANITIZED
	/* LeakSanitizer stops the world at exit with a ptrace()ing helper:
	 * only sanitizer builds (test builds) allow it. The helper lists
	 * threads with the old open and getdents calls (seen with
	 * SECCOMP_RET_LOG: refusing them left the VMM hanging at exit). */
	__NR_ptrace, __NR_wait4, __NR_process_vm_readv, __NR_getppid, __NR_clone,
	__NR_open, __NR_getdents,
#endif
};

static const unsigned tty_ioctls[] = { TCGETS, TCSETS, TCSETSW, TCSETSF, TIOCGWINSZ, FIONREAD };

static const struct { int nr; const char *name; } known_names[] = {
	{ __NR_execve, "execve" }, { __NR_execveat, "execveat" }, { __NR_mount, "mount" },
	{ __NR_umount2, "umount2" }, { __NR_ptrace, "ptrace" }, { __NR_fork, "fork" },
	{ __NR_vfork, "vfork" }, { __NR_clone, "clone" }, { __NR_socket, "socket" },
	{ __NR_ioctl, "ioctl" }, { __NR_setns, "setns" }, { __NR_unshare, "unshare" },
	{ __NR_init_module, "init_module" }, { __NR_finit_module, "finit_module" },
	{ __NR_bpf, "bpf" }, { __NR_kexec_load, "kexec_load" }, { __NR_reboot, "reboot" },
	{ __NR_chroot, "chroot" }, { __NR_pivot_root, "pivot_root" }, { __NR_setuid, "setuid" },
	{ __NR_perf_event_open, "perf_event_open" }, { __NR_keyctl, "keyctl" },
	{ __NR_kill, "kill" }, { __NR_mkdir, "mkdir" }, { __NR_open, "open" },
};

/* SIGSYS: say which call was refused, then stop (async-signal-safe only). */
static void seccomp_violation(int sig, siginfo_t *info, void *ctx)
{
	char msg[160] = "uvmrun: seccomp: the VMM made a system call outside its allow-list (";
	const char *name = NULL;
	size_t len = strlen(msg);
	char digits[12];
	int nr = info->si_syscall, n = 0;

	(void)sig;
	(void)ctx;
	for (size_t i = 0; i < sizeof(known_names) / sizeof(known_names[0]); i++)
		if (known_names[i].nr == nr)
			name = known_names[i].name;
	if (name) {
		size_t l = strlen(name);

		memcpy(msg + len, name, l);
		len += l;
		msg[len++] = ' ';
	}
	do
		digits[n++] = (char)('0' + (unsigned)nr % 10);
	while ((nr = (int)((unsigned)nr / 10)) && n < 11);
	msg[len++] = '#';
	while (n)
		msg[len++] = digits[--n];
	memcpy(msg + len, "); stopping\n", 12);
	len += 12;
	if (write(STDERR_FILENO, msg, len) < 0)
		_exit(SECCOMP_VIOLATION_EXIT);
	_exit(SECCOMP_VIOLATION_EXIT);
}

struct bpf_prog {
	struct sock_filter insns[512];
	unsigned n;
};

static void emit(struct bpf_prog *p, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	if (p->n < sizeof(p->insns) / sizeof(p->insns[0]))
		p->insns[p->n++] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);
}

#define LOAD(off) emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, (off))
#define RET(v) emit(p, BPF_RET | BPF_K, 0, 0, (v))
#define NR_OFF offsetof(struct seccomp_data, nr)
#define ARG_LO(i) offsetof(struct seccomp_data, args[i])

/* if (nr == `nr`) { check arg `arg` (low 32 bits), masked, equals `value`
 * -> allow, else trap }; otherwise continue. */
static void arg_rule(struct bpf_prog *p, int nr, unsigned arg, uint32_t mask, uint32_t value)
{
	LOAD(NR_OFF);
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 5, (uint32_t)nr);
	LOAD(ARG_LO(arg));
	emit(p, BPF_ALU | BPF_AND | BPF_K, 0, 0, mask);
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, value);
	RET(SECCOMP_RET_ALLOW);
	RET(SECCOMP_RET_TRAP);
}

static void build(struct bpf_prog *p)
{
	const unsigned nallowed = sizeof(allowed) / sizeof(allowed[0]);
	const unsigned ntty = sizeof(tty_ioctls) / sizeof(tty_ioctls[0]);

	p->n = 0;
	/* Only native x86-64 calls. */
	LOAD(offsetof(struct seccomp_data, arch));
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, AUDIT_ARCH_X86_64);
	RET(SECCOMP_RET_KILL_PROCESS);
	LOAD(NR_OFF);
	emit(p, BPF_JMP | BPF_JGE | BPF_K, 0, 1, X32_SYSCALL_BIT);
	RET(SECCOMP_RET_KILL_PROCESS);
	/* clone3 hides its flags in memory: say ENOSYS, so threads are made
	 * with clone, whose flags we can check. */
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, __NR_clone3);
	RET(SECCOMP_RET_ERRNO | ENOSYS);
#ifndef UVM_SANITIZED
	arg_rule(p, __NR_clone, 0, CLONE_THREAD, CLONE_THREAD);
#endif
	arg_rule(p, __NR_socket, 0, 0xffffffff, AF_UNIX);
	/* ioctl: KVM's (type 0xAE) and the terminal's few. The block after
	 * the first jump: load, ntty tests, and, test, trap, allow. */
	LOAD(NR_OFF);
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, (uint8_t)(ntty + 5), __NR_ioctl);
	LOAD(ARG_LO(1));
	for (unsigned i = 0; i < ntty; i++)
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, (uint8_t)(ntty - i + 2), 0, tty_ioctls[i]);
	emit(p, BPF_ALU | BPF_AND | BPF_K, 0, 0, 0xff00);
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, KVM_IOCTL_TYPE << 8);
	RET(SECCOMP_RET_TRAP);
	RET(SECCOMP_RET_ALLOW);
	/* Everything else: the list. */
	LOAD(NR_OFF);
	for (unsigned i = 0; i < nallowed; i++)
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, (uint8_t)(nallowed - i), 0, (uint32_t)allowed[i]);
	RET(SECCOMP_RET_TRAP);
	RET(SECCOMP_RET_ALLOW);
}

int vmm_seccomp_install(struct uvm_error *err)
{
	struct bpf_prog p;
	struct sock_fprog prog;
	struct sigaction sa = { .sa_sigaction = seccomp_violation, .sa_flags = SA_SIGINFO };

	build(&p);
	if (p.n >= sizeof(p.insns) / sizeof(p.insns[0]))
		return uvm_err(err, -E2BIG, "seccomp filter too long");
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		return uvm_err_sys(err, -errno, "seccomp: sigaction");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return uvm_err_sys(err, -errno, "seccomp: PR_SET_NO_NEW_PRIVS");
	prog.len = (unsigned short)p.n;
	prog.filter = p.insns;
	if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0)
		return uvm_err_sys(err, errno ? -errno : -EINVAL, "seccomp: installing the filter");
	return 0;
}
