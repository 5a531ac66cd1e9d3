/* Helper programs (spawn.h). */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int spawn_wait(const char *const argv[], const char *cwd, char *out, size_t cap,
	       struct uvm_error *err)
{
	posix_spawn_file_actions_t fa;
	int pipefd[2] = { -1, -1 }, status, ret;
	size_t len = 0;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return uvm_err_sys(err, -errno, "pipe");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	if (cwd)
		posix_spawn_file_actions_addchdir_np(&fa, cwd);
	ret = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (ret) {
		close(pipefd[0]);
		return uvm_err_sys(err, -ret, "cannot run %s", argv[0]);
	}
	for (;;) {
		char buf[4096];
		ssize_t n = read(pipefd[0], buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		/* Keep the tail: errors come last. */
		if (out && cap > 1) {
			size_t take = (size_t)n;

			if (take > cap - 1)
				take = cap - 1;
			if (len + take > cap - 1) {
				size_t drop = len + take - (cap - 1);

				memmove(out, out + drop, len - drop);
				len -= drop;
			}
			memcpy(out + len, buf + (size_t)n - take, take);
			len += take;
		}
	}
	close(pipefd[0]);
	if (out && cap)
		out[len] = '\0';
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return uvm_err_sys(err, -errno, "waitpid");
	if (WIFSIGNALED(status))
		return uvm_err(err, -EINTR, "%s died of signal %d", argv[0], WTERMSIG(status));
	return WEXITSTATUS(status);
}

int spawn_check(const char *const argv[], const char *cwd, char *out, size_t cap,
		struct uvm_error *err)
{
	char local[2048];
	char *buf = out ? out : local;
	size_t bufcap = out ? cap : sizeof(local);
	int ret = spawn_wait(argv, cwd, buf, bufcap, err);
	char *last;

	if (ret <= 0)
		return ret;
	/* The last non-empty line says what went wrong. */
	while ((last = strrchr(buf, '\n')) && last[1] == '\0')
		*last = '\0';
	last = strrchr(buf, '\n');
	return uvm_err(err, -EIO, "%s failed (exit %d): %s", argv[0], ret, last ? last + 1 : buf);
}
