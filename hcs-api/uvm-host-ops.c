/* The host process's control requests (uvm-host-internal.h): each op checks
 * the system's state, maps HCS shapes onto guest agent calls (gcs-client.h)
 * and answers with a result or an hcs error kind. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control-wire.h"
#include "hcs-error.h"
#include "process-map.h"
#include "uvm-host-internal.h"

#define ERR(kind, ...) control_error_response(kind, __VA_ARGS__)

json_t *host_error_from_uvm(const struct uvm_error *e)
{
	struct hcs_error he;

	hcs_err_from_uvm(&he, e, false);
	if (e->code == -ECONNRESET || e->code == -EPIPE || e->code == -ENOTCONN)
		he.kind = HCS_E_UNEXPECTED_EXIT;
	return ERR(he.kind, "%s", he.msg);
}

enum host_state host_get_state(struct host *h)
{
	enum host_state s;

	pthread_mutex_lock(&h->lock);
	s = h->state;
	pthread_mutex_unlock(&h->lock);
	return s;
}

json_t *host_not_running(struct host *h)
{
	enum host_state s = host_get_state(h);

	if (s == HOST_STOPPED)
		return ERR(HCS_E_ALREADY_STOPPED, "compute system %s has stopped", h->id);
	return ERR(HCS_E_INVALID_STATE, "compute system %s is %s, not running", h->id,
		   host_state_name(s));
}

static int64_t int_arg(json_t *req, const char *key, int64_t dflt)
{
	json_t *v = json_object_get(req, key);

	return json_is_integer(v) ? json_integer_value(v) : dflt;
}

/* ---- the system ---- */

static json_t *op_hello(struct host *h)
{
	return control_ok(json_pack("{s:s, s:s, s:i}", "id", h->id, "state",
				    host_state_name(host_get_state(h)), "pid", (int)getpid()));
}

static json_t *op_start(struct host *h)
{
	struct uvm_error err = { 0 };

	pthread_mutex_lock(&h->lock);
	if (h->state != HOST_CREATED || h->start_requested) {
		enum host_state s = h->state;

		pthread_mutex_unlock(&h->lock);
		if (s == HOST_STOPPED)
			return ERR(HCS_E_ALREADY_STOPPED, "compute system %s has stopped", h->id);
		return ERR(HCS_E_INVALID_STATE, "compute system %s was already started", h->id);
	}
	pthread_mutex_unlock(&h->lock);
	host_request_start(h);
	/* Wait for the agent in slices, so a VM that ends first is noticed. */
	for (int waited = 0;; waited += 500) {
		int ret = gcs_client_accept(h->gcs, 500, &err);

		if (ret == 0)
			break;
		if (host_get_state(h) == HOST_STOPPED) {
			char last[256];

			host_last_error(h, last, sizeof(last));
			return ERR(HCS_E_UNEXPECTED_EXIT, "the utility VM stopped before its agent "
				   "called home%s%s (see %s/console.log)", last[0] ? ": " : "", last,
				   h->dir);
		}
		if (ret != -ETIMEDOUT || waited >= HOST_AGENT_TIMEOUT_MS) {
			host_request_stop(h);
			return ERR(HCS_E_UNEXPECTED_EXIT, "the utility VM's agent did not call home: "
				   "%s (see %s/console.log)", err.msg, h->dir);
		}
	}
	pthread_mutex_lock(&h->lock);
	if (h->state == HOST_STARTING)
		h->state = HOST_RUNNING;
	pthread_cond_broadcast(&h->changed);
	pthread_mutex_unlock(&h->lock);
	return control_ok(NULL);
}

static json_t *op_shutdown(struct host *h, json_t *req)
{
	struct uvm_error err = { 0 };
	enum host_state s = host_get_state(h);

	if (s == HOST_CREATED) {
		host_request_stop(h);
		return control_ok(NULL);
	}
	if (s != HOST_RUNNING)
		return host_not_running(h);
	if (gcs_shutdown(h->gcs, (unsigned)int_arg(req, "grace_ms", 10000), &err) < 0)
		return host_error_from_uvm(&err);
	return control_ok(NULL);
}

static json_t *op_terminate(struct host *h)
{
	if (host_get_state(h) == HOST_STOPPED)
		return ERR(HCS_E_ALREADY_STOPPED, "compute system %s has stopped", h->id);
	host_request_stop(h);
	return control_ok(NULL);
}

