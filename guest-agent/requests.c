/* The agent's operations: checks every request (frame type and version, JSON
 * syntax, each field's type, range and length, unknown fields), calls the part
 * that acts, and answers with exactly one response carrying the request's id;
 * also the events. Reading frames off the wire is protocol.c's; acting is
 * process.c's, container.c's and stats.c's. */
#include "agent.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*op_fn)(struct agent *a, const json_t *req, json_t **result,
		     struct uvm_error *err);

static json_t *jint(uint64_t v)
{
	return json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v);
}

/* ---- shared field groups ---- */

static int get_process_id(const json_t *req, uint32_t *id, struct uvm_error *err)
{
	uint64_t v = 0;
	int ret = jfield_uint(req, "", "process", true, 1, UINT32_MAX, &v, err);

	*id = (uint32_t)v;
	return ret;
}

static int find_process(struct agent *a, const json_t *req, struct process **p,
			struct uvm_error *err)
{
	uint32_t id;
	int ret = get_process_id(req, &id, err);

	if (ret)
		return ret;
	*p = process_find(a, id);
	if (!*p)
		return uvm_err(err, -ENOENT, "no process %u", id);
	return 0;
}

static json_t *process_result(const struct process *p)
{
	return json_pack("{s:I, s:I}", "process", (json_int_t)p->id, "pid", (json_int_t)p->pid);
}

/* ---- operations ---- */

static json_t *operation_names(void);

static int op_negotiate(struct agent *a, const json_t *req, json_t **result,
			struct uvm_error *err)
{
	static const char *const keys[] = { "op", "min_version", "max_version", NULL };
	uint64_t min = 0, max = 0, chosen;
	json_t *ops;
	int ret = jfield_keys(req, "", keys, err);

	if (!ret)
		ret = jfield_uint(req, "", "min_version", true, 1, UINT16_MAX, &min, err);
	if (!ret)
		ret = jfield_uint(req, "", "max_version", true, 1, UINT16_MAX, &max, err);
	if (!ret && min > max)
		ret = uvm_err(err, -EINVAL, "min_version %llu is above max_version %llu",
			      (unsigned long long)min, (unsigned long long)max);
	if (ret)
		return ret;
	chosen = max < GCS_VERSION_MAX ? max : GCS_VERSION_MAX;
	if (chosen < min || chosen < GCS_VERSION_MIN)
		return uvm_err(err, -EPROTONOSUPPORT,
			       "the host speaks versions %llu to %llu, the agent %u to %u",
			       (unsigned long long)min, (unsigned long long)max, GCS_VERSION_MIN,
			       GCS_VERSION_MAX);
	a->negotiated = true;
	a->version = (uint16_t)chosen;
	ops = operation_names();
	*result = json_pack("{s:I, s:s, s:o*}", "version", (json_int_t)chosen,
			    "agent", AGENT_NAME " " AGENT_VERSION, "operations", ops);
	return 0;
}

static int op_create_container(struct agent *a, const json_t *req, json_t **result,
			       struct uvm_error *err)
{
	static const char *const keys[] = { "op", "id", "spec", "storage", NULL };
	struct storage_request st;
	const char *id = NULL;
	json_t *spec = NULL;
	int ret = jfield_keys(req, "", keys, err);

	if (!ret)
		ret = jfield_string(req, "", "id", true, GCS_ID_MAX, &id, err);
	if (!ret)
		ret = container_id_check(id, err);
	if (!ret)
		ret = jfield_object(req, "", "spec", true, &spec, err);
	if (ret)
		return ret;
	ret = storage_request_parse(req, &st, err);
	if (ret)
		return ret;
	ret = container_create(a, id, spec, &st, err);
	storage_request_free(&st);
	if (!ret)
		*result = json_pack("{s:s}", "id", id);
	return ret;
}

static int find_container(struct agent *a, const json_t *req, const char *key, bool required,
			  struct container **c, struct uvm_error *err)
{
	const char *id = NULL;
	int ret = jfield_string(req, "", key, required, GCS_ID_MAX, &id, err);

	*c = NULL;
	if (ret || !id)
		return ret;
	*c = container_find(a, id);
	if (!*c)
		return uvm_err(err, -ENOENT, "no container \"%s\"", id);
	return 0;
}

static int op_start_container(struct agent *a, const json_t *req, json_t **result,
			      struct uvm_error *err)
{
	static const char *const keys[] = { "op", "id", "process", "stdio", NULL };
	struct process_params pp = { 0 };
	struct stdio_params sp;
	struct container *c;
	struct process *p;
	int ret = jfield_keys(req, "", keys, err);

