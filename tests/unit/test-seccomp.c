/* The VMM's seccomp filter in a child process: what a running VMM does
 * still works (files, threads, Unix sockets, terminal and KVM-type ioctls),
 * and each forbidden call (exec, mount, network sockets, other ioctls,
 * module loading) stops the process with exit 125 and a line naming it. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../vmm/seccomp.h"
#include "test.h"

/* Run fn in a child under the filter; returns its exit status and its
 * stderr in out. */
static int run_filtered(void (*fn)(void), char *out, size_t cap)
{
	int pipefd[2], status;
	pid_t pid;
	ssize_t n;

	if (pipe(pipefd) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		struct uvm_error err = { 0 };

		dup2(pipefd[1], 2);
		close(pipefd[0]);
		if (vmm_seccomp_install(&err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			_exit(99);
		}
		fn();
		_exit(0);
	}
	close(pipefd[1]);
	n = read(pipefd[0], out, cap - 1);
	out[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void *thread_fn(void *arg)
{
	return arg;
}

static void allowed_work(void)
{
	pthread_t t;
	int fds[2], n = 0, s;
	char buf[4];

	if (pipe2(fds, O_CLOEXEC) < 0 || write(fds[1], "ok", 2) != 2 || read(fds[0], buf, 2) != 2)
		_exit(1);
	if (ioctl(fds[0], FIONREAD, &n) < 0)
		_exit(2);
	if (pthread_create(&t, NULL, thread_fn, NULL) || pthread_join(t, NULL))
		_exit(3);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0)
		_exit(4);
	close(s);
	/* clone3 answers ENOSYS (so glibc falls back to clone). */
	if (syscall(__NR_clone3, NULL, 0) != -1 || errno != ENOSYS)
		_exit(5);
	/* An ioctl of KVM's type passes the filter (and fails on a pipe). */
	if (ioctl(fds[0], 0xae00 /* KVM_GET_API_VERSION */, 0) != -1)
		_exit(6);
}

static void do_exec(void)
{
	char *argv[] = { "/bin/true", NULL };

	execv(argv[0], argv);
}

static void do_mount(void)
{
	mount("none", "/mnt", "tmpfs", 0, NULL);
}

static void do_inet(void)
{
	socket(AF_INET, SOCK_STREAM, 0);
}

static void do_other_ioctl(void)
{
	int n;

	ioctl(0, SIOCGIFFLAGS, &n);
}

static void do_finit_module(void)
{
	syscall(__NR_finit_module, -1, "", 0);
}

static void what_a_vmm_does_is_allowed(void)
{
	char out[512];

	CHECK_EQ(run_filtered(allowed_work, out, sizeof(out)), 0);
	CHECK_EQ(out[0], '\0');
}

static void forbidden_calls_stop_the_vmm_with_a_line(void)
{
	struct { void (*fn)(void); const char *name; } cases[] = {
		{ do_exec, "execve" }, { do_mount, "mount" }, { do_inet, "socket" },
		{ do_other_ioctl, "ioctl" }, { do_finit_module, "finit_module" },
	};
	char out[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_EQ(run_filtered(cases[i].fn, out, sizeof(out)), SECCOMP_VIOLATION_EXIT);
		CHECK_STR_CONTAINS(out, "outside its allow-list");
		CHECK_STR_CONTAINS(out, cases[i].name);
	}
}

TEST_LIST(T(what_a_vmm_does_is_allowed), T(forbidden_calls_stop_the_vmm_with_a_line));
TEST_MAIN("seccomp")
