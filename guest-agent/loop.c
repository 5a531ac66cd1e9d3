/* The agent's one thread: the control connection to the host (connect,
 * reconnect with backoff, read frames, queue and flush responses and events),
 * a poll loop over it, the SIGCHLD signalfd and every stdio relay, and the
 * shutdown sequence. What requests do is requests.c's; PID 1 set-up is
 * init.c's. */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#define RETRY_MIN_MS        50u
#define RETRY_MAX_MS        1000u
#define FIRST_CONNECT_MS    30000u   /* --exit-on-disconnect: give up on a host never there */
#define FINAL_FLUSH_MS      1000

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int join_path(char **out, const char *dir, const char *name, struct uvm_error *err)
{
	if (asprintf(out, "%s/%s", dir, name) < 0) {
		*out = NULL;
		return uvm_err(err, -ENOMEM, "out of memory");
	}
	return 0;
}

int agent_init(struct agent *a, const struct agent_options *opt, struct uvm_error *err)
{
	sigset_t mask;
	int ret;

	memset(a, 0, sizeof(*a));
	a->opt = *opt;
	if (!a->opt.run_dir)
		a->opt.run_dir = "/run/gcs";
	if (!a->opt.crun)
		a->opt.crun = "/usr/bin/crun";
	if (!a->opt.sys_block)
		a->opt.sys_block = "/sys/block";
	if (!a->opt.cgroup_root)
		a->opt.cgroup_root = "/sys/fs/cgroup";
	if (!a->opt.port)
		a->opt.port = GCS_PORT;
	a->ctrl_fd = -1;
	a->sig_fd = -1;
	a->next_process_id = 1;
	a->version = GCS_VERSION_MIN;
	a->retry_ms = RETRY_MIN_MS;
	frame_reader_init(&a->reader);

	/* New descriptors must never land on 0-2, which children inherit. */
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
			return uvm_err_sys(err, -errno, "opening /dev/null as fd %d", fd);
	}
	if ((ret = join_path(&a->crun_root, a->opt.run_dir, "crun", err)) ||
	    (ret = join_path(&a->containers_dir, a->opt.run_dir, "c", err)) ||
	    (ret = join_path(&a->crun_log, a->opt.run_dir, "crun.log", err)) ||
	    (ret = mkdir_p(a->crun_root, 0700, err)) ||
	    (ret = mkdir_p(a->containers_dir, 0700, err)))
		return ret;

	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		return uvm_err_sys(err, -errno, "ignoring SIGPIPE");
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return uvm_err_sys(err, -errno, "sigprocmask");
	a->sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (a->sig_fd < 0)
		return uvm_err_sys(err, -errno, "signalfd");
	/* Not PID 1: still adopt the orphans, so container processes whose crun
	 * exited come back to us. */
	if (!a->opt.pid1 && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return uvm_err_sys(err, -errno, "PR_SET_CHILD_SUBREAPER");
	return 0;
}

void agent_fini(struct agent *a)
{
	while (a->processes) {
		struct process *p = a->processes;

		p->released = true;
		p->exited = true;
		relay_close(&p->in);
		relay_close(&p->out);
		relay_close(&p->err);
		process_collect(a);
	}
	while (a->containers) {
		struct container *c = a->containers;

		storage_teardown(&c->mounts);
		a->containers = c->next;
		container_free(c);
	}
	if (a->ctrl_fd >= 0)
		close(a->ctrl_fd);
	if (a->sig_fd >= 0)
		close(a->sig_fd);
	frame_reader_free(&a->reader);
	outbuf_clear(&a->out);
	free(a->crun_root);
	free(a->crun_log);
	free(a->containers_dir);
}

/* ---- the control connection ---- */

void agent_disconnect(struct agent *a, const char *why)
{
	if (a->ctrl_fd < 0)
		return;
	agent_log("host connection closed: %s", why);
	close(a->ctrl_fd);
	a->ctrl_fd = -1;
	frame_reader_free(&a->reader);
	outbuf_clear(&a->out);
	a->negotiated = false;
	a->version = GCS_VERSION_MIN;
	a->retry_at_ms = now_ms() + RETRY_MIN_MS;
	if (a->opt.exit_on_disconnect)
		agent_begin_shutdown(a, 0, true);
}

static void try_connect(struct agent *a)
{
	struct uvm_error err = { 0 };
	uint64_t now = now_ms();
	int fd;

	if (!a->first_try_ms)
		a->first_try_ms = now;
	if (transport_connect(a->opt.unix_base, a->opt.port, &fd, &err) ||
	    transport_set_nonblock(fd, &err)) {
		agent_debug("connecting to the host: %s", err.msg);
		a->retry_at_ms = now + a->retry_ms;
		a->retry_ms = a->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : a->retry_ms * 2;
		if (a->opt.exit_on_disconnect && now - a->first_try_ms > FIRST_CONNECT_MS) {
			agent_log("no host after %u s: %s", FIRST_CONNECT_MS / 1000, err.msg);
			agent_begin_shutdown(a, 0, true);
		}
		return;
	}
	a->ctrl_fd = fd;
	a->retry_ms = RETRY_MIN_MS;
	frame_reader_init(&a->reader);
	agent_log("connected to the host on port %u", a->opt.port);
}