	if (!ret)
		ret = find_container(a, req, "id", true, &c, err);
	if (!ret)
		ret = request_parse_stdio(req, a->opt.port, &sp, err);
	if (!ret)
		ret = request_parse_process(req, &pp, err);
	if (!ret)
		ret = container_start(a, c, &pp, &sp, &p, err);
	if (!ret)
		*result = process_result(p);
	request_process_params_free(&pp);
	return ret;
}

static int op_exec_process(struct agent *a, const json_t *req, json_t **result,
			   struct uvm_error *err)
{
	static const char *const keys[] = { "op", "container", "process", "stdio", NULL };
	struct process_params pp = { 0 };
	struct stdio_params sp;
	struct container *c = NULL;
	struct process *p;
	int ret = jfield_keys(req, "", keys, err);

	if (!ret)
		ret = find_container(a, req, "container", false, &c, err);
	if (!ret)
		ret = request_parse_stdio(req, a->opt.port, &sp, err);
	if (!ret && !json_is_object(json_object_get(req, "process")))
		ret = uvm_err(err, -EINVAL, "process: required, an object");
	if (!ret)
		ret = request_parse_process(req, &pp, err);
	if (!ret)
		ret = c ? container_exec(a, c, &pp, &sp, &p, err)
			: process_spawn_uvm(a, &pp, &sp, &p, err);
	if (!ret)
		*result = process_result(p);
	request_process_params_free(&pp);
	return ret;
}

static int op_signal_process(struct agent *a, const json_t *req, json_t **result,
			     struct uvm_error *err)
{
	static const char *const keys[] = { "op", "process", "signal", NULL };
	struct process *p;
	uint64_t sig = 0;
	int ret = jfield_keys(req, "", keys, err);

	(void)result;
	if (!ret)
		ret = jfield_uint(req, "", "signal", true, 1, GCS_SIGNAL_MAX, &sig, err);
	if (!ret)
		ret = find_process(a, req, &p, err);
	if (!ret)
		ret = process_signal(p, (int)sig, err);
	return ret;
}

static int op_resize_console(struct agent *a, const json_t *req, json_t **result,
			     struct uvm_error *err)
{
	static const char *const keys[] = { "op", "process", "rows", "cols", NULL };
	uint64_t rows = 0, cols = 0;
	struct process *p;
	int ret = jfield_keys(req, "", keys, err);

	(void)result;
	if (!ret)
		ret = jfield_uint(req, "", "rows", true, 0, GCS_CONSOLE_MAX, &rows, err);
	if (!ret)
		ret = jfield_uint(req, "", "cols", true, 0, GCS_CONSOLE_MAX, &cols, err);
	if (!ret)
		ret = find_process(a, req, &p, err);
	if (!ret)
		ret = process_resize(p, (unsigned)rows, (unsigned)cols, err);
	return ret;
}

static int op_close_stdin(struct agent *a, const json_t *req, json_t **result,
			  struct uvm_error *err)
{
	static const char *const keys[] = { "op", "process", NULL };
	struct process *p;
	int ret = jfield_keys(req, "", keys, err);

	(void)result;
	if (!ret)
		ret = find_process(a, req, &p, err);
	if (!ret)
		ret = process_close_stdin(p, err);
	return ret;
}

static int op_process_status(struct agent *a, const json_t *req, json_t **result,
			     struct uvm_error *err)
{
	static const char *const keys[] = { "op", "process", NULL };
	struct process *p;
	int ret = jfield_keys(req, "", keys, err);

	if (!ret)
		ret = find_process(a, req, &p, err);
	if (ret)
		return ret;
	*result = json_pack("{s:I, s:I, s:b}", "process", (json_int_t)p->id, "pid",
			    (json_int_t)p->pid, "running", !p->exited);
	if (*result && p->exited)
		json_object_set_new(*result, "exit_status", json_integer(p->exit_status));
	if (*result && p->container_id[0])
		json_object_set_new(*result, "container", json_string(p->container_id));
	return 0;
}

static int op_release_process(struct agent *a, const json_t *req, json_t **result,
			      struct uvm_error *err)
{
	static const char *const keys[] = { "op", "process", NULL };
	struct process *p;
	int ret = jfield_keys(req, "", keys, err);

	(void)result;
	if (!ret)
		ret = find_process(a, req, &p, err);
	if (!ret)
		process_release(a, p);
	return ret;
}

