/* The agent protocol's host side, connection part: the listening socket, the
 * agent's connection and negotiation, request ids and their responses
 * matched by a reader thread that also delivers events. Every frame the agent
 * sends is checked before use. Per-process bookkeeping (stdio sockets, exit
 * statuses) is gcs-client-process.c's; the typed operations gcs-client-ops.c's. */
#include "gcs-client-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

uint64_t gcs_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void gcs_deadline_ts(uint64_t deadline_ms, struct timespec *ts)
{
	ts->tv_sec = (time_t)(deadline_ms / 1000u);
	ts->tv_nsec = (long)(deadline_ms % 1000u) * 1000000L;
}

/* Text from the agent, made fit for a one-line message. */
void gcs_tame_copy(char *dst, size_t size, const char *src)
{
	size_t n = 0;

	for (; src && *src && n + 1 < size; src++)
		dst[n++] = ((unsigned char)*src < 0x20 || *src == 0x7f) ? '?' : *src;
	dst[n] = '\0';
}

int gcs_listen_unix(const char *path, int backlog, int *out, struct uvm_error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return uvm_err(err, -ENAMETOOLONG, "%s: socket path longer than %zu bytes", path,
			       sizeof(sa.sun_path) - 1);
	strcpy(sa.sun_path, path);
	if (unlink(path) < 0 && errno != ENOENT)
		return uvm_err_sys(err, -errno, "remove old socket %s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return uvm_err_sys(err, -errno, "socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, backlog) < 0) {
		int ret = uvm_err_sys(err, -errno, "listen on %s", path);

		close(fd);
		unlink(path);
		return ret;
	}
	*out = fd;
	return 0;
}

/* Accept one connection within timeout_ms (< 0: forever). */
int gcs_accept_within(int lfd, int timeout_ms, int *out)
{
	uint64_t deadline = timeout_ms < 0 ? 0 : gcs_now_ms() + (uint64_t)timeout_ms;

	for (;;) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };
		int wait = -1, ready;

		if (deadline) {
			uint64_t now = gcs_now_ms();

			wait = now >= deadline ? 0 : (int)(deadline - now);
		}
		ready = poll(&pfd, 1, wait);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0)
			return -errno;
		if (ready == 0)
			return -ETIMEDOUT;
		*out = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (*out >= 0)
			return 0;
		if (errno != EINTR && errno != ECONNABORTED && errno != EAGAIN)
			return -errno;
	}
}

int gcs_client_listen(const char *vsock_base, struct gcs_client **out, struct uvm_error *err)
{
	pthread_condattr_t attr;
	struct gcs_client *c = calloc(1, sizeof(*c));
	int ret;

	if (!c)
		return uvm_err(err, -ENOMEM, "out of memory");
	c->fd = -1;
	c->listen_fd = -1;
	c->timeout_ms = GCS_CLIENT_TIMEOUT_MS;
	c->version = GCS_VERSION_MIN;
	c->next_port = GCS_STDIO_PORT_MIN;
	c->base = strdup(vsock_base);
	snprintf(c->dead_msg, sizeof(c->dead_msg), "the agent has not connected");
	if (!c->base) {
		free(c);
		return uvm_err(err, -ENOMEM, "out of memory");
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->write_lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cond, &attr);
	pthread_condattr_destroy(&attr);
	if ((size_t)snprintf(c->listen_path, sizeof(c->listen_path), "%s_%u", vsock_base,
			     GCS_PORT) >= sizeof(c->listen_path)) {
		ret = uvm_err(err, -ENAMETOOLONG, "%s: vsock socket path too long", vsock_base);
		goto fail;
	}
	ret = gcs_listen_unix(c->listen_path, 4, &c->listen_fd, err);
	if (ret)
		goto fail;
	*out = c;
	return 0;
fail:
	c->listen_path[0] = '\0';
	gcs_client_destroy(c);
	return ret;
}

void gcs_client_set_event_handler(struct gcs_client *c, gcs_event_fn fn, void *ctx)
{
	pthread_mutex_lock(&c->lock);
	c->event_fn = fn;
	c->event_ctx = ctx;
	pthread_mutex_unlock(&c->lock);
}

