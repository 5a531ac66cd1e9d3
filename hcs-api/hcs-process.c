/* libhcs processes (hcs.h): each handle has its own control connection to
 * the host, so a blocking wait holds up nothing else. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control-wire.h"
#include "hcs-error.h"
#include "hcs-internal.h"

static struct hcs_process *new_process(struct hcs_system *s, struct hcs_error *err)
{
	struct hcs_process *p;

	if (s->closed) {
		hcs_err(err, HCS_E_ALREADY_CLOSED, 0, "the handle was closed");
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		hcs_err(err, HCS_E_SYSTEM, ENOMEM, "out of memory");
		return NULL;
	}
	snprintf(p->root, sizeof(p->root), "%s", s->root);
	snprintf(p->id, sizeof(p->id), "%s", s->id);
	p->stdio[0] = p->stdio[1] = p->stdio[2] = -1;
	p->fd = hcs_connect(s->root, s->id, err);
	if (p->fd < 0) {
		free(p);
		return NULL;
	}
	return p;
}

int hcs_create_process(struct hcs_system *s, const char *config_json, struct hcs_process **out,
		       struct hcs_error *err)
{
	struct hcs_process *p = new_process(s, err);
	int fds[CONTROL_MAX_FDS];
	size_t nfds = 0, next = 0;
	json_t *r;

	*out = NULL;
	if (!p)
		return -1;
	if (hcs_call(p->fd, p->root, p->id,
		     json_pack("{s:s, s:s}", "op", "create_process", "config", config_json), &r, fds,
		     &nfds, err) < 0) {
		hcs_process_close(p);
		return -1;
	}
	p->handle = (uint32_t)json_integer_value(json_object_get(r, "handle"));
	p->pid = (int)json_integer_value(json_object_get(r, "pid"));
	for (int i = 0; i < 3; i++) {
		static const char *const names[] = { "stdin", "stdout", "stderr" };

		if (json_is_true(json_object_get(r, names[i])) && next < nfds)
			p->stdio[i] = fds[next++];
	}
	while (next < nfds)
		close(fds[next++]);
	json_decref(r);
	*out = p;
	return 0;
}

int hcs_open_process(struct hcs_system *s, int pid, struct hcs_process **out,
		     struct hcs_error *err)
{
	struct hcs_process *p = new_process(s, err);
	json_t *r;

	*out = NULL;
	if (!p)
		return -1;
	if (hcs_call(p->fd, p->root, p->id, json_pack("{s:s, s:i}", "op", "open_process", "pid", pid),
		     &r, NULL, NULL, err) < 0) {
		hcs_process_close(p);
		return -1;
	}
	p->handle = (uint32_t)json_integer_value(json_object_get(r, "handle"));
	p->pid = (int)json_integer_value(json_object_get(r, "pid"));
	json_decref(r);
	*out = p;
	return 0;
}

int hcs_process_pid(const struct hcs_process *p)
{
	return p->pid;
}

static int process_call(struct hcs_process *p, json_t *req, json_t **result,
			struct hcs_error *err)
{
	json_t *r = NULL;
	int ret;

	json_object_set_new(req, "handle", json_integer(p->handle));
	ret = hcs_call(p->fd, p->root, p->id, req, &r, NULL, NULL, err);
	if (result)
		*result = r;
	else
		json_decref(r);
	return ret;
}

int hcs_process_signal(struct hcs_process *p, int sig, struct hcs_error *err)
{
	if (p->exited)
		return hcs_err(err, HCS_E_ALREADY_STOPPED, 0, "process %d has exited", p->pid);
	return process_call(p, json_pack("{s:s, s:i}", "op", "signal_process", "signal", sig), NULL,
			    err);
}

int hcs_process_kill(struct hcs_process *p, struct hcs_error *err)
{
	return hcs_process_signal(p, SIGKILL, err);
}

int hcs_process_wait_timeout(struct hcs_process *p, int timeout_ms, struct hcs_error *err)
{
	json_t *r;

	if (p->exited)
		return 0;
	if (process_call(p, json_pack("{s:s, s:i}", "op", "wait_process", "timeout_ms", timeout_ms),
			 &r, err) < 0)
		return -1;
	p->exited = true;
	p->exit_code = (int)json_integer_value(json_object_get(r, "exit_status"));
	json_decref(r);
	return 0;
}

int hcs_process_wait(struct hcs_process *p, struct hcs_error *err)
{
	return hcs_process_wait_timeout(p, HCS_INFINITE, err);
}

int hcs_process_exit_code(struct hcs_process *p, int *code, struct hcs_error *err)
{
	json_t *r;

	if (!p->exited) {
		if (process_call(p, json_pack("{s:s}", "op", "process_status"), &r, err) < 0)
			return -1;
		if (json_is_true(json_object_get(r, "running"))) {
			json_decref(r);
			return hcs_err(err, HCS_E_INVALID_STATE, 0, "process %d is still running", p->pid);
		}
		p->exited = true;
		p->exit_code = (int)json_integer_value(json_object_get(r, "exit_status"));
		json_decref(r);
	}
	*code = p->exit_code;
	return 0;
}

int hcs_process_resize_console(struct hcs_process *p, unsigned rows, unsigned cols,
			       struct hcs_error *err)
{
	return process_call(p, json_pack("{s:s, s:i, s:i}", "op", "resize_console", "rows", (int)rows,
					 "cols", (int)cols), NULL, err);
}

int hcs_process_stdio(struct hcs_process *p, int *in, int *out, int *errfd, struct hcs_error *err)
{
	(void)err;
	if (in)
		*in = p->stdio[0];
	if (out)
		*out = p->stdio[1];
	if (errfd)
		*errfd = p->stdio[2];
	return 0;
}

int hcs_process_close_stdin(struct hcs_process *p, struct hcs_error *err)
{
	if (p->stdio[0] >= 0) {
		close(p->stdio[0]);
		p->stdio[0] = -1;
	}
	return process_call(p, json_pack("{s:s}", "op", "close_stdin"), NULL, err);
}

void hcs_process_close(struct hcs_process *p)
{
	if (!p)
		return;
	/* The agent may forget an exited process once its last handle is done. */
	if (p->exited && p->fd >= 0 && p->handle)
		process_call(p, json_pack("{s:s}", "op", "release_process"), NULL, NULL);
	for (int i = 0; i < 3; i++)
		if (p->stdio[i] >= 0)
			close(p->stdio[i]);
	if (p->fd >= 0)
		close(p->fd);
	free(p);
}
