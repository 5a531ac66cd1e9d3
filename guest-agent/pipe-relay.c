/* MappedPipes inside the utility VM: a Unix socket listening in the
 * container's bundle and bound into the container at the pipe's path; each
 * connection a container process makes there is relayed to a host vsock
 * port, where the VMM hands it to the host's Unix socket. One relay process
 * per pipe, leading its own process group (one child per connection), so
 * ending the group ends the pipe and every connection it carries. */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/close_range.h>
#include <linux/vm_sockets.h>

#define RELAY_BUF 65536

/* Copy both ways until both directions ended; a read end is passed on as a
 * half-close. Blocking descriptors: each write completes before the next read. */
static void pump(int a, int b)
{
	static char buf[RELAY_BUF];
	struct pollfd p[2] = { { a, POLLIN, 0 }, { b, POLLIN, 0 } };
	int open_dirs = 2;

	while (open_dirs) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		for (int i = 0; i < 2; i++) {
			int from = i ? b : a, to = i ? a : b;
			ssize_t n;

			if (p[i].fd < 0 || !p[i].revents)
				continue;
			n = read(from, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n > 0) {
				for (ssize_t off = 0; off < n;) {
					ssize_t w = write(to, buf + off, (size_t)(n - off));

					if (w < 0 && errno == EINTR)
						continue;
					if (w <= 0)
						return;
					off += w;
				}
				continue;
			}
			shutdown(to, SHUT_WR);
			p[i].fd = -1;
			open_dirs--;
		}
	}
}

static void relay_connection(int c, uint32_t port)
{
	struct sockaddr_vm host = {
		.svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_HOST, .svm_port = port,
	};
	int v = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);

	/* Nobody listening on the host: the container sees its connection close. */
	if (v < 0 || connect(v, (struct sockaddr *)&host, sizeof(host)) < 0)
		return;
	pump(c, v);
}

/* The relay process: accept, one child per connection. Never returns. */
static void serve(int lfd, uint32_t port)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);   /* the agent blocks them for its signalfd */
	signal(SIGCHLD, SIG_IGN);                /* connection children reap themselves */
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		pid_t pid;

		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE)
				continue;
			_exit(1);
		}
		pid = fork();
		if (pid == 0) {
			close(lfd);
			relay_connection(c, port);
			_exit(0);
		}
		close(c);
	}
}

int pipe_relay_start(const char *sock_path, uint32_t port, pid_t *pgid, struct uvm_error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd;
	pid_t pid;

	if (strlen(sock_path) >= sizeof(sa.sun_path))
		return uvm_err(err, -ENAMETOOLONG, "%s: socket path too long", sock_path);
	strcpy(sa.sun_path, sock_path);
	unlink(sock_path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return uvm_err_sys(err, -errno, "socket");
	/* Any user in the container may connect, as to the host's socket. */
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(sock_path, 0666) < 0 ||
	    listen(lfd, 64) < 0) {
		int ret = uvm_err_sys(err, -errno, "pipe socket %s", sock_path);

		close(lfd);
		return ret;
	}
	pid = fork();
	if (pid < 0) {
		int ret = uvm_err_sys(err, -errno, "fork");

		close(lfd);
		return ret;
	}
	if (pid == 0) {
		setpgid(0, 0);
		/* Only the listener: none of the agent's descriptors. */
		if (dup2(lfd, 3) < 0)
			_exit(1);
		syscall(SYS_close_range, 4, ~0U, 0);
		serve(3, port);
	}
	setpgid(pid, pid);
	close(lfd);
	*pgid = pid;
	return 0;
}

void pipe_relays_stop(struct container *c)
{
	for (size_t i = 0; i < c->n_relays; i++) {
		if (kill(-c->relays[i], SIGKILL) < 0 && errno != ESRCH)
			agent_log("pipe relay %d: %s", (int)c->relays[i], strerror(errno));
	}
	c->n_relays = 0;
}