static const char fallback_oom[] =
	"{\"error\":{\"code\":11,\"message\":\"agent out of memory\",\"errno\":12}}";

void agent_send(struct agent *a, uint16_t type, uint64_t id, json_t *body)
{
	char *text = NULL, msg[128];
	const char *out;
	size_t len;
	int ret;

	if (a->ctrl_fd < 0 || (type == GCS_MSG_EVENT && !a->negotiated)) {
		json_decref(body);
		return;
	}
	if (body)
		text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	out = text ? text : fallback_oom;
	len = strlen(out);
	if (len > GCS_MAX_BODY && type == GCS_MSG_RESPONSE) {
		snprintf(msg, sizeof(msg),
			 "{\"error\":{\"code\":%d,\"message\":\"the response (%zu bytes) is over "
			 "the limit\",\"errno\":%d}}", GCS_E_TOO_BIG, len, EMSGSIZE);
		out = msg;
		len = strlen(msg);
	}
	if (len > GCS_MAX_BODY) {
		agent_log("dropping an event of %zu bytes", len);
		free(text);
		return;
	}
	ret = outbuf_add_frame(&a->out, a->version, type, id, out, len);
	free(text);
	if (ret)
		agent_disconnect(a, ret == -ENOBUFS ? "the host stopped reading" : strerror(-ret));
}

static void flush_control(struct agent *a)
{
	int ret;

	if (a->ctrl_fd < 0)
		return;
	ret = outbuf_flush(&a->out, a->ctrl_fd);
	if (ret && ret != -EAGAIN)
		agent_disconnect(a, strerror(-ret));
}

/* Before the end: give queued frames a moment to leave. */
static void flush_control_blocking(struct agent *a, int timeout_ms)
{
	uint64_t deadline = now_ms() + (uint64_t)timeout_ms;

	while (a->ctrl_fd >= 0 && a->out.len > a->out.off) {
		struct pollfd pfd = { .fd = a->ctrl_fd, .events = POLLOUT };
		uint64_t now = now_ms();

		if (now >= deadline || poll(&pfd, 1, (int)(deadline - now)) <= 0)
			break;
		flush_control(a);
	}
}

static void read_control(struct agent *a)
{
	uint8_t buf[65536];
	ssize_t n = read(a->ctrl_fd, buf, sizeof(buf));
	size_t off = 0;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (a->reader.raw_len || a->reader.in_body)
			agent_log("the host left in the middle of a frame");
		agent_disconnect(a, n < 0 ? strerror(errno) : "end of stream");
		return;
	}
	while (off < (size_t)n && a->ctrl_fd >= 0) {
		enum frame_status st;
		struct frame_reader *r = &a->reader;
		char msg[160];

		off += frame_reader_push(r, buf + off, (size_t)n - off, &st);
		switch (st) {
		case FRAME_READY:
			agent_handle_frame(a, &r->hdr, r->body, r->hdr.body_len);
			frame_reader_done(r);
			break;
		case FRAME_TOO_BIG:
			snprintf(msg, sizeof(msg), "body of %u bytes is over the limit of %u",
				 r->hdr.body_len, GCS_MAX_BODY);
			agent_send_error(a, r->hdr.id, GCS_E_TOO_BIG, EMSGSIZE, msg);
			break;
		case FRAME_BAD_MAGIC:
			/* Nothing after this can be trusted to be a frame boundary. */
			snprintf(msg, sizeof(msg), "bad magic 0x%08x: not a frame; closing",
				 r->hdr.magic);
			agent_send_error(a, 0, GCS_E_PROTOCOL, EPROTO, msg);
			flush_control_blocking(a, 200);
			agent_disconnect(a, "bad magic");
			return;
		case FRAME_NONE:
			break;
		}
	}
	flush_control(a);
}

/* ---- signals ---- */

