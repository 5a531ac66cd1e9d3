/* Host side of the serial console (console.h). */
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "fileio.h"

#define FLUSH_DELAY_NS (5 * 1000 * 1000)

static void console_flush_locked(struct console *c)
{
	if (c->out_len && !c->out_broken && write_full(c->out_fd, c->out_buf, c->out_len) < 0)
		c->out_broken = true;
	c->out_len = 0;
}

void console_flush(struct console *c)
{
	pthread_mutex_lock(&c->out_lock);
	console_flush_locked(c);
	pthread_mutex_unlock(&c->out_lock);
}

#define PANIC_START "Kernel panic - not syncing: "
#define PANIC_END   "---[ end Kernel panic"

/* A kernel panic prints its reason, a backtrace, then an end marker; when
 * the end marker is seen the report is complete and the VM is over. */
static void console_watch_line(struct console *c)
{
	const char *p;

	c->line[c->line_len] = '\0';
	if (strstr(c->line, PANIC_END)) {
		vm_request_end(c->vm, VM_END_PANIC, 0, "guest kernel panic: %s",
			       c->panic_reason[0] ? c->panic_reason : "(reason not seen)");
	} else if ((p = strstr(c->line, PANIC_START))) {
		snprintf(c->panic_reason, sizeof(c->panic_reason), "%s", p + strlen(PANIC_START));
		c->panic_reason[strcspn(c->panic_reason, "\r\n")] = '\0';
	}
}

static void console_watch(struct console *c, const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\n') {
			console_watch_line(c);
			c->line_len = 0;
		} else if (c->line_len < sizeof(c->line) - 1) {
			c->line[c->line_len++] = (char)data[i];
		}
	}
}

void console_output(void *ctx, const uint8_t *data, size_t len)
{
	struct console *c = ctx;
	bool newline = memchr(data, '\n', len) != NULL;

	pthread_mutex_lock(&c->out_lock);
	console_watch(c, data, len);
	if (c->out_len + len > sizeof(c->out_buf))
		console_flush_locked(c);
	if (len > sizeof(c->out_buf)) {
		if (!c->out_broken && write_full(c->out_fd, data, len) < 0)
			c->out_broken = true;
	} else {
		memcpy(c->out_buf + c->out_len, data, len);
		c->out_len += len;
	}
	if (newline) {
		console_flush_locked(c);
	} else if (c->out_len && !c->flush_armed) {
		struct itimerspec t = { .it_value.tv_nsec = FLUSH_DELAY_NS };

		if (timerfd_settime(c->flush_src.fd, 0, &t, NULL) == 0)
			c->flush_armed = true;
		else
			console_flush_locked(c);
	}
	pthread_mutex_unlock(&c->out_lock);
}

