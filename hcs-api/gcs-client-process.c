/* What the host client keeps per process of the agent's: the sockets a new
 * process's stdin, stdout and stderr arrive on (one port each, allocated per
 * client), and the exit statuses learnt from events, for waiters. The
 * connection and calls are gcs-client.c's; the operations gcs-client-ops.c's. */
#include "gcs-client-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool gcs_exit_lookup(struct gcs_client *c, uint32_t process, int *status)
{
	bool found = false;

	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->n_exits && !found; i++) {
		if (c->exits[i].process == process) {
			*status = c->exits[i].status;
			found = true;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return found;
}

void gcs_exit_record(struct gcs_client *c, uint32_t process, int status)
{
	pthread_mutex_lock(&c->lock);
	if (!c->exits)
		c->exits = calloc(GCS_EXITS_MAX, sizeof(*c->exits));
	if (c->exits) {
		if (c->n_exits == GCS_EXITS_MAX) {   /* forget the oldest */
			memmove(c->exits, c->exits + 1, (GCS_EXITS_MAX - 1) * sizeof(*c->exits));
			c->n_exits--;
		}
		c->exits[c->n_exits++] = (struct gcs_exit){ process, status };
	}
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

void gcs_exit_forget(struct gcs_client *c, uint32_t process)
{
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->n_exits; i++) {
		if (c->exits[i].process == process) {
			memmove(c->exits + i, c->exits + i + 1,
				(c->n_exits - i - 1) * sizeof(*c->exits));
			c->n_exits--;
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
}

int gcs_exit_wait(struct gcs_client *c, uint32_t process, uint64_t deadline_ms, int *status)
{
	int ret = 0;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		bool found = false;
		struct timespec ts;

		for (size_t i = 0; i < c->n_exits && !found; i++) {
			if (c->exits[i].process == process) {
				*status = c->exits[i].status;
				found = true;
			}
		}
		if (found)
			break;
		if (!c->connected) {
			ret = -ECONNRESET;
			break;
		}
		if (!deadline_ms) {
			pthread_cond_wait(&c->cond, &c->lock);
			continue;
		}
		gcs_deadline_ts(deadline_ms, &ts);
		if (pthread_cond_timedwait(&c->cond, &c->lock, &ts) == ETIMEDOUT) {
			ret = -ETIMEDOUT;
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return ret;
}

/* ---- stdio sockets ---- */

int gcs_stdio_listen(struct gcs_client *c, const struct gcs_stdio_params *sp,
		     struct gcs_stdio_listen *sl, struct uvm_error *err)
{
	const bool want[3] = { sp->in, sp->out, sp->err };

	memset(sl, 0, sizeof(*sl));
	sl->fd[0] = sl->fd[1] = sl->fd[2] = -1;
	for (int i = 0; i < 3; i++) {
		int ret;

		if (!want[i])
			continue;
		pthread_mutex_lock(&c->lock);
		sl->port[i] = c->next_port++;
		if (c->next_port > GCS_STDIO_PORT_MAX)
			c->next_port = GCS_STDIO_PORT_MIN;
		pthread_mutex_unlock(&c->lock);
		if ((size_t)snprintf(sl->path[i], sizeof(sl->path[i]), "%s_%u", c->base,
				     sl->port[i]) >= sizeof(sl->path[i])) {
			sl->path[i][0] = '\0';
			gcs_stdio_unlisten(sl);
			return uvm_err(err, -ENAMETOOLONG, "%s: vsock socket path too long", c->base);
		}
		ret = gcs_listen_unix(sl->path[i], 1, &sl->fd[i], err);
		if (ret) {
			sl->path[i][0] = '\0';
			gcs_stdio_unlisten(sl);
			return ret;
		}
	}
	return 0;
}

int gcs_stdio_accept(struct gcs_stdio_listen *sl, int timeout_ms, int fds[3],
		     struct uvm_error *err)
{
	static const char *const names[3] = { "stdin", "stdout", "stderr" };
	uint64_t deadline = timeout_ms < 0 ? 0 : gcs_now_ms() + (uint64_t)timeout_ms;

	fds[0] = fds[1] = fds[2] = -1;
	for (int i = 0; i < 3; i++) {
		int left = -1, ret;

		if (sl->fd[i] < 0)
			continue;
		if (deadline) {
			uint64_t now = gcs_now_ms();

			left = now >= deadline ? 0 : (int)(deadline - now);
		}
		ret = gcs_accept_within(sl->fd[i], left, &fds[i]);
		if (ret) {
			for (int j = 0; j < i; j++) {
				if (fds[j] >= 0)
					close(fds[j]);
				fds[j] = -1;
			}
			return uvm_err_sys(err, ret, "the agent's %s stream on port %u", names[i],
					   sl->port[i]);
		}
	}
	return 0;
}

void gcs_stdio_unlisten(struct gcs_stdio_listen *sl)
{
	for (int i = 0; i < 3; i++) {
		if (sl->fd[i] >= 0)
			close(sl->fd[i]);
		sl->fd[i] = -1;
		if (sl->path[i][0])
			unlink(sl->path[i]);
		sl->path[i][0] = '\0';
	}
}

