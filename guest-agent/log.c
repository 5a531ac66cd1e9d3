/* The agent's log: one line per message, "uvm-agent: ...", written with a
 * single write(2) to /dev/console (PID 1, like kernel messages) or to stderr
 * (test mode). Not for protocol errors, which go back to the host. */
#include "agent.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

/* The agent is one program with one log: its destination is process state. */
static int log_fd = STDERR_FILENO;
static bool log_verbose;

void agent_log_init(bool console, bool verbose)
{
	log_verbose = verbose;
	if (console) {
		int fd = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);

		if (fd >= 0)
			log_fd = fd;
	}
}

static void log_line(const char *fmt, va_list ap)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), AGENT_NAME ": ");

	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	if (write(log_fd, line, (size_t)n) < 0) {
		/* Nowhere else to say it. */
	}
}

void agent_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(fmt, ap);
	va_end(ap);
}

void agent_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_line(fmt, ap);
	va_end(ap);
}
