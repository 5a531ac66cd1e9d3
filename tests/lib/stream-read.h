/* Test helpers for reading a process's streams with deadlines and closing
 * the descriptors the host client handed out. Shared by the unit tests and
 * the end-to-end agent driver (tests/tools/gcs-e2e.c). */
#ifndef UVM_TEST_STREAM_READ_H
#define UVM_TEST_STREAM_READ_H

#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../hcs-api/gcs-client.h"

/* Read until end of stream or the deadline; returns the length read. */
static inline size_t read_all(int fd, char *buf, size_t cap, int timeout_ms)
{
	size_t len = 0;
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (len + 1 < cap) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct timespec t;
		long spent;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &t);
		spent = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (spent >= timeout_ms || poll(&pfd, 1, (int)(timeout_ms - spent)) <= 0)
			break;
		n = read(fd, buf + len, cap - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return len;
}

/* Read until `needle` shows up (or the deadline). */
static inline bool read_until(int fd, const char *needle, char *buf, size_t cap, int timeout_ms)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int waited = 0; waited < timeout_ms && len + 1 < cap; waited += 10) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (strstr(buf, needle))
			return true;
		if (poll(&pfd, 1, 10) <= 0)
			continue;
		n = read(fd, buf + len, cap - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
	}
	return strstr(buf, needle) != NULL;
}

static inline void close_process_fds(struct gcs_process *p)
{
	if (p->stdin_fd >= 0)
		close(p->stdin_fd);
	if (p->stdout_fd >= 0)
		close(p->stdout_fd);
	if (p->stderr_fd >= 0)
		close(p->stderr_fd);
	p->stdin_fd = p->stdout_fd = p->stderr_fd = -1;
}

#endif