static void console_flush_timer(struct loop_source *src, uint32_t events)
{
	struct console *c = src->ctx;
	uint64_t ticks;

	(void)events;
	if (read(src->fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&c->out_lock);
	c->flush_armed = false;
	console_flush_locked(c);
	pthread_mutex_unlock(&c->out_lock);
}

void console_rx_space(void *ctx)
{
	struct console *c = ctx;
	uint64_t one = 1;

	if (write(c->space_src.fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		c->in_paused = false; /* cannot signal; the next read will retry */
}

static void console_stop_input(struct console *c)
{
	if (c->forwarding && !c->in_paused)
		loop_remove(c->loop, &c->in_src);
	c->forwarding = false;
}

/* Paused input is taken out of the loop altogether: a pipe whose writer
 * has gone would otherwise report EPOLLHUP on every turn. */
static void console_pause_input(struct console *c, bool pause)
{
	if (!c->forwarding || c->in_paused == pause)
		return;
	c->in_paused = pause;
	if (pause)
		loop_remove(c->loop, &c->in_src);
	else if (loop_add(c->loop, &c->in_src, EPOLLIN) < 0)
		c->forwarding = false;
}

static void console_space(struct loop_source *src, uint32_t events)
{
	struct console *c = src->ctx;
	uint64_t n;

	(void)events;
	if (read(src->fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	console_pause_input(c, false);
}

/* Terminal escapes: Ctrl-A x quits, Ctrl-A Ctrl-A sends one Ctrl-A. Returns
 * the number of bytes left in buf to pass to the guest. */
static size_t console_filter_escapes(struct console *c, uint8_t *buf, size_t len)
{
	size_t out = 0;

	for (size_t i = 0; i < len; i++) {
		uint8_t ch = buf[i];

		if (c->escape_pending) {
			c->escape_pending = false;
			if (ch == 'x' || ch == 'X') {
				vm_request_end(c->vm, VM_END_SIGNAL, 130, "quit from the console (Ctrl-A x)");
				return out;
			}
			if (ch != CONSOLE_ESCAPE_CHAR)
				buf[out++] = CONSOLE_ESCAPE_CHAR;
			buf[out++] = ch;
		} else if (ch == CONSOLE_ESCAPE_CHAR) {
			c->escape_pending = true;
		} else {
			buf[out++] = ch;
		}
	}
	return out;
}

static void console_input(struct loop_source *src, uint32_t events)
{
	struct console *c = src->ctx;
	uint8_t buf[256];
	size_t room, len;
	ssize_t n;

	(void)events;
	room = serial_rx_room(c->serial);
	if (room < SERIAL_RX_LOW_ROOM) {
		/* The guest is not reading: stop polling until it makes room. */
		console_pause_input(c, true);
		return;
	}
	/* Keep one byte spare for an escape sequence producing two. */
	if (room - 1 < sizeof(buf))
		len = room - 1;
	else
		len = sizeof(buf);
	n = read(c->in_fd, buf, len);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		console_stop_input(c);
		return;
	}
	if (n == 0) {
		console_stop_input(c);
		return;
	}
	len = c->in_tty ? console_filter_escapes(c, buf, (size_t)n) : (size_t)n;
	serial_receive(c->serial, buf, len);
}

static bool fd_can_forward(int fd, bool *is_tty)
{
	struct stat st;

	*is_tty = isatty(fd);
	if (*is_tty)
		return true;
	if (fstat(fd, &st) < 0)
		return false;
	return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISCHR(st.st_mode);
}

int console_init(struct console *c, struct vm *vm, struct serial *serial,
		 struct event_loop *loop, int in_fd, int out_fd, struct uvm_error *err)
{
	int ret;

	memset(c, 0, sizeof(*c));
	c->vm = vm;
	c->serial = serial;
	c->loop = loop;
	c->in_fd = in_fd;
	c->out_fd = out_fd;
	c->flush_src.fd = c->space_src.fd = -1;
	pthread_mutex_init(&c->out_lock, NULL);

	c->flush_src.fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (c->flush_src.fd < 0) {
		ret = uvm_err_sys(err, -errno, "timerfd_create");
		goto fail;
	}
	c->flush_src.handler = console_flush_timer;
	c->flush_src.ctx = c;
	c->space_src.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->space_src.fd < 0) {
		ret = uvm_err_sys(err, -errno, "eventfd");
		goto fail;
	}
	c->space_src.handler = console_space;
	c->space_src.ctx = c;
	if ((ret = loop_add(loop, &c->flush_src, EPOLLIN)) < 0 ||
	    (ret = loop_add(loop, &c->space_src, EPOLLIN)) < 0) {
		uvm_err_sys(err, ret, "console: epoll_ctl");
		goto fail;
	}

	if (in_fd >= 0 && fd_can_forward(in_fd, &c->in_tty)) {
		c->in_src.fd = in_fd;
		c->in_src.handler = console_input;
		c->in_src.ctx = c;
		if (loop_add(loop, &c->in_src, EPOLLIN) == 0)
			c->forwarding = true;
	}
	if (c->in_tty && tcgetattr(in_fd, &c->saved_termios) == 0) {
		struct termios raw = c->saved_termios;

		cfmakeraw(&raw);
		if (tcsetattr(in_fd, TCSANOW, &raw) == 0)
			c->termios_saved = true;
	}
	return 0;
fail:
	console_destroy(c);
	return ret;
}

void console_destroy(struct console *c)
{
	console_flush(c);
	if (c->termios_saved)
		tcsetattr(c->in_fd, TCSANOW, &c->saved_termios);
	c->termios_saved = false;
	if (c->flush_src.fd >= 0)
		close(c->flush_src.fd);
	if (c->space_src.fd >= 0)
		close(c->space_src.fd);
	c->flush_src.fd = c->space_src.fd = -1;
	pthread_mutex_destroy(&c->out_lock);
}
