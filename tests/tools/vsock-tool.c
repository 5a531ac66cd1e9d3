/* vsock-tool: the ends of vsock connections for tests and benchmarks, in
 * the guest (AF_VSOCK) and on the host (the VMM's Unix sockets, Firecracker
 * convention). Built static: the same binary runs in the test guest.
 *   guest-echo PORT [N]        accept N connections (default 1), echo each
 *   guest-connect PORT         connect to host port PORT, stdin -> it -> stdout
 *   guest-sink PORT            accept one, read to EOF, print MB/s
 *   guest-source PORT MIB      connect to host PORT, write MIB MiB
 *   host-connect SOCK PORT     CONNECT PORT via SOCK, stdin -> it -> stdout
 *   host-listen SOCK_PORT      accept one on that Unix socket, stdin/stdout
 *   host-source SOCK PORT MIB  CONNECT and write MIB MiB, print MB/s
 *   host-sink SOCK_PORT        accept one, read to EOF, print MB/s
 *   unix-connect PATH          connect to a Unix socket, stdin -> it -> stdout
 * Test equipment. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Copy stdin to fd and fd to stdout until fd ends. Writes to fd never
 * block: a relay stuck writing while its peer echoes back (and waits for us
 * to read) would deadlock once every buffer on the way is full. */
static void relay(int fd)
{
	static char in[65536], buf[65536];
	struct pollfd p[2] = { { 0, POLLIN, 0 }, { fd, POLLIN, 0 } };
	size_t pending = 0, off = 0;
	bool stdin_done = false;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	for (;;) {
		ssize_t n;

		p[0].fd = stdin_done || pending ? -1 : 0;
		p[1].events = POLLIN | (pending ? POLLOUT : 0);
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (p[0].revents) {
			n = read(0, in, sizeof(in));
			if (n <= 0) {
				shutdown(fd, SHUT_WR);
				stdin_done = true;
			} else {
				pending = (size_t)n;
				off = 0;
			}
		}
		if (pending && (p[1].revents & (POLLOUT | POLLERR))) {
			n = write(fd, in + off, pending);
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				die("write");
			if (n > 0) {
				off += (size_t)n;
				pending -= (size_t)n;
				if (!pending && stdin_done)
					shutdown(fd, SHUT_WR);
			}
		}
		if (p[1].revents & (POLLIN | POLLHUP)) {
			n = read(fd, buf, sizeof(buf));
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (n <= 0)
				return;
			if (write_all(1, buf, (size_t)n) < 0)
				die("stdout");
		}
	}
}

static void sink(int fd)
{
	static char buf[1 << 20];
	double t0 = now();
	unsigned long long total = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += (unsigned long long)n;
	printf("received %llu MiB at %.1f MB/s\n", total >> 20, (double)total / 1e6 / (now() - t0));
}

static void source(int fd, unsigned long long mib)
{
	static char buf[1 << 20];
	double t0 = now();

	memset(buf, 'v', sizeof(buf));
	for (unsigned long long i = 0; i < mib; i++)
		if (write_all(fd, buf, sizeof(buf)) < 0)
			die("write");
	shutdown(fd, SHUT_WR);
	/* Wait for the other end to finish reading. */
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	printf("sent %llu MiB at %.1f MB/s\n", mib, (double)(mib << 20) / 1e6 / (now() - t0));
}

static int guest_listen(unsigned port)
{
	struct sockaddr_vm a = { .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY, .svm_port = port };
	int fd = socket(AF_VSOCK, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 64) < 0)
		die("vsock listen");
	printf("LISTENING %u\n", port);
	fflush(stdout);
	return fd;
}

static int guest_connect(unsigned port)
{
	struct sockaddr_vm a = { .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_HOST, .svm_port = port };
	int fd = socket(AF_VSOCK, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("vsock connect");
	return fd;
}

static int unix_socket(const char *path, int do_listen)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (strlen(path) >= sizeof(a.sun_path))
		die("socket path too long");
	strcpy(a.sun_path, path);
	if (do_listen) {
		unlink(path);
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 64) < 0)
			die(path);
		return fd;
	}
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die(path);
	return fd;
}

/* Firecracker's handshake: CONNECT <port>\n, then OK <hostport>\n. */
static int host_connect(const char *sock, const char *port)
{
	int fd = unix_socket(sock, 0);
	char line[64];
	size_t n = 0;

	snprintf(line, sizeof(line), "CONNECT %s\n", port);
	if (write_all(fd, line, strlen(line)) < 0)
		die("write");
	while (n < sizeof(line) - 1) {
		ssize_t r = read(fd, line + n, 1);

		if (r <= 0) {
			fprintf(stderr, "vsock-tool: connection refused (no OK)\n");
			exit(3);
		}
		if (line[n++] == '\n')
			break;
	}
	line[n] = '\0';
	if (strncmp(line, "OK ", 3)) {
		fprintf(stderr, "vsock-tool: unexpected reply %s", line);
		exit(3);
	}
	return fd;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 3 && !strcmp(argv[1], "guest-echo")) {
		int l = guest_listen((unsigned)atoi(argv[2]));
		int n = argc > 3 ? atoi(argv[3]) : 1;

		signal(SIGCHLD, SIG_IGN);
		for (int i = 0; i < n; i++) {
			int c = accept(l, NULL, NULL);

			if (c < 0)
				die("accept");
			if (fork() == 0) {
				char buf[65536];
				ssize_t r;

				while ((r = read(c, buf, sizeof(buf))) > 0)
					if (write_all(c, buf, (size_t)r) < 0)
						break;
				_exit(0);
			}
			close(c);
		}
		while (wait(NULL) > 0 || errno == EINTR)
			;
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "guest-connect")) {
		relay(guest_connect((unsigned)atoi(argv[2])));
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "guest-sink")) {
		int l = guest_listen((unsigned)atoi(argv[2]));

		sink(accept(l, NULL, NULL));
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "guest-source")) {
		source(guest_connect((unsigned)atoi(argv[2])), strtoull(argv[3], NULL, 10));
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "host-connect")) {
		relay(host_connect(argv[2], argv[3]));
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "unix-connect")) {
		relay(unix_socket(argv[2], 0));
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "host-listen")) {
		int l = unix_socket(argv[2], 1);

		relay(accept(l, NULL, NULL));
		return 0;
	}
	if (argc >= 5 && !strcmp(argv[1], "host-source")) {
		source(host_connect(argv[2], argv[3]), strtoull(argv[4], NULL, 10));
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "host-sink")) {
		int l = unix_socket(argv[2], 1);

		sink(accept(l, NULL, NULL));
		return 0;
	}
	fprintf(stderr, "usage: see the comment at the top of tests/tools/vsock-tool.c\n");
	return 2;
}