static json_t *proc_entry_json(const struct proc_entry *e)
{
	return json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "pid", (json_int_t)e->pid,
			 "name", e->name, "command", e->command, "start_time_ns",
			 jint(e->start_time_ns), "user_time_us", jint(e->user_time_us),
			 "kernel_time_us", jint(e->kernel_time_us), "rss_bytes", jint(e->rss_bytes),
			 "vsize_bytes", jint(e->vsize_bytes), "shared_bytes", jint(e->shared_bytes));
}

static int op_list_processes(struct agent *a, const json_t *req, json_t **result,
			     struct uvm_error *err)
{
	static const char *const keys[] = { "op", "container", NULL };
	struct container *c = NULL;
	pid_t *pids = NULL;
	size_t n = 0;
	json_t *list;
	int ret = jfield_keys(req, "", keys, err);

	if (!ret)
		ret = find_container(a, req, "container", false, &c, err);
	if (ret)
		return ret;
	if (c && c->cgroup_dir) {
		ret = stats_cgroup_pids(c->cgroup_dir, &pids, &n, err);
		if (ret)
			return ret;
	} else if (!c) {
		pids = calloc(a->n_processes + 1, sizeof(*pids));
		if (!pids)
			return uvm_err(err, -ENOMEM, "out of memory");
		for (struct process *p = a->processes; p; p = p->next) {
			if (!p->exited && !p->container_id[0])
				pids[n++] = p->pid;
		}
	}
	list = json_array();
	for (size_t i = 0; list && i < n && i < 4096; i++) {
		struct proc_entry e;
		struct uvm_error perr = { 0 };

		/* A process may end between the listing and the read. */
		if (stats_read_proc("/proc", pids[i], &e, &perr) == 0)
			json_array_append_new(list, proc_entry_json(&e));
	}
	free(pids);
	*result = json_pack("{s:o*}", "processes", list);
	return 0;
}

static uint64_t timespec_ns(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
}

static int op_statistics(struct agent *a, const json_t *req, json_t **result,
			 struct uvm_error *err)
{
	static const char *const keys[] = { "op", "container", NULL };
	struct cgroup_stats s;
	struct container *c;
	struct timespec now;
	json_t *mem;
	int ret = jfield_keys(req, "", keys, err);

	if (!ret)
		ret = find_container(a, req, "container", true, &c, err);
	if (ret)
		return ret;
	if (!c->cgroup_dir)
		return uvm_err(err, -EBUSY, "container \"%s\" has not started", c->id);
	ret = stats_read_cgroup(c->cgroup_dir, &s, err);
	if (ret)
		return ret;
	clock_gettime(CLOCK_REALTIME, &now);
	mem = json_pack("{s:o, s:o}", "current", jint(s.memory_current), "max",
			s.memory_max == UINT64_MAX ? json_null() : jint(s.memory_max));
	if (mem && s.has_memory_peak)
		json_object_set_new(mem, "peak", jint(s.memory_peak));
	*result = json_pack("{s:o, s:o, s:o*, s:{s:o, s:o, s:o}, s:{s:o, s:o, s:o, s:o}, s:o}",
			    "timestamp_ns", jint(timespec_ns(&now)),
			    "start_time_ns", jint(timespec_ns(&c->started)),
			    "memory", mem,
			    "cpu", "usage_usec", jint(s.cpu_usage_usec), "user_usec",
			    jint(s.cpu_user_usec), "system_usec", jint(s.cpu_system_usec),
			    "io", "read_bytes", jint(s.io_read_bytes), "write_bytes",
			    jint(s.io_write_bytes), "read_ios", jint(s.io_read_ios), "write_ios",
			    jint(s.io_write_ios),
			    "pids", jint(s.pids_current));
	return 0;
}

static int op_delete_container(struct agent *a, const json_t *req, json_t **result,
			       struct uvm_error *err)
{
	static const char *const keys[] = { "op", "id", NULL };
	struct container *c;
	int ret = jfield_keys(req, "", keys, err);

	(void)result;
	if (!ret)
		ret = find_container(a, req, "id", true, &c, err);
	if (!ret)
		ret = container_delete(a, c, err);
	return ret;
}

/* add_mapped_directory, add_mapped_disk: a container and the folder or disk
 * object, shaped as in create_container's storage. */
static int hot_add(struct agent *a, const json_t *req, bool disk, struct uvm_error *err)
{
	static const char *const dir_keys[] = { "op", "container", "directory", NULL };
	static const char *const disk_keys[] = { "op", "container", "disk", NULL };
	const char *what = disk ? "disk" : "directory";
	struct storage_disk dk = { 0 };
	struct storage_dir dir = { 0 };
	struct container *c;
	json_t *obj = NULL;
	int ret = jfield_keys(req, "", disk ? disk_keys : dir_keys, err);

	if (!ret)
		ret = find_container(a, req, "container", true, &c, err);
	if (!ret)
		ret = jfield_object(req, "", what, true, &obj, err);
	if (!ret)
		ret = disk ? storage_disk_parse(obj, what, &dk, err)
			   : storage_dir_parse(obj, what, &dir, err);
	if (!ret)
		ret = disk ? hot_mount_disk(a, c, &dk, err) : hot_mount_dir(c, &dir, err);
	return ret;
}