void gcs_client_set_timeout(struct gcs_client *c, int timeout_ms)
{
	pthread_mutex_lock(&c->lock);
	c->timeout_ms = timeout_ms;
	pthread_mutex_unlock(&c->lock);
}

int gcs_client_timeout(struct gcs_client *c)
{
	int t;

	pthread_mutex_lock(&c->lock);
	t = c->timeout_ms;
	pthread_mutex_unlock(&c->lock);
	return t;
}

bool gcs_client_connected(struct gcs_client *c)
{
	bool up;

	pthread_mutex_lock(&c->lock);
	up = c->connected;
	pthread_mutex_unlock(&c->lock);
	return up;
}

unsigned gcs_client_version(struct gcs_client *c)
{
	unsigned v;

	pthread_mutex_lock(&c->lock);
	v = c->version;
	pthread_mutex_unlock(&c->lock);
	return v;
}

void gcs_client_agent_name(struct gcs_client *c, char *buf, size_t size)
{
	pthread_mutex_lock(&c->lock);
	snprintf(buf, size, "%s", c->agent);
	pthread_mutex_unlock(&c->lock);
}

/* ---- the reader thread ---- */

/* The connection is over: every waiting call fails with code. */
static void connection_dead(struct gcs_client *c, int code, const char *why)
{
	pthread_mutex_lock(&c->lock);
	if (c->connected) {
		c->connected = false;
		snprintf(c->dead_msg, sizeof(c->dead_msg), "%s", why);
	}
	for (struct gcs_pending *p = c->pending; p; p = p->next) {
		if (!p->done) {
			p->done = true;
			p->ret = code;
			snprintf(p->msg, sizeof(p->msg), "agent connection lost: %s", why);
		}
	}
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static int read_full(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = recv(fd, p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void complete_response(struct gcs_client *c, uint64_t id, json_t *body)
{
	json_t *result = json_object_get(body, "result"), *error = json_object_get(body, "error");
	struct gcs_pending *p;

	pthread_mutex_lock(&c->lock);
	for (p = c->pending; p && p->id != id; p = p->next)
		;
	if (!p || p->done) {   /* a call that gave up waiting */
		pthread_mutex_unlock(&c->lock);
		return;
	}
	p->done = true;
	if (json_is_object(result) && !error) {
		p->result = json_incref(result);
		p->ret = 0;
	} else if (json_is_object(error) && !result) {
		json_t *code = json_object_get(error, "code"), *sys = json_object_get(error, "errno");
		json_t *msg = json_object_get(error, "message");
		long long code_v = json_is_integer(code) ? json_integer_value(code) : 0;
		char text[300];

		gcs_tame_copy(text, sizeof(text), json_is_string(msg) ? json_string_value(msg) : "");
		p->ret = gcs_error_to_errno((int)(code_v > 0 && code_v < 1000 ? code_v : 0),
					    json_is_integer(sys) ? json_integer_value(sys) : 0);
		snprintf(p->msg, sizeof(p->msg), "%s (%lld): %s", gcs_error_name((int)code_v),
			 code_v, text);
	} else {
		p->ret = -EPROTO;
		snprintf(p->msg, sizeof(p->msg), "agent response has neither result nor error");
	}
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static void deliver_event(struct gcs_client *c, json_t *body)
{
	const char *name = json_string_value(json_object_get(body, "event"));
	json_t *container = json_object_get(body, "container");
	struct gcs_event ev = { 0 };
	uint64_t process = 0, pid = 0, status = 0;
	gcs_event_fn fn;
	void *ctx;

	if (!name)
		return;
	if (gcs_json_u64(body, "exit_status", true, 255 + 128, &status))
		return;
	ev.exit_status = (int)status;
	ev.container = json_is_string(container) ? json_string_value(container) : NULL;
	if (!strcmp(name, "process_exited")) {
		if (gcs_json_u64(body, "process", true, UINT32_MAX, &process) ||
		    gcs_json_u64(body, "pid", true, INT32_MAX, &pid) || !process)
			return;
		ev.type = GCS_EVENT_PROCESS_EXITED;
		ev.process = (uint32_t)process;
		ev.pid = (int)pid;
	} else if (!strcmp(name, "container_exited") && ev.container) {
		ev.type = GCS_EVENT_CONTAINER_EXITED;
	} else {
		return;   /* an event this client does not know: ignore it */
	}
	pthread_mutex_lock(&c->lock);
	fn = c->event_fn;
	ctx = c->event_ctx;
	pthread_mutex_unlock(&c->lock);
	if (fn)
		fn(ctx, &ev);
	/* After the callback, so a waiter wakes to a handler that has run. */
	if (ev.type == GCS_EVENT_PROCESS_EXITED)
		gcs_exit_record(c, ev.process, ev.exit_status);
}

static void *reader_main(void *arg)
{
	struct gcs_client *c = arg;
	uint8_t raw[GCS_HEADER_SIZE];
	char why[160];

	for (;;) {
		struct gcs_header h;
		json_error_t je;
		uint8_t *body;
		json_t *j;
		int ret = read_full(c->fd, raw, sizeof(raw));

		if (ret) {
			connection_dead(c, -ECONNRESET, ret == -ECONNRESET ? "closed by the agent"
									   : strerror(-ret));
			return NULL;
		}
		gcs_header_decode(raw, &h);
		if (h.magic != GCS_MAGIC || h.body_len > GCS_MAX_BODY ||
		    h.version < GCS_VERSION_MIN || h.version > GCS_VERSION_MAX ||
		    (h.type != GCS_MSG_RESPONSE && h.type != GCS_MSG_EVENT)) {
			snprintf(why, sizeof(why), "malformed frame from the agent (magic 0x%08x, "
				 "version %u, type %u, %u bytes)", h.magic, h.version, h.type,
				 h.body_len);
			connection_dead(c, -EPROTO, why);
			shutdown(c->fd, SHUT_RDWR);
			return NULL;
		}
		body = malloc(h.body_len + 1u);
		if (!body) {
			connection_dead(c, -ENOMEM, "out of memory reading a frame");
			shutdown(c->fd, SHUT_RDWR);
			return NULL;
		}
		ret = read_full(c->fd, body, h.body_len);
		if (ret) {
			free(body);
			connection_dead(c, -ECONNRESET, "closed by the agent inside a frame");
			return NULL;
		}
		j = json_loadb((const char *)body, h.body_len, JSON_REJECT_DUPLICATES, &je);
		free(body);
		if (!json_is_object(j)) {
			json_decref(j);
			snprintf(why, sizeof(why), "invalid JSON from the agent");
			if (h.type == GCS_MSG_RESPONSE) {
				j = json_pack("{s:{s:i, s:s}}", "error", "code", GCS_E_PROTOCOL,
					      "message", why);
				complete_response(c, h.id, j);
				json_decref(j);
			}
			continue;
		}
		if (h.type == GCS_MSG_RESPONSE)
			complete_response(c, h.id, j);
		else
			deliver_event(c, j);
		json_decref(j);
	}
}

/* ---- calls ---- */

static int send_frame(struct gcs_client *c, uint64_t id, unsigned version, const char *body,
		      size_t len)
{
	struct gcs_header h = { .magic = GCS_MAGIC, .version = (uint16_t)version,
				.type = GCS_MSG_REQUEST, .id = id, .body_len = (uint32_t)len };
	uint8_t raw[GCS_HEADER_SIZE];
	struct iovec iov[2] = { { raw, sizeof(raw) }, { (void *)body, len } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	int ret = 0;

	gcs_header_encode(&h, raw);
	pthread_mutex_lock(&c->write_lock);
	if (c->fd < 0)
		ret = -ENOTCONN;
	while (!ret && msg.msg_iovlen) {
		ssize_t n = sendmsg(c->fd, &msg, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		while (msg.msg_iovlen && (size_t)n >= msg.msg_iov->iov_len) {
			n -= (ssize_t)msg.msg_iov->iov_len;
			msg.msg_iov++;
			msg.msg_iovlen--;
		}
		if (msg.msg_iovlen) {
			msg.msg_iov->iov_base = (uint8_t *)msg.msg_iov->iov_base + n;
			msg.msg_iov->iov_len -= (size_t)n;
		}
	}
	pthread_mutex_unlock(&c->write_lock);
	return ret;
}

/* The request text: req's JSON, with the raw spec spliced in as is. */
static char *request_text(json_t *req, const char *raw_spec, size_t raw_len, size_t *len)
{
	char *text = json_dumps(req, JSON_COMPACT), *full;
	size_t tlen;

	if (!text || !raw_spec) {
		*len = text ? strlen(text) : 0;
		return text;
	}
	tlen = strlen(text);   /* ends with '}' and has at least "op" */
	full = malloc(tlen + raw_len + 16);
	if (full) {
		memcpy(full, text, tlen - 1);
		memcpy(full + tlen - 1, ",\"spec\":", 8);
		memcpy(full + tlen + 7, raw_spec, raw_len);
		full[tlen + 7 + raw_len] = '}';
		full[tlen + 8 + raw_len] = '\0';
		*len = tlen + 8 + raw_len;
	}
	free(text);
	return full;
}

static void pending_remove(struct gcs_client *c, struct gcs_pending *p)
{
	for (struct gcs_pending **pp = &c->pending; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			return;
		}
	}
}

int gcs_call(struct gcs_client *c, const char *op, json_t *req, const char *raw_spec,
	     size_t raw_len, json_t **result, struct uvm_error *err)
{
	struct gcs_pending p = { 0 };
	uint64_t deadline = 0;
	unsigned version;
	size_t len = 0;
	char *text;
	int ret;

	if (result)
		*result = NULL;
	if (!req || json_object_set_new(req, "op", json_string(op)) < 0) {
		json_decref(req);
		return uvm_err(err, -ENOMEM, "%s: out of memory", op);
	}
	text = request_text(req, raw_spec, raw_len, &len);
	json_decref(req);
	if (!text)
		return uvm_err(err, -ENOMEM, "%s: out of memory", op);
	if (len > GCS_MAX_BODY) {
		free(text);
		return uvm_err(err, -EMSGSIZE, "%s: request of %zu bytes is over the %u limit", op,
			       len, GCS_MAX_BODY);
	}
	pthread_mutex_lock(&c->lock);
	if (!c->connected) {
		ret = uvm_err(err, -ENOTCONN, "%s: no agent connection (%s)", op, c->dead_msg);
		pthread_mutex_unlock(&c->lock);
		free(text);
		return ret;
	}
	p.id = ++c->next_id;
	p.next = c->pending;
	c->pending = &p;
	version = c->version;
	if (c->timeout_ms >= 0)
		deadline = gcs_now_ms() + (uint64_t)c->timeout_ms;
	pthread_mutex_unlock(&c->lock);

	ret = send_frame(c, p.id, version, text, len);
	free(text);
	if (ret) {
		char why[96];

		/* The stream is broken (maybe mid-frame): it is over for every call. */
		snprintf(why, sizeof(why), "sending to the agent: %s", strerror(-ret));
		connection_dead(c, -ECONNRESET, why);
		pthread_mutex_lock(&c->write_lock);
		if (c->fd >= 0)
			shutdown(c->fd, SHUT_RDWR);
		pthread_mutex_unlock(&c->write_lock);
	}
	pthread_mutex_lock(&c->lock);
	while (!p.done) {
		struct timespec ts;

		if (!deadline) {
			pthread_cond_wait(&c->cond, &c->lock);
			continue;
		}
		gcs_deadline_ts(deadline, &ts);
		if (pthread_cond_timedwait(&c->cond, &c->lock, &ts) == ETIMEDOUT && !p.done) {
			p.done = true;
			p.ret = -ETIMEDOUT;
			snprintf(p.msg, sizeof(p.msg), "no answer from the agent in %d ms",
				 c->timeout_ms);
		}
	}
	pending_remove(c, &p);
	pthread_mutex_unlock(&c->lock);
	if (p.ret) {
		json_decref(p.result);
		return uvm_err(err, p.ret, "%s: %s", op, p.msg);
	}
	if (result)
		*result = p.result;
	else
		json_decref(p.result);
	return 0;
}

int gcs_call_raw(struct gcs_client *c, const char *body, size_t len, char **result,
		 struct uvm_error *err)
{
	json_error_t je;
	json_t *req = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je), *res = NULL;
	const char *op;
	char name[64];
	int ret;

	if (!json_is_object(req) || !(op = json_string_value(json_object_get(req, "op")))) {
		json_decref(req);
		return uvm_err(err, -EINVAL, "raw request: a JSON object with \"op\" expected");
	}
	snprintf(name, sizeof(name), "%s", op);
	json_object_del(req, "op");
	ret = gcs_call(c, name, req, NULL, 0, &res, err);
	if (!ret) {
		*result = json_dumps(res, JSON_COMPACT);
		json_decref(res);
		if (!*result)
			ret = uvm_err(err, -ENOMEM, "out of memory");
	}
	return ret;
}

/* ---- connecting ---- */

static void drop_connection(struct gcs_client *c)
{
	if (c->fd >= 0)
		shutdown(c->fd, SHUT_RDWR);
	if (c->reader_running) {
		pthread_join(c->reader, NULL);
		c->reader_running = false;
	}
	/* Under the write lock: a call that lost the race sends nowhere. */
	pthread_mutex_lock(&c->write_lock);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	pthread_mutex_unlock(&c->write_lock);
}

static int negotiate(struct gcs_client *c, struct uvm_error *err)
{
	json_t *res = NULL;
	uint64_t v = 0;
	int ret = gcs_call(c, "negotiate",
			   json_pack("{s:i, s:i}", "min_version", GCS_VERSION_MIN, "max_version",
				     GCS_VERSION_MAX), NULL, 0, &res, err);

	if (ret)
		return ret;
	if (gcs_json_u64(res, "version", true, GCS_VERSION_MAX, &v) || v < GCS_VERSION_MIN) {
		json_decref(res);
		return uvm_err(err, -EPROTO, "negotiate: the agent chose no version we speak");
	}
	pthread_mutex_lock(&c->lock);
	c->version = (unsigned)v;
	gcs_json_text(res, "agent", c->agent, sizeof(c->agent));
	pthread_mutex_unlock(&c->lock);
	json_decref(res);
	return 0;
}

int gcs_client_accept(struct gcs_client *c, int timeout_ms, struct uvm_error *err)
{
	int fd, ret;

	if (gcs_client_connected(c))
		return uvm_err(err, -EISCONN, "the agent is already connected");
	drop_connection(c);
	ret = gcs_accept_within(c->listen_fd, timeout_ms, &fd);
	if (ret == -ETIMEDOUT)
		return uvm_err(err, ret, "the agent did not connect to %s within %d ms",
			       c->listen_path, timeout_ms);
	if (ret)
		return uvm_err_sys(err, ret, "accepting the agent on %s", c->listen_path);
	pthread_mutex_lock(&c->lock);
	c->fd = fd;
	c->connected = true;
	c->version = GCS_VERSION_MIN;
	pthread_mutex_unlock(&c->lock);
	ret = pthread_create(&c->reader, NULL, reader_main, c);
	if (ret) {
		connection_dead(c, -ret, "no reader thread");
		drop_connection(c);
		return uvm_err_sys(err, -ret, "starting the agent reader thread");
	}
	c->reader_running = true;
	ret = negotiate(c, err);
	if (ret) {
		connection_dead(c, ret, "negotiation failed");
		drop_connection(c);
	}
	return ret;
}

void gcs_client_destroy(struct gcs_client *c)
{
	if (!c)
		return;
	drop_connection(c);
	if (c->listen_fd >= 0)
		close(c->listen_fd);
	if (c->listen_path[0])
		unlink(c->listen_path);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->write_lock);
	pthread_cond_destroy(&c->cond);
	free(c->exits);
	free(c->base);
	free(c);
}

