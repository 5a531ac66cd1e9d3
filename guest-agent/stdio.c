/* A process's stdio: the streams the agent opens to the host's ports, the
 * pipes or pseudo-terminal on the process side, and the relays that copy
 * between them with non-blocking IO and bounded buffers (a slow reader slows
 * the writer; nothing grows). Spawning and exit statuses are in process.c. */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

static int relay_open(struct relay *r, int from, int to, struct uvm_error *err)
{
	r->buf = malloc(RELAY_BUF_SIZE);
	if (!r->buf)
		return uvm_err(err, -ENOMEM, "out of memory for a stdio buffer");
	r->from = from;
	r->to = to;
	r->off = r->len = 0;
	r->eof = false;
	r->discard = to < 0;
	r->wrote_line_end = true;
	return 0;
}

void relay_close(struct relay *r)
{
	if (r->from >= 0)
		close(r->from);
	if (r->to >= 0)
		close(r->to);
	free(r->buf);
	r->buf = NULL;
	r->from = r->to = -1;
	r->off = r->len = 0;
}

bool relay_active(const struct relay *r)
{
	return r->from >= 0 || r->to >= 0;
}

bool relay_wants_read(const struct relay *r)
{
	return r->from >= 0 && !r->eof &&
	       (r->discard || r->len < RELAY_BUF_SIZE || r->off > 0);
}

bool relay_wants_write(const struct relay *r)
{
	return r->to >= 0 && !r->discard && r->len > r->off;
}

/* A terminal's reader sees end of input when it gets VEOF at the start of a
 * line (canonical mode); mid-line, the first VEOF only ends the line. */
static void relay_send_veof(struct relay *r)
{
	struct termios t;

	if (tcgetattr(r->to, &t) < 0 || !(t.c_lflag & ICANON))
		return;
	for (int i = r->wrote_line_end ? 1 : 2; i > 0; i--) {
		if (write(r->to, &t.c_cc[VEOF], 1) < 0)
			break;
	}
}

static void relay_read(struct relay *r, bool *progress)
{
	uint8_t scratch[4096];
	uint8_t *dst;
	size_t room;
	ssize_t n;

	if (r->discard) {
		dst = scratch;
		room = sizeof(scratch);
	} else {
		if (r->off == r->len)
			r->off = r->len = 0;
		if (r->len == RELAY_BUF_SIZE && r->off) {
			memmove(r->buf, r->buf + r->off, r->len - r->off);
			r->len -= r->off;
			r->off = 0;
		}
		dst = r->buf + r->len;
		room = RELAY_BUF_SIZE - r->len;
	}
	do
		n = read(r->from, dst, room);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		if (!r->discard)
			r->len += (size_t)n;
		*progress = true;
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	/* End of file, or EIO from a terminal whose other side is gone, or an
	 * error: the stream is over either way. */
	if (n < 0 && errno != EIO)
		agent_debug("stdio read: %s", strerror(errno));
	close(r->from);
	r->from = -1;
	r->eof = true;
	*progress = true;
}

static void relay_write(struct relay *r, bool *progress)
{
	ssize_t n;

	do
		n = write(r->to, r->buf + r->off, r->len - r->off);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		r->wrote_line_end = r->buf[r->off + (size_t)n - 1] == '\n';
		r->off += (size_t)n;
		if (r->off == r->len)      /* drained: the whole buffer is free again */
			r->off = r->len = 0;
		*progress = true;
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	/* The reader went away (EPIPE, ECONNRESET): drop the rest, keep
	 * draining the source so the writer is never stuck on us. */
	agent_debug("stdio write: %s", n < 0 ? strerror(errno) : "wrote nothing");
	close(r->to);
	r->to = -1;
	r->discard = true;
	r->off = r->len = 0;
	*progress = true;
}

void relay_pump(struct relay *r)
{
	/* Bounded, so one busy stream cannot starve the others. */
	for (int round = 0; round < 16; round++) {
		bool progress = false;

		if (relay_wants_read(r))
			relay_read(r, &progress);
		if (relay_wants_write(r))
			relay_write(r, &progress);
		if (r->eof && r->from < 0 && (r->discard || r->off == r->len)) {
			if (r->to >= 0 && r->tty_veof && !r->discard)
				relay_send_veof(r);
			relay_close(r);
			return;
		}
		if (!progress)
			return;
	}
}

int stdio_set_winsize(int fd, unsigned rows, unsigned cols, struct uvm_error *err)
{
	struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };

	if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
		return uvm_err_sys(err, -errno, "TIOCSWINSZ");
	return 0;
}

void stdio_close_child_fds(int child_fds[3])
{
	for (int i = 0; i < 3; i++) {
		if (child_fds[i] < 0)
			continue;
		for (int j = i + 1; j < 3; j++) {
			if (child_fds[j] == child_fds[i])
				child_fds[j] = -1;
		}
		close(child_fds[i]);
		child_fds[i] = -1;
	}
}