static json_t *op_wait(struct host *h, json_t *req)
{
	int64_t timeout_ms = int_arg(req, "timeout_ms", -1);
	struct timespec deadline;
	int ret = 0, status;

	clock_gettime(CLOCK_REALTIME, &deadline);
	if (timeout_ms >= 0) {
		deadline.tv_sec += timeout_ms / 1000;
		deadline.tv_nsec += (timeout_ms % 1000) * 1000000;
		if (deadline.tv_nsec >= 1000000000) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000;
		}
	}
	pthread_mutex_lock(&h->lock);
	while (h->state != HOST_STOPPED && ret == 0)
		ret = timeout_ms < 0 ? pthread_cond_wait(&h->changed, &h->lock)
				     : pthread_cond_timedwait(&h->changed, &h->lock, &deadline);
	status = h->exit_status;
	pthread_mutex_unlock(&h->lock);
	if (ret == ETIMEDOUT)
		return ERR(HCS_E_TIMEOUT, "compute system %s still running after %lld ms", h->id,
			   (long long)timeout_ms);
	return control_ok(json_pack("{s:i}", "exit_status", status));
}

/* ---- processes ---- */

static struct host_process *find_process(struct host *h, uint32_t handle)
{
	for (size_t i = 0; i < HOST_MAX_PROCESSES; i++)
		if (h->procs[i].handle == handle && handle)
			return &h->procs[i];
	return NULL;
}

static bool remember_process(struct host *h, uint32_t handle, int pid)
{
	bool ok = false;

	pthread_mutex_lock(&h->lock);
	for (size_t i = 0; i < HOST_MAX_PROCESSES && !ok; i++) {
		if (h->procs[i].handle)
			continue;
		h->procs[i] = (struct host_process){ .handle = handle, .pid = pid };
		ok = true;
	}
	pthread_mutex_unlock(&h->lock);
	return ok;
}

static json_t *op_create_process(struct host *h, json_t *req, int *fds, size_t *nfds)
{
	const char *text = json_string_value(json_object_get(req, "config"));
	struct hcs_process_config pc;
	struct process_request pr;
	struct uvm_error err = { 0 };
	struct gcs_process p;
	bool first;
	int ret;

	if (!text)
		return ERR(HCS_E_INVALID_DATA, "create_process: no ProcessConfig");
	if (hcs_process_config_parse(text, strlen(text), &pc, &err) < 0)
		return ERR(err.code == -EOPNOTSUPP ? HCS_E_NOT_SUPPORTED : HCS_E_INVALID_DATA,
			   "ProcessConfig: %s", err.msg);
	if (host_get_state(h) != HOST_RUNNING) {
		hcs_process_config_free(&pc);
		return host_not_running(h);
	}
	ret = process_request_build(&pc, &pr, &err);
	pthread_mutex_lock(&h->lock);
	first = ret == 0 && !pc.create_in_utility_vm && !h->container_created;
	if (first)
		h->container_created = true;   /* one creator; a failure clears it */
	pthread_mutex_unlock(&h->lock);
	if (ret == 0 && first) {
		char *spec = pc.oci_specification ? NULL
			: oci_default_spec(&pc, h->plan.host_name ? h->plan.host_name : h->id);

		if (!pc.oci_specification && !spec)
			ret = uvm_err(&err, -ENOMEM, "out of memory");
		if (ret == 0)
			ret = gcs_create_container(h->gcs, h->id,
						   spec ? spec : pc.oci_specification,
						   spec ? strlen(spec) : pc.oci_specification_len,
						   &h->plan.storage, &err);
		/* The spec's process is the init; a default spec holds this one's. */
		if (ret == 0)
			ret = gcs_start_container(h->gcs, h->id, NULL, &pr.stdio, &p, &err);
		free(spec);
		if (ret < 0) {
			struct uvm_error ignored;

			gcs_delete_container(h->gcs, h->id, &ignored);
			pthread_mutex_lock(&h->lock);
			h->container_created = false;
			pthread_mutex_unlock(&h->lock);
		}
	} else if (ret == 0) {
		ret = gcs_exec_process(h->gcs, pc.create_in_utility_vm ? NULL : h->id, &pr.params,
				       &pr.stdio, &p, &err);
	}
	process_request_free(&pr);
	hcs_process_config_free(&pc);
	if (ret < 0)
		return host_error_from_uvm(&err);
	if (first) {
		pthread_mutex_lock(&h->lock);
		h->init_handle = p.id;
		pthread_mutex_unlock(&h->lock);
	}
	if (!remember_process(h, p.id, p.pid)) {
		struct uvm_error ignored;

		gcs_signal_process(h->gcs, p.id, SIGKILL, &ignored);
		if (p.stdin_fd >= 0)
			close(p.stdin_fd);
		if (p.stdout_fd >= 0)
			close(p.stdout_fd);
		if (p.stderr_fd >= 0)
			close(p.stderr_fd);
		return ERR(HCS_E_SYSTEM, "more than %d processes", HOST_MAX_PROCESSES);
	}
	*nfds = 0;
	if (p.stdin_fd >= 0)
		fds[(*nfds)++] = p.stdin_fd;
	if (p.stdout_fd >= 0)
		fds[(*nfds)++] = p.stdout_fd;
	if (p.stderr_fd >= 0)
		fds[(*nfds)++] = p.stderr_fd;
	return control_ok(json_pack("{s:i, s:i, s:b, s:b, s:b}", "handle", (int)p.id, "pid", p.pid,
				    "stdin", p.stdin_fd >= 0, "stdout", p.stdout_fd >= 0,
				    "stderr", p.stderr_fd >= 0));
}

