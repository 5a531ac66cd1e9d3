/* Running helper programs and waiting for them with a deadline: crun (with
 * the agent's state root, log file and cgroupfs manager, its error taken from
 * the log) and others such as mke2fs (error from stderr). The agent waits for
 * them synchronously, which is safe because only the main loop reaps. What to
 * ask crun is container.c's business. */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../vmm/fileio.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define ARGV_MAX 48

static void exec_child(const char *const *argv, const int fds[3])
{
	sigset_t none;

	sigemptyset(&none);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int i = 0; i < 3; i++) {
		int fd = fds[i];

		if (fd < 0 && (fd = open("/dev/null", O_RDWR)) < 0)
			_exit(126);
		if (fd == i ? fcntl(fd, F_SETFD, 0) < 0 : dup2(fd, i) < 0)
			_exit(126);
	}
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	execv(argv[0], (char *const *)argv);
	_exit(127);
}

int wait_child(pid_t pid, int timeout_ms, int *wstatus)
{
	uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	unsigned nap_us = 200;

	for (;;) {
		pid_t r = waitpid(pid, wstatus, WNOHANG);
		uint64_t now;

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			if (pidfd >= 0)
				close(pidfd);
			return -errno;
		}
		now = now_ms();
		if (now >= deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, wstatus, 0) < 0 && errno == EINTR)
				;
			if (pidfd >= 0)
				close(pidfd);
			return -ETIMEDOUT;
		}
		if (pidfd >= 0) {
			struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

			poll(&pfd, 1, (int)(deadline - now));
		} else {
			struct timespec ts = { 0, (long)nap_us * 1000 };

			nanosleep(&ts, NULL);
			if (nap_us < 20000)
				nap_us *= 2;
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	return 0;
}

static void last_line(char *text, char *out, size_t size)
{
	size_t len = strlen(text);
	char *start;

	while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	start = strrchr(text, '\n');
	snprintf(out, size, "%s", start ? start + 1 : text);
}

static const char *exit_text(int wstatus, char *buf, size_t size)
{
	if (WIFSIGNALED(wstatus))
		snprintf(buf, size, "killed by signal %d", WTERMSIG(wstatus));
	else
		snprintf(buf, size, "exit status %d", WEXITSTATUS(wstatus));
	return buf;
}

int run_program(const char *const *argv, int timeout_ms, struct uvm_error *err)
{
	int pipefd[2], fds[3], wstatus = 0, ret;
	char out[2048], line[512], how[48];
	size_t len = 0;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return uvm_err_sys(err, -errno, "pipe");
	fds[0] = fds[1] = -1;
	fds[2] = pipefd[1];
	pid = fork();
	if (pid < 0) {
		ret = uvm_err_sys(err, -errno, "fork");
		close(pipefd[0]);
		close(pipefd[1]);
		return ret;
	}
	if (pid == 0)
		exec_child(argv, fds);
	close(pipefd[1]);
	/* Keep the tail of stderr; the program ends its stderr when it exits
	 * (or the deadline ends the program). */
	for (uint64_t deadline = now_ms() + (uint64_t)timeout_ms;;) {
		struct pollfd pfd = { .fd = pipefd[0], .events = POLLIN };
		uint64_t now = now_ms();
		ssize_t n;
		int ready;

		if (now >= deadline)
			break;
		ready = poll(&pfd, 1, (int)(deadline - now));
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0)
			break;
		n = read(pipefd[0], out + len, sizeof(out) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == sizeof(out) - 1) {   /* keep the newer half */
			memmove(out, out + len / 2, len - len / 2);
			len -= len / 2;
		}
	}
	out[len] = '\0';
	close(pipefd[0]);
	ret = wait_child(pid, timeout_ms, &wstatus);
	if (ret == -ETIMEDOUT)
		return uvm_err(err, -ETIMEDOUT, "%s: no result after %d ms", argv[0], timeout_ms);
	if (ret)
		return uvm_err_sys(err, ret, "waiting for %s", argv[0]);
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)
		return 0;
	last_line(out, line, sizeof(line));
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 127 && !line[0])
		return uvm_err(err, -ENOENT, "%s: cannot run it", argv[0]);
	return uvm_err(err, -EIO, "%s: %s%s%s", argv[0], exit_text(wstatus, how, sizeof(how)),
		       line[0] ? ": " : "", line);
}

int crun_run(struct agent *a, const char *const *args, const int fds[3], int timeout_ms,
	     struct uvm_error *err)
{
	const char *argv[ARGV_MAX];
	char log_opt[GCS_PATH_MAX + 16], how[48], line[512];
	uint8_t *log = NULL;
	size_t n = 0, log_len = 0;
	int wstatus = 0, ret, fd;
	pid_t pid;

	snprintf(log_opt, sizeof(log_opt), "--log=file:%s", a->crun_log);
	argv[n++] = a->opt.crun;
	argv[n++] = "--root";
	argv[n++] = a->crun_root;
	argv[n++] = log_opt;
	argv[n++] = "--cgroup-manager=cgroupfs";
	for (size_t i = 0; args[i]; i++) {
		if (n == ARGV_MAX - 1)
			return uvm_err(err, -E2BIG, "crun: too many arguments");
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	/* One log per run, so its last line is this run's error. */
	fd = open(a->crun_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return uvm_err_sys(err, -errno, "%s", a->crun_log);
	close(fd);
	agent_debug("crun %s %s", args[0], args[1] ? args[1] : "");
	pid = fork();
	if (pid < 0)
		return uvm_err_sys(err, -errno, "fork");
	if (pid == 0)
		exec_child(argv, fds);
	ret = wait_child(pid, timeout_ms, &wstatus);
	if (ret == -ETIMEDOUT)
		return uvm_err(err, -ERUNTIME, "crun %s: no result after %d ms", args[0], timeout_ms);
	if (ret)
		return uvm_err_sys(err, ret, "waiting for crun");
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)
		return 0;
	line[0] = '\0';
	if (read_file(a->crun_log, 64 << 10, &log, &log_len, NULL) == 0) {
		char *text = malloc(log_len + 1);

		if (text) {
			memcpy(text, log, log_len);
			text[log_len] = '\0';
			last_line(text, line, sizeof(line));
			free(text);
		}
		free(log);
	}
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 127 && !line[0])
		return uvm_err(err, -ERUNTIME, "cannot run %s", a->opt.crun);
	return uvm_err(err, -ERUNTIME, "crun %s: %s%s%s", args[0],
		       exit_text(wstatus, how, sizeof(how)), line[0] ? ": " : "", line);
}

int read_pid_file(const char *path, pid_t *pid, struct uvm_error *err)
{
	uint8_t *data;
	size_t len;
	char text[32];
	long v;
	char *end;
	int ret = read_file(path, 31, &data, &len, err);

	if (ret)
		return ret;
	memcpy(text, data, len);
	text[len] = '\0';
	free(data);
	v = strtol(text, &end, 10);
	if (end == text || v <= 0 || v > 0x3fffffff || (*end && *end != '\n'))
		return uvm_err(err, -EINVAL, "%s: not a pid: \"%s\"", path, text);
	*pid = (pid_t)v;
	return 0;
}