static int dup_cloexec(int fd, int *out, struct uvm_error *err)
{
	*out = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (*out < 0)
		return uvm_err_sys(err, -errno, "dup");
	return 0;
}

int stdio_attach_master(struct process *p, int master, unsigned rows, unsigned cols,
			struct uvm_error *err)
{
	int fd, ret;

	ret = transport_set_nonblock(master, err);
	if (!ret && (rows || cols))
		ret = stdio_set_winsize(master, rows, cols, err);
	if (ret) {
		close(master);
		return ret;
	}
	p->pty_master = master;
	if (p->in.from >= 0) {
		ret = dup_cloexec(master, &fd, err);
		if (ret)
			return ret;
		p->in.to = fd;
		p->in.discard = false;
		p->in.tty_veof = true;
	}
	/* Read the terminal even with no stdout stream, or a chatty process
	 * would block once the terminal's buffer is full. */
	ret = dup_cloexec(master, &fd, err);
	if (ret)
		return ret;
	p->out.from = fd;
	p->out.discard = p->out.to < 0;
	return 0;
}

static int make_pipe(int fds[2], struct uvm_error *err)
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		return uvm_err_sys(err, -errno, "pipe");
	return 0;
}

static int open_pty(int *master, int *slave, struct uvm_error *err)
{
	char name[64];
	int ret;

	*master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*master < 0)
		return uvm_err_sys(err, -errno, "posix_openpt");
	if (grantpt(*master) < 0 || unlockpt(*master) < 0 ||
	    ptsname_r(*master, name, sizeof(name)) != 0) {
		ret = uvm_err_sys(err, -errno, "pseudo-terminal setup");
		goto out_close;
	}
	*slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*slave < 0) {
		ret = uvm_err_sys(err, -errno, "open %s", name);
		goto out_close;
	}
	return 0;
out_close:
	close(*master);
	*master = -1;
	return ret;
}

/* The streams to the host, connected in the order stdin, stdout, stderr
 * before the process starts, so no output is lost. */
static int connect_streams(struct agent *a, const struct stdio_params *sp, int sock[3],
			   struct uvm_error *err)
{
	const uint32_t ports[3] = { sp->stdin_port, sp->stdout_port, sp->stderr_port };
	static const char *const names[3] = { "stdin", "stdout", "stderr" };

	for (int i = 0; i < 3; i++) {
		int ret;

		if (!ports[i])
			continue;
		ret = transport_connect(a->opt.unix_base, ports[i], &sock[i], err);
		if (!ret)
			ret = transport_set_nonblock(sock[i], err);
		if (ret) {
			uvm_err_prefix(err, "%s stream: ", names[i]);
			return ret;
		}
	}
	return 0;
}

static int open_pipes(struct process *p, int sock[3], int child_fds[3], struct uvm_error *err)
{
	int fds[2], ret;

	if (sock[0] >= 0) {
		if ((ret = make_pipe(fds, err)))
			return ret;
		child_fds[0] = fds[0];
		if ((ret = relay_open(&p->in, sock[0], fds[1], err)))
			return close(fds[1]), ret;
		sock[0] = -1;
		if ((ret = transport_set_nonblock(fds[1], err)))
			return ret;
	}
	for (int i = 1; i < 3; i++) {
		struct relay *r = i == 1 ? &p->out : &p->err;

		if (sock[i] < 0)
			continue;
		if ((ret = make_pipe(fds, err)))
			return ret;
		child_fds[i] = fds[1];
		if ((ret = relay_open(r, fds[0], sock[i], err)))
			return close(fds[0]), ret;
		sock[i] = -1;
		if ((ret = transport_set_nonblock(fds[0], err)))
			return ret;
	}
	return 0;
}

int stdio_open(struct agent *a, struct process *p, const struct stdio_params *sp,
	       bool make_pty, int child_fds[3], struct uvm_error *err)
{
	int sock[3] = { -1, -1, -1 };
	int master = -1, slave = -1, ret;

	child_fds[0] = child_fds[1] = child_fds[2] = -1;
	p->terminal = sp->terminal;
	ret = connect_streams(a, sp, sock, err);
	if (ret)
		goto out;
	if (!sp->terminal) {
		ret = open_pipes(p, sock, child_fds, err);
		goto out;
	}
	/* Terminal: the sockets wait for the master side. */
	if (sock[0] >= 0) {
		if ((ret = relay_open(&p->in, sock[0], -1, err)))
			goto out;
		p->in.discard = false;
		sock[0] = -1;
	}
	if ((ret = relay_open(&p->out, -1, sock[1], err)))
		goto out;
	sock[1] = -1;
	if (!make_pty)
		goto out;
	ret = open_pty(&master, &slave, err);
	if (ret)
		goto out;
	child_fds[0] = child_fds[1] = child_fds[2] = slave;
	ret = stdio_attach_master(p, master, sp->rows, sp->cols, err);
out:
	for (int i = 0; i < 3; i++) {
		if (sock[i] >= 0)
			close(sock[i]);
	}
	if (ret)
		stdio_close_child_fds(child_fds);
	return ret;
}