/* remove_mapped_directory, remove_mapped_disk: a container, the path it
 * was mounted at, and for a disk its serial. */
static int hot_remove(struct agent *a, const json_t *req, bool disk, struct uvm_error *err)
{
	static const char *const dir_keys[] = { "op", "container", "container_path", "uvm_path",
						NULL };
	static const char *const disk_keys[] = { "op", "container", "serial", "container_path",
						 "uvm_path", NULL };
	const char *serial = NULL, *container_path = NULL, *uvm_path = NULL;
	struct container *c;
	int ret = jfield_keys(req, "", disk ? disk_keys : dir_keys, err);

	if (!ret)
		ret = find_container(a, req, "container", true, &c, err);
	if (!ret && disk)
		ret = jfield_string(req, "", "serial", true, GCS_SERIAL_MAX, &serial, err);
	if (!ret && disk && (!*serial || strchr(serial, '/') || serial[0] == '.'))
		ret = uvm_err(err, -EINVAL, "serial: \"%s\" cannot name a disk", serial);
	if (!ret)
		ret = jfield_string(req, "", "container_path", false, GCS_PATH_MAX, &container_path,
				    err);
	if (!ret)
		ret = jfield_string(req, "", "uvm_path", false, GCS_PATH_MAX, &uvm_path, err);
	if (!ret && container_path)
		ret = request_check_path("container_path", container_path, err);
	if (!ret && uvm_path)
		ret = request_check_path("uvm_path", uvm_path, err);
	if (!ret)
		ret = disk ? hot_unmount_disk(c, serial, container_path, uvm_path, err)
			   : hot_unmount_dir(c, container_path, uvm_path, err);
	return ret;
}

static int op_add_mapped_directory(struct agent *a, const json_t *req, json_t **result,
				   struct uvm_error *err)
{
	(void)result;
	return hot_add(a, req, false, err);
}

static int op_remove_mapped_directory(struct agent *a, const json_t *req, json_t **result,
				      struct uvm_error *err)
{
	(void)result;
	return hot_remove(a, req, false, err);
}

static int op_add_mapped_disk(struct agent *a, const json_t *req, json_t **result,
			      struct uvm_error *err)
{
	(void)result;
	return hot_add(a, req, true, err);
}

static int op_remove_mapped_disk(struct agent *a, const json_t *req, json_t **result,
				 struct uvm_error *err)
{
	(void)result;
	return hot_remove(a, req, true, err);
}

static int op_shutdown(struct agent *a, const json_t *req, json_t **result,
		       struct uvm_error *err)
{
	static const char *const keys[] = { "op", "grace_ms", NULL };
	uint64_t grace = 10000;
	int ret = jfield_keys(req, "", keys, err);

	(void)result;
	if (!ret)
		ret = jfield_uint(req, "", "grace_ms", false, 0, GCS_GRACE_MAX_MS, &grace, err);
	if (!ret)
		agent_begin_shutdown(a, (unsigned)grace, false);
	return ret;
}

static int op_terminate(struct agent *a, const json_t *req, json_t **result,
			struct uvm_error *err)
{
	static const char *const keys[] = { "op", NULL };
	int ret = jfield_keys(req, "", keys, err);

	(void)result;
	if (!ret)
		agent_begin_shutdown(a, 0, true);
	return ret;
}

static const struct op_entry {
	const char *name;
	op_fn fn;
	bool starts_something;     /* refused once shutdown began */
} ops[] = {
	{ "negotiate", op_negotiate, false },
	{ "create_container", op_create_container, true },
	{ "start_container", op_start_container, true },
	{ "exec_process", op_exec_process, true },
	{ "signal_process", op_signal_process, false },
	{ "resize_console", op_resize_console, false },
	{ "close_stdin", op_close_stdin, false },
	{ "process_status", op_process_status, false },
	{ "release_process", op_release_process, false },
	{ "list_processes", op_list_processes, false },
	{ "statistics", op_statistics, false },
	{ "delete_container", op_delete_container, true },
	{ "add_mapped_directory", op_add_mapped_directory, true },
	{ "remove_mapped_directory", op_remove_mapped_directory, false },
	{ "add_mapped_disk", op_add_mapped_disk, true },
	{ "remove_mapped_disk", op_remove_mapped_disk, false },
	{ "shutdown", op_shutdown, false },
	{ "terminate", op_terminate, false },
};