static json_t *op_open_process(struct host *h, json_t *req)
{
	int pid = (int)int_arg(req, "pid", 0);
	uint32_t handle = 0;

	pthread_mutex_lock(&h->lock);
	for (size_t i = 0; i < HOST_MAX_PROCESSES && !handle; i++)
		if (h->procs[i].handle && (pid ? h->procs[i].pid == pid
					       : h->procs[i].handle == h->init_handle))
			handle = h->procs[i].handle, pid = h->procs[i].pid;
	pthread_mutex_unlock(&h->lock);
	if (!handle)
		return ERR(HCS_E_NOT_EXIST, "no process %d in compute system %s", pid, h->id);
	return control_ok(json_pack("{s:i, s:i}", "handle", (int)handle, "pid", pid));
}

/* The process op's handle, checked; NULL with *resp set otherwise. */
static struct host_process *process_arg(struct host *h, json_t *req, json_t **resp)
{
	int64_t handle = int_arg(req, "handle", 0);
	struct host_process *p;

	pthread_mutex_lock(&h->lock);
	p = handle > 0 && handle <= UINT32_MAX ? find_process(h, (uint32_t)handle) : NULL;
	pthread_mutex_unlock(&h->lock);
	if (!p)
		*resp = ERR(HCS_E_NOT_EXIST, "no such process handle %lld", (long long)handle);
	return p;
}

static json_t *op_wait_process(struct host *h, json_t *req)
{
	json_t *resp = NULL;
	struct host_process *p = process_arg(h, req, &resp);
	struct uvm_error err = { 0 };
	int status = 0, ret;

	if (!p)
		return resp;
	if (!p->exited) {
		ret = gcs_wait_process(h->gcs, p->handle, (int)int_arg(req, "timeout_ms", -1),
				       &status, &err);
		if (ret == -ETIMEDOUT)
			return ERR(HCS_E_TIMEOUT, "process %d is still running", p->pid);
		if (ret < 0)
			return host_error_from_uvm(&err);
		pthread_mutex_lock(&h->lock);
		p->exited = true;
		p->exit_status = status;
		pthread_mutex_unlock(&h->lock);
	}
	return control_ok(json_pack("{s:i}", "exit_status", p->exit_status));
}

static json_t *op_process_call(struct host *h, json_t *req, const char *op)
{
	json_t *resp = NULL;
	struct host_process *p = process_arg(h, req, &resp);
	struct uvm_error err = { 0 };
	int ret;

	if (!p)
		return resp;
	if (strcmp(op, "signal_process") == 0) {
		int64_t sig = int_arg(req, "signal", SIGKILL);

		if (sig <= 0 || sig >= 65)
			return ERR(HCS_E_INVALID_DATA, "signal %lld: out of range", (long long)sig);
		if (p->exited)
			return ERR(HCS_E_ALREADY_STOPPED, "process %d has exited", p->pid);
		ret = gcs_signal_process(h->gcs, p->handle, (int)sig, &err);
	} else if (strcmp(op, "resize_console") == 0) {
		ret = gcs_resize_console(h->gcs, p->handle, (unsigned)int_arg(req, "rows", 24),
					 (unsigned)int_arg(req, "cols", 80), &err);
	} else if (strcmp(op, "close_stdin") == 0) {
		ret = gcs_close_stdin(h->gcs, p->handle, &err);
	} else {                                   /* release_process */
		ret = gcs_release_process(h->gcs, p->handle, &err);
		pthread_mutex_lock(&h->lock);
		memset(p, 0, sizeof(*p));
		pthread_mutex_unlock(&h->lock);
	}
	if (ret < 0)
		return host_error_from_uvm(&err);
	return control_ok(NULL);
}