static void read_signals(struct agent *a)
{
	struct signalfd_siginfo si;

	while (read(a->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			continue;
		agent_log("signal %u", si.ssi_signo);
		if (!a->opt.pid1)
			agent_begin_shutdown(a, 0, true);
	}
	process_reap(a);
}

/* ---- shutdown ---- */

static bool containers_running(struct agent *a)
{
	for (struct container *c = a->containers; c; c = c->next) {
		if (c->state == CONTAINER_RUNNING)
			return true;
	}
	return false;
}

void agent_begin_shutdown(struct agent *a, unsigned grace_ms, bool terminate)
{
	if (terminate) {
		a->phase = AGENT_STOPPING;
		return;
	}
	if (a->phase != AGENT_RUNNING)
		return;
	agent_log("shutting down, grace period %u ms", grace_ms);
	a->phase = AGENT_SHUTTING_DOWN;
	a->shutdown_deadline_ms = now_ms() + grace_ms;
	for (struct container *c = a->containers; c; c = c->next) {
		if (c->state == CONTAINER_RUNNING && c->init_pid > 0)
			kill(c->init_pid, SIGTERM);
	}
}

static void finish(struct agent *a)
{
	uint64_t deadline;

	agent_log("stopping: killing every process");
	for (struct container *c = a->containers; c; c = c->next)
		container_kill(a, c, SIGKILL, true);
	for (struct process *p = a->processes; p; p = p->next) {
		if (!p->exited)
			kill(p->pid, SIGKILL);
	}
	/* Collect them, so the host hears how each ended (briefly: the
	 * kernel delivers SIGKILL at once), then say so and leave. */
	deadline = now_ms() + 1000;
	for (;;) {
		bool left = false;

		process_reap(a);
		for (struct process *p = a->processes; p; p = p->next)
			left |= !p->exited;
		if (!left || now_ms() >= deadline)
			break;
		poll(NULL, 0, 10);
	}
	flush_control_blocking(a, FINAL_FLUSH_MS);
	if (a->opt.pid1) {
		kill(-1, SIGKILL);
		init_power_off();
	}
	a->quit = true;
}

/* ---- the loop ---- */

struct poll_set {
	struct pollfd *fds;
	struct relay **relays;
	size_t n, cap;
};

static int poll_add(struct poll_set *s, int fd, short events, struct relay *r)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct pollfd *fds = realloc(s->fds, cap * sizeof(*fds));
		struct relay **relays;

		if (!fds)
			return -ENOMEM;
		s->fds = fds;
		relays = realloc(s->relays, cap * sizeof(*relays));
		if (!relays)
			return -ENOMEM;
		s->relays = relays;
		s->cap = cap;
	}
	s->fds[s->n] = (struct pollfd){ .fd = fd, .events = events };
	s->relays[s->n] = r;
	s->n++;
	return 0;
}

static int add_relay(struct poll_set *s, struct relay *r)
{
	int ret = 0;

	if (relay_wants_read(r))
		ret = poll_add(s, r->from, POLLIN, r);
	if (!ret && relay_wants_write(r))
		ret = poll_add(s, r->to, POLLOUT, r);
	return ret;
}

static int build_poll_set(struct agent *a, struct poll_set *s)
{
	int ret = poll_add(s, a->sig_fd, POLLIN, NULL);

	if (!ret && a->ctrl_fd >= 0)
		ret = poll_add(s, a->ctrl_fd,
			       POLLIN | (a->out.len > a->out.off ? POLLOUT : 0), NULL);
	for (struct process *p = a->processes; p && !ret; p = p->next) {
		ret = add_relay(s, &p->in);
		if (!ret)
			ret = add_relay(s, &p->out);
		if (!ret)
			ret = add_relay(s, &p->err);
	}
	return ret;
}

static int poll_timeout(struct agent *a)
{
	uint64_t now = now_ms(), until = UINT64_MAX;

	if (a->ctrl_fd < 0 && a->phase == AGENT_RUNNING)
		until = a->retry_at_ms;
	if (a->phase == AGENT_SHUTTING_DOWN && a->shutdown_deadline_ms < until)
		until = a->shutdown_deadline_ms;
	if (until == UINT64_MAX)
		return -1;
	return until <= now ? 0 : (int)(until - now > 60000 ? 60000 : until - now);
}

int agent_run(struct agent *a)
{
	struct poll_set s = { 0 };

	while (!a->quit) {
		int ready;

		if (a->ctrl_fd < 0 && a->phase == AGENT_RUNNING && now_ms() >= a->retry_at_ms)
			try_connect(a);
		if (a->phase == AGENT_SHUTTING_DOWN &&
		    (!containers_running(a) || now_ms() >= a->shutdown_deadline_ms))
			a->phase = AGENT_STOPPING;
		if (a->phase == AGENT_STOPPING) {
			finish(a);
			break;
		}
		s.n = 0;
		if (build_poll_set(a, &s)) {
			agent_log("out of memory in the main loop");
			poll(NULL, 0, 100);
			continue;
		}
		ready = poll(s.fds, s.n, poll_timeout(a));
		if (ready < 0 && errno != EINTR) {
			agent_log("poll: %s", strerror(errno));
			poll(NULL, 0, 100);
			continue;
		}
		for (size_t i = 0; ready > 0 && i < s.n; i++) {
			if (!s.fds[i].revents || !s.relays[i])
				continue;
			relay_pump(s.relays[i]);
		}
		if (ready > 0 && s.fds[0].revents)
			read_signals(a);
		if (ready > 0 && s.n > 1 && !s.relays[1] && s.fds[1].fd == a->ctrl_fd &&
		    s.fds[1].revents) {
			if (s.fds[1].revents & POLLOUT)
				flush_control(a);
			if (a->ctrl_fd >= 0 && (s.fds[1].revents & (POLLIN | POLLHUP | POLLERR)))
				read_control(a);
		}
		process_collect(a);
	}
	free(s.fds);
	free(s.relays);
	return a->exit_code;
}