static json_t *operation_names(void)
{
	json_t *names = json_array();

	for (size_t i = 0; names && i < sizeof(ops) / sizeof(ops[0]); i++)
		json_array_append_new(names, json_string(ops[i].name));
	return names;
}

/* ---- frames to requests, results to responses ---- */

void agent_send_error(struct agent *a, uint64_t id, int code, int sys_errno, const char *msg)
{
	json_t *body = json_pack("{s:{s:i, s:s, s:i}}", "error", "code", code, "message",
				 msg, "errno", sys_errno);

	agent_send(a, GCS_MSG_RESPONSE, id, body);
}

static void send_failure(struct agent *a, uint64_t id, int ret, const struct uvm_error *err)
{
	const char *msg = err->msg[0] ? err->msg : strerror(-ret);

	agent_send_error(a, id, gcs_error_from_errno(ret), -ret, msg);
}

void agent_handle_frame(struct agent *a, const struct gcs_header *h, const uint8_t *body,
			size_t len)
{
	struct uvm_error err = { 0 };
	const struct op_entry *op = NULL;
	const char *name = NULL;
	json_t *req, *result = NULL;
	json_error_t je;
	char msg[160];
	int ret;

	if (h->type != GCS_MSG_REQUEST) {
		snprintf(msg, sizeof(msg), "expected a request (type %d), got type %u",
			 GCS_MSG_REQUEST, h->type);
		agent_send_error(a, h->id, GCS_E_PROTOCOL, EPROTO, msg);
		return;
	}
	if (h->version < GCS_VERSION_MIN || h->version > GCS_VERSION_MAX ||
	    (a->negotiated && h->version != a->version)) {
		snprintf(msg, sizeof(msg), "frame version %u: the agent speaks %u to %u%s",
			 h->version, GCS_VERSION_MIN, GCS_VERSION_MAX,
			 a->negotiated ? ", as negotiated" : "");
		agent_send_error(a, h->id, GCS_E_VERSION, EPROTONOSUPPORT, msg);
		return;
	}
	req = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &je);
	if (!req) {
		snprintf(msg, sizeof(msg), "invalid JSON at line %d, column %d: %.100s", je.line,
			 je.column, je.text);
		agent_send_error(a, h->id, GCS_E_PROTOCOL, EPROTO, msg);
		return;
	}
	if (!json_is_object(req)) {
		agent_send_error(a, h->id, GCS_E_PROTOCOL, EPROTO, "the body must be a JSON object");
		goto out;
	}
	ret = jfield_string(req, "", "op", true, 64, &name, &err);
	if (ret) {
		send_failure(a, h->id, ret, &err);
		goto out;
	}
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]) && !op; i++) {
		if (!strcmp(ops[i].name, name))
			op = &ops[i];
	}
	if (!op) {
		snprintf(msg, sizeof(msg), "unknown operation \"%.64s\"", name);
		agent_send_error(a, h->id, GCS_E_UNKNOWN_OP, ENOSYS, msg);
		goto out;
	}
	if (!a->negotiated && op->fn != op_negotiate) {
		agent_send_error(a, h->id, GCS_E_NOT_NEGOTIATED, ENOTCONN,
				 "negotiate the protocol version first");
		goto out;
	}
	if (a->phase != AGENT_RUNNING && op->starts_something) {
		agent_send_error(a, h->id, GCS_E_SHUTTING_DOWN, ESHUTDOWN,
				 "the agent is shutting down");
		goto out;
	}
	agent_debug("request %llu: %s", (unsigned long long)h->id, name);
	ret = op->fn(a, req, &result, &err);
	if (ret) {
		json_decref(result);
		agent_debug("request %llu: %s", (unsigned long long)h->id, err.msg);
		send_failure(a, h->id, ret, &err);
		goto out;
	}
	agent_send(a, GCS_MSG_RESPONSE, h->id,
		   json_pack("{s:o}", "result", result ? result : json_object()));
out:
	json_decref(req);
}

void agent_event_process_exited(struct agent *a, const struct process *p)
{
	json_t *ev = json_pack("{s:s, s:I, s:I, s:i}", "event", "process_exited", "process",
			       (json_int_t)p->id, "pid", (json_int_t)p->pid, "exit_status",
			       p->exit_status);

	if (ev && p->container_id[0])
		json_object_set_new(ev, "container", json_string(p->container_id));
	agent_send(a, GCS_MSG_EVENT, 0, ev);
}