static json_t *op_process_status(struct host *h, json_t *req)
{
	json_t *resp = NULL;
	struct host_process *p = process_arg(h, req, &resp);
	struct gcs_process_status st;
	struct uvm_error err = { 0 };

	if (!p)
		return resp;
	if (p->exited)
		return control_ok(json_pack("{s:b, s:i}", "running", 0, "exit_status", p->exit_status));
	if (gcs_process_status(h->gcs, p->handle, &st, &err) < 0)
		return host_error_from_uvm(&err);
	return control_ok(json_pack("{s:b, s:i}", "running", st.running, "exit_status",
				    st.running ? 0 : st.exit_status));
}

/* ---- properties ---- */

static json_t *op_properties(struct host *h, json_t *req)
{
	struct hcs_container_properties cp = { 0 };
	struct hcs_process_list_item *items = NULL;
	struct gcs_process_info *procs = NULL;
	struct gcs_stats st;
	struct uvm_error err = { 0 };
	enum host_state s = host_get_state(h);
	bool running = s == HOST_RUNNING, created;
	size_t n = 0;
	json_t *result;
	char *text;

	pthread_mutex_lock(&h->lock);
	created = h->container_created;
	pthread_mutex_unlock(&h->lock);
	cp.id = h->id;
	cp.state = host_state_name(s);
	cp.name = h->cc.name;
	cp.system_type = "Container";
	cp.runtime_os_type = "Linux";
	cp.owner = h->cc.owner;
	cp.runtime_image_path = h->cc.hv_runtime ? h->cc.hv_runtime->image_path : NULL;
	cp.stopped = s == HOST_STOPPED;
	if (running && created && json_is_true(json_object_get(req, "statistics"))) {
		if (gcs_container_stats(h->gcs, h->id, &st, &err) < 0)
			return host_error_from_uvm(&err);
		cp.statistics.timestamp.tv_sec = (time_t)(st.timestamp_ns / 1000000000);
		cp.statistics.timestamp.tv_nsec = (long)(st.timestamp_ns % 1000000000);
		cp.statistics.container_start_time.tv_sec = (time_t)(st.start_time_ns / 1000000000);
		cp.statistics.container_start_time.tv_nsec = (long)(st.start_time_ns % 1000000000);
		if (st.timestamp_ns > st.start_time_ns)
			cp.statistics.uptime_100ns = (st.timestamp_ns - st.start_time_ns) / 100;
		cp.statistics.memory.usage_commit_bytes = st.memory_current;
		cp.statistics.memory.usage_commit_peak_bytes = st.has_memory_peak ? st.memory_peak
										  : st.memory_current;
		cp.statistics.memory.usage_private_working_set_bytes = st.memory_current;
		cp.statistics.processor.total_runtime_100ns = st.cpu_usage_usec * 10;
		cp.statistics.processor.runtime_user_100ns = st.cpu_user_usec * 10;
		cp.statistics.processor.runtime_kernel_100ns = st.cpu_system_usec * 10;
		cp.statistics.storage.read_count_normalized = st.io_read_ios;
		cp.statistics.storage.read_size_bytes = st.io_read_bytes;
		cp.statistics.storage.write_count_normalized = st.io_write_ios;
		cp.statistics.storage.write_size_bytes = st.io_write_bytes;
	}
	if (running && created && json_is_true(json_object_get(req, "processes"))) {
		if (gcs_list_processes(h->gcs, h->id, &procs, &n, &err) < 0)
			return host_error_from_uvm(&err);
		items = calloc(n ? n : 1, sizeof(*items));
		for (size_t i = 0; items && i < n; i++) {
			items[i].create_timestamp.tv_sec = (time_t)(procs[i].start_time_ns / 1000000000);
			items[i].create_timestamp.tv_nsec = (long)(procs[i].start_time_ns % 1000000000);
			items[i].image_name = procs[i].command[0] ? procs[i].command : procs[i].name;
			items[i].kernel_time_100ns = procs[i].kernel_time_us * 10;
			items[i].user_time_100ns = procs[i].user_time_us * 10;
			items[i].memory_commit_bytes = procs[i].vsize_bytes;
			items[i].memory_working_set_private_bytes = procs[i].rss_bytes - procs[i].shared_bytes;
			items[i].memory_working_set_shared_bytes = procs[i].shared_bytes;
			items[i].process_id = (uint32_t)procs[i].pid;
		}
		cp.process_list = items;
		cp.n_process_list = items ? n : 0;
	}
	/* MappedVirtualDisks: one controller, a LUN each, in config order, then
	 * those added while running (LUN: after the config's, by spare slot). */
	struct hcs_mapped_virtual_disk_slot *slots = NULL;
	struct hcs_mapped_virtual_disk_controller ctl = { 0 };
	size_t nslots = 0, nconfig = h->cc.n_mapped_virtual_disks;

	pthread_mutex_lock(&h->modify_lock);
	slots = calloc(nconfig + PLAN_SPARE_DISKS + 1, sizeof(*slots));
	for (size_t i = 0; slots && i < nconfig; i++)
		slots[nslots++] = (struct hcs_mapped_virtual_disk_slot){
			.lun = (int)i, .disk = h->cc.mapped_virtual_disks[i] };
	for (unsigned i = 0; slots && i < PLAN_SPARE_DISKS; i++) {
		const struct host_hot_disk *d = &h->hot_disks[i];

		if (d->used)
			slots[nslots++] = (struct hcs_mapped_virtual_disk_slot){
				.lun = (int)(nconfig + i),
				.disk = { .host_path = d->host_path, .container_path = d->path,
					  .create_in_utility_vm = d->in_uvm, .read_only = d->read_only,
					  .attach_only = d->attach_only } };
	}
	if (nslots) {
		ctl.disks = slots;
		ctl.n_disks = nslots;
		cp.mapped_virtual_disk_controllers = &ctl;
		cp.n_mapped_virtual_disk_controllers = 1;
	}
	text = hcs_container_properties_to_json(&cp);
	pthread_mutex_unlock(&h->modify_lock);
	free(slots);
	free(items);
	free(procs);
	result = text ? json_loads(text, 0, NULL) : NULL;
	free(text);
	if (!result)
		return ERR(HCS_E_SYSTEM, "out of memory");
	return control_ok(result);
}

