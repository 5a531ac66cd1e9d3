/* The agent protocol's typed operations (gcs-client.h): each builds its
 * request from C arguments, makes the call, and reads the result with checks
 * (the agent is not trusted). Connection, ids and stdio sockets are in
 * gcs-client.c; what the operations mean is in docs/gcs-protocol.md. */
#include "gcs-client-internal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static json_t *string_array(const char *const *v, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < n; i++) {
		if (!v[i] || json_array_append_new(arr, json_string(v[i])) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* Set key to v (stolen) when v is given; a NULL from a failed build is an error. */
static int put(json_t *obj, const char *key, json_t *v, bool *failed)
{
	if (!v || json_object_set_new(obj, key, v) < 0)
		*failed = true;
	return 0;
}

static int put_str(json_t *obj, const char *key, const char *s, bool *failed)
{
	if (s)
		put(obj, key, json_string(s), failed);
	return 0;
}

static int oom(struct uvm_error *err, const char *op, json_t *req)
{
	json_decref(req);
	return uvm_err(err, -ENOMEM, "%s: out of memory (or a string that is not UTF-8)", op);
}

static json_t *storage_json(const struct gcs_storage *st, bool *failed)
{
	json_t *o = json_object(), *arr;

	if (!o) {
		*failed = true;
		return NULL;
	}
	put_str(o, "rootfs", st->rootfs, failed);
	if (st->n_layers) {
		put(o, "layers", arr = json_array(), failed);
		for (size_t i = 0; arr && i < st->n_layers; i++) {
			json_t *l = json_object();

			put_str(l, "serial", st->layers[i].serial, failed);
			if (!l || json_array_append_new(arr, l) < 0)
				*failed = true;
		}
	}
	if (st->scratch_serial || st->scratch_tmpfs_mb) {
		json_t *s = json_object();

		put_str(s, "serial", st->scratch_serial, failed);
		if (st->scratch_tmpfs_mb)
			put(s, "tmpfs_size_mb", json_integer((json_int_t)st->scratch_tmpfs_mb), failed);
		put(o, "scratch", s, failed);
	}
	if (st->n_dirs) {
		put(o, "mapped_directories", arr = json_array(), failed);
		for (size_t i = 0; arr && i < st->n_dirs; i++) {
			const struct gcs_mapped_dir *d = &st->dirs[i];
			json_t *m = json_pack("{s:s?, s:s?, s:s?, s:s?, s:b}", "tag", d->tag, "aname",
					      d->aname, "container_path", d->container_path,
					      "uvm_path", d->uvm_path, "read_only", d->read_only);

			if (!m || json_array_append_new(arr, m) < 0)
				*failed = true;
		}
	}
	if (st->n_disks) {
		put(o, "mapped_disks", arr = json_array(), failed);
		for (size_t i = 0; arr && i < st->n_disks; i++) {
			const struct gcs_mapped_disk *d = &st->disks[i];
			json_t *m = json_pack("{s:s?, s:s?, s:s?, s:s?, s:b}", "serial", d->serial,
					      "container_path", d->container_path, "uvm_path",
					      d->uvm_path, "fstype", d->fstype, "read_only",
					      d->read_only);

			if (!m || json_array_append_new(arr, m) < 0)
				*failed = true;
		}
	}
	if (st->n_pipes) {
		put(o, "mapped_pipes", arr = json_array(), failed);
		for (size_t i = 0; arr && i < st->n_pipes; i++) {
			json_t *m = json_pack("{s:s?, s:I}", "container_path",
					      st->pipes[i].container_path, "port",
					      (json_int_t)st->pipes[i].port);

			if (!m || json_array_append_new(arr, m) < 0)
				*failed = true;
		}
	}
	return o;
}

int gcs_create_container(struct gcs_client *c, const char *id, const char *oci_spec,
			 size_t spec_len, const struct gcs_storage *storage,
			 struct uvm_error *err)
{
	static const char op[] = "create_container";
	json_error_t je;
	json_t *spec, *req;
	bool failed = false;

	/* The spec goes verbatim: it must be a JSON object on its own. */
	spec = json_loadb(oci_spec, spec_len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(spec)) {
		json_decref(spec);
		return uvm_err(err, -EINVAL, "%s: the OCI spec is not a JSON object%s%s", op,
			       spec ? "" : ": ", spec ? "" : je.text);
	}
	json_decref(spec);
	req = json_object();
	put_str(req, "id", id, &failed);
	put(req, "storage", storage_json(storage, &failed), &failed);
	if (!req || failed)
		return oom(err, op, req);
	return gcs_call(c, op, req, oci_spec, spec_len, NULL, err);
}

int gcs_delete_container(struct gcs_client *c, const char *id, struct uvm_error *err)
{
	return gcs_call(c, "delete_container", json_pack("{s:s}", "id", id), NULL, 0, NULL, err);
}

int gcs_add_mapped_directory(struct gcs_client *c, const char *container,
			     const struct gcs_mapped_dir *d, struct uvm_error *err)
{
	static const char op[] = "add_mapped_directory";
	json_t *req = json_pack("{s:s, s:{s:s, s:s?, s:s?, s:s?, s:b}}", "container", container,
				"directory", "tag", d->tag, "aname", d->aname, "container_path",
				d->container_path, "uvm_path", d->uvm_path, "read_only",
				d->read_only);

	if (!req)
		return oom(err, op, req);
	return gcs_call(c, op, req, NULL, 0, NULL, err);
}

int gcs_add_mapped_disk(struct gcs_client *c, const char *container,
			const struct gcs_mapped_disk *d, struct uvm_error *err)
{
	static const char op[] = "add_mapped_disk";
	json_t *req = json_pack("{s:s, s:{s:s, s:s?, s:s?, s:s?, s:b}}", "container", container,
				"disk", "serial", d->serial, "container_path", d->container_path,
				"uvm_path", d->uvm_path, "fstype", d->fstype, "read_only",
				d->read_only);

	if (!req)
		return oom(err, op, req);
	return gcs_call(c, op, req, NULL, 0, NULL, err);
}

int gcs_remove_mapped_disk(struct gcs_client *c, const char *container, const char *serial,
			   const char *container_path, const char *uvm_path, struct uvm_error *err)
{
	static const char op[] = "remove_mapped_disk";
	json_t *req = json_pack("{s:s, s:s, s:s?, s:s?}", "container", container, "serial", serial,
				"container_path", container_path, "uvm_path", uvm_path);

	if (!req)
		return oom(err, op, req);
	return gcs_call(c, op, req, NULL, 0, NULL, err);
}

int gcs_remove_mapped_directory(struct gcs_client *c, const char *container,
				const char *container_path, const char *uvm_path,
				struct uvm_error *err)
{
	static const char op[] = "remove_mapped_directory";
	json_t *req = json_pack("{s:s, s:s?, s:s?}", "container", container, "container_path",
				container_path, "uvm_path", uvm_path);

	if (!req)
		return oom(err, op, req);
	return gcs_call(c, op, req, NULL, 0, NULL, err);
}

static json_t *process_json(const struct gcs_process_params *pp, bool *failed)
{
	json_t *o = json_object();

	if (!o) {
		*failed = true;
		return NULL;
	}
	if (pp->args)
		put(o, "args", string_array(pp->args, pp->n_args), failed);
	if (pp->env)
		put(o, "env", string_array(pp->env, pp->n_env), failed);
	put_str(o, "cwd", pp->cwd, failed);
	put_str(o, "user", pp->user, failed);
	return o;
}

static json_t *stdio_json(const struct gcs_stdio_params *sp, const struct gcs_stdio_listen *sl,
			  bool *failed)
{
	static const char *const keys[3] = { "stdin_port", "stdout_port", "stderr_port" };
	json_t *o = json_pack("{s:b, s:i, s:i}", "terminal", sp->terminal, "rows", (int)sp->rows,
			      "cols", (int)sp->cols);

	if (!o) {
		*failed = true;
		return NULL;
	}
	for (int i = 0; i < 3; i++) {
		if (sl->port[i])
			put(o, keys[i], json_integer(sl->port[i]), failed);
	}
	return o;
}

/* start_container and exec_process: listen for the streams, call, take the
 * streams the agent opened before it answered. */
static int launch(struct gcs_client *c, const char *op, json_t *req,
		  const struct gcs_stdio_params *stdio, struct gcs_process *out,
		  struct uvm_error *err)
{
	static const struct gcs_stdio_params none;
	const struct gcs_stdio_params *sp = stdio ? stdio : &none;
	struct gcs_stdio_listen sl;
	json_t *res = NULL;
	uint64_t id = 0, pid = 0;
	bool failed = false;
	int fds[3], ret;

	memset(out, 0, sizeof(*out));
	out->stdin_fd = out->stdout_fd = out->stderr_fd = -1;
	if (sp->terminal && sp->err) {
		json_decref(req);
		return uvm_err(err, -EINVAL, "%s: a terminal has no separate stderr", op);
	}
	if (sp->rows > GCS_CONSOLE_MAX || sp->cols > GCS_CONSOLE_MAX) {
		json_decref(req);
		return uvm_err(err, -ERANGE, "%s: console size above %u", op, GCS_CONSOLE_MAX);
	}
	ret = gcs_stdio_listen(c, sp, &sl, err);
	if (ret) {
		json_decref(req);
		return ret;
	}
	put(req, "stdio", stdio_json(sp, &sl, &failed), &failed);
	if (failed) {
		gcs_stdio_unlisten(&sl);
		return oom(err, op, req);
	}
	ret = gcs_call(c, op, req, NULL, 0, &res, err);
	if (!ret && (gcs_json_u64(res, "process", true, UINT32_MAX, &id) || !id ||
		     gcs_json_u64(res, "pid", true, INT32_MAX, &pid)))
		ret = uvm_err(err, -EPROTO, "%s: the agent's answer has no valid process/pid", op);
	json_decref(res);
	if (!ret) {
		ret = gcs_stdio_accept(&sl, gcs_client_timeout(c), fds, err);
		if (ret) {
			/* A process nobody can talk to: end it. */
			gcs_signal_process(c, (uint32_t)id, SIGKILL, NULL);
			gcs_release_process(c, (uint32_t)id, NULL);
		}
	}
	gcs_stdio_unlisten(&sl);
	if (ret)
		return ret;
	out->id = (uint32_t)id;
	out->pid = (int)pid;
	out->stdin_fd = fds[0];
	out->stdout_fd = fds[1];
	out->stderr_fd = fds[2];
	return 0;
}

int gcs_start_container(struct gcs_client *c, const char *id,
			const struct gcs_process_params *pp, const struct gcs_stdio_params *stdio,
			struct gcs_process *out, struct uvm_error *err)
{
	static const char op[] = "start_container";
	json_t *req = json_object();
	bool failed = false;

	put_str(req, "id", id, &failed);
	if (pp)
		put(req, "process", process_json(pp, &failed), &failed);
	if (!req || failed)
		return oom(err, op, req);
	return launch(c, op, req, stdio, out, err);
}

int gcs_exec_process(struct gcs_client *c, const char *container,
		     const struct gcs_process_params *pp, const struct gcs_stdio_params *stdio,
		     struct gcs_process *out, struct uvm_error *err)
{
	static const char op[] = "exec_process";
	json_t *req = json_object();
	bool failed = false;

	if (!pp) {
		json_decref(req);
		return uvm_err(err, -EINVAL, "%s: process parameters are required", op);
	}
	put_str(req, "container", container, &failed);
	put(req, "process", process_json(pp, &failed), &failed);
	if (!req || failed)
		return oom(err, op, req);
	return launch(c, op, req, stdio, out, err);
}

int gcs_signal_process(struct gcs_client *c, uint32_t process, int sig, struct uvm_error *err)
{
	return gcs_call(c, "signal_process",
			json_pack("{s:I, s:i}", "process", (json_int_t)process, "signal", sig), NULL,
			0, NULL, err);
}

int gcs_resize_console(struct gcs_client *c, uint32_t process, unsigned rows, unsigned cols,
		       struct uvm_error *err)
{
	return gcs_call(c, "resize_console",
			json_pack("{s:I, s:I, s:I}", "process", (json_int_t)process, "rows",
				  (json_int_t)rows, "cols", (json_int_t)cols),
			NULL, 0, NULL, err);
}

int gcs_close_stdin(struct gcs_client *c, uint32_t process, struct uvm_error *err)
{
	return gcs_call(c, "close_stdin", json_pack("{s:I}", "process", (json_int_t)process),
			NULL, 0, NULL, err);
}

int gcs_process_status(struct gcs_client *c, uint32_t process, struct gcs_process_status *out,
		       struct uvm_error *err)
{
	json_t *res = NULL, *running;
	uint64_t pid = 0, status = 0;
	int ret = gcs_call(c, "process_status",
			   json_pack("{s:I}", "process", (json_int_t)process), NULL, 0, &res, err);

	if (ret)
		return ret;
	running = json_object_get(res, "running");
	if (!json_is_boolean(running) || gcs_json_u64(res, "pid", true, INT32_MAX, &pid) ||
	    (!json_is_true(running) && gcs_json_u64(res, "exit_status", true, 255 + 128, &status)))
		ret = uvm_err(err, -EPROTO, "process_status: malformed answer from the agent");
	memset(out, 0, sizeof(*out));
	out->id = process;
	out->pid = (int)pid;
	out->running = json_is_true(running);
	out->exit_status = (int)status;
	json_decref(res);
	if (!ret && !out->running)
		gcs_exit_record(c, process, out->exit_status);
	return ret;
}

int gcs_wait_process(struct gcs_client *c, uint32_t process, int timeout_ms, int *exit_status,
		     struct uvm_error *err)
{
	uint64_t deadline = timeout_ms < 0 ? 0 : gcs_now_ms() + (uint64_t)timeout_ms;
	struct gcs_process_status st;
	int ret;

	if (gcs_exit_lookup(c, process, exit_status))
		return 0;
	/* The event may have come before this client was listening (a new
	 * connection): ask once, then wait for the event. */
	ret = gcs_process_status(c, process, &st, err);
	if (ret)
		return ret;
	if (!st.running) {
		*exit_status = st.exit_status;
		return 0;
	}
	ret = gcs_exit_wait(c, process, deadline, exit_status);
	if (ret == -ETIMEDOUT)
		return uvm_err(err, ret, "wait: process %u still running after %d ms", process,
			       timeout_ms);
	if (ret)
		return uvm_err(err, ret, "wait: the agent connection ended");
	return 0;
}

int gcs_release_process(struct gcs_client *c, uint32_t process, struct uvm_error *err)
{
	gcs_exit_forget(c, process);
	return gcs_call(c, "release_process", json_pack("{s:I}", "process", (json_int_t)process),
			NULL, 0, NULL, err);
}

static int read_process_info(const json_t *o, struct gcs_process_info *pi)
{
	uint64_t pid = 0;

	memset(pi, 0, sizeof(*pi));
	if (!json_is_object(o) || gcs_json_u64(o, "pid", true, INT32_MAX, &pid) ||
	    gcs_json_u64(o, "start_time_ns", false, INT64_MAX, &pi->start_time_ns) ||
	    gcs_json_u64(o, "user_time_us", false, INT64_MAX, &pi->user_time_us) ||
	    gcs_json_u64(o, "kernel_time_us", false, INT64_MAX, &pi->kernel_time_us) ||
	    gcs_json_u64(o, "rss_bytes", false, INT64_MAX, &pi->rss_bytes) ||
	    gcs_json_u64(o, "vsize_bytes", false, INT64_MAX, &pi->vsize_bytes) ||
	    gcs_json_u64(o, "shared_bytes", false, INT64_MAX, &pi->shared_bytes))
		return -EPROTO;
	pi->pid = (int)pid;
	gcs_json_text(o, "name", pi->name, sizeof(pi->name));
	gcs_json_text(o, "command", pi->command, sizeof(pi->command));
	return 0;
}

int gcs_list_processes(struct gcs_client *c, const char *container,
		       struct gcs_process_info **out, size_t *n, struct uvm_error *err)
{
	json_t *req = json_object(), *res = NULL, *list;
	struct gcs_process_info *items;
	bool failed = false;
	size_t count;
	int ret;

	*out = NULL;
	*n = 0;
	put_str(req, "container", container, &failed);
	if (!req || failed)
		return oom(err, "list_processes", req);
	ret = gcs_call(c, "list_processes", req, NULL, 0, &res, err);
	if (ret)
		return ret;
	list = json_object_get(res, "processes");
	count = json_array_size(list);
	if (!json_is_array(list) || count > 65536) {
		json_decref(res);
		return uvm_err(err, -EPROTO, "list_processes: malformed answer from the agent");
	}
	items = calloc(count + 1, sizeof(*items));
	if (!items) {
		json_decref(res);
		return uvm_err(err, -ENOMEM, "list_processes: out of memory");
	}
	for (size_t i = 0; i < count && !ret; i++) {
		if (read_process_info(json_array_get(list, i), &items[i]))
			ret = uvm_err(err, -EPROTO, "list_processes: malformed entry %zu", i);
	}
	json_decref(res);
	if (ret) {
		free(items);
		return ret;
	}
	*out = items;
	*n = count;
	return 0;
}

int gcs_container_stats(struct gcs_client *c, const char *container, struct gcs_stats *out,
			struct uvm_error *err)
{
	json_t *res = NULL, *mem, *cpu, *io;
	int ret = gcs_call(c, "statistics", json_pack("{s:s}", "container", container), NULL, 0,
			   &res, err);
	bool bad;

	if (ret)
		return ret;
	memset(out, 0, sizeof(*out));
	mem = json_object_get(res, "memory");
	cpu = json_object_get(res, "cpu");
	io = json_object_get(res, "io");
	out->memory_max = UINT64_MAX;
	bad = !json_is_object(mem) || !json_is_object(cpu) || !json_is_object(io) ||
	      gcs_json_u64(res, "timestamp_ns", true, INT64_MAX, &out->timestamp_ns) ||
	      gcs_json_u64(res, "start_time_ns", false, INT64_MAX, &out->start_time_ns) ||
	      gcs_json_u64(res, "pids", false, INT64_MAX, &out->pids) ||
	      gcs_json_u64(mem, "current", true, INT64_MAX, &out->memory_current) ||
	      gcs_json_u64(mem, "max", false, INT64_MAX, &out->memory_max) ||
	      gcs_json_u64(mem, "peak", false, INT64_MAX, &out->memory_peak) ||
	      gcs_json_u64(cpu, "usage_usec", true, INT64_MAX, &out->cpu_usage_usec) ||
	      gcs_json_u64(cpu, "user_usec", false, INT64_MAX, &out->cpu_user_usec) ||
	      gcs_json_u64(cpu, "system_usec", false, INT64_MAX, &out->cpu_system_usec) ||
	      gcs_json_u64(io, "read_bytes", false, INT64_MAX, &out->io_read_bytes) ||
	      gcs_json_u64(io, "write_bytes", false, INT64_MAX, &out->io_write_bytes) ||
	      gcs_json_u64(io, "read_ios", false, INT64_MAX, &out->io_read_ios) ||
	      gcs_json_u64(io, "write_ios", false, INT64_MAX, &out->io_write_ios);
	if (!bad)
		out->has_memory_peak = json_is_integer(json_object_get(mem, "peak"));
	json_decref(res);
	if (bad)
		return uvm_err(err, -EPROTO, "statistics: malformed answer from the agent");
	return 0;
}

int gcs_shutdown(struct gcs_client *c, unsigned grace_ms, struct uvm_error *err)
{
	return gcs_call(c, "shutdown", json_pack("{s:I}", "grace_ms", (json_int_t)grace_ms), NULL,
			0, NULL, err);
}

int gcs_terminate(struct gcs_client *c, struct uvm_error *err)
{
	return gcs_call(c, "terminate", json_object(), NULL, 0, NULL, err);
}

/* ---- checked JSON reads ---- */

int gcs_json_u64(const json_t *obj, const char *key, bool required, uint64_t max,
		 uint64_t *out)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return required ? -EPROTO : 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return -EPROTO;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

void gcs_json_text(const json_t *obj, const char *key, char *buf, size_t size)
{
	gcs_tame_copy(buf, size, json_string_value(json_object_get(obj, key)));
}