json_t *host_handle_request(struct host *h, json_t *req, int *in_fds, size_t n_in, int *fds,
			    size_t *nfds, bool *is_handle)
{
	const char *op = json_string_value(json_object_get(req, "op"));

	*nfds = 0;
	if (!op)
		return ERR(HCS_E_INVALID_DATA, "request without an op");
	if (strcmp(op, "hello") == 0) {
		*is_handle = json_is_true(json_object_get(req, "handle"));
		return op_hello(h);
	}
	if (strcmp(op, "start") == 0)
		return op_start(h);
	if (strcmp(op, "shutdown") == 0)
		return op_shutdown(h, req);
	if (strcmp(op, "terminate") == 0)
		return op_terminate(h);
	if (strcmp(op, "wait") == 0)
		return op_wait(h, req);
	if (strcmp(op, "properties") == 0)
		return op_properties(h, req);
	if (strcmp(op, "modify") == 0)
		return host_op_modify(h, req, in_fds, n_in);
	if (strcmp(op, "create_process") == 0)
		return op_create_process(h, req, fds, nfds);
	if (strcmp(op, "open_process") == 0)
		return op_open_process(h, req);
	if (strcmp(op, "wait_process") == 0)
		return op_wait_process(h, req);
	if (strcmp(op, "process_status") == 0)
		return op_process_status(h, req);
	if (strcmp(op, "signal_process") == 0 || strcmp(op, "resize_console") == 0 ||
	    strcmp(op, "close_stdin") == 0 || strcmp(op, "release_process") == 0)
		return op_process_call(h, req, op);
	return ERR(HCS_E_NOT_SUPPORTED, "unknown op \"%.64s\"", op);
}
