/* libhcs compute systems (hcs.h): create (validate, state folder, the
 * detached host process), open, enumerate, delete, and the calls that go to
 * the host over the control socket. Processes are in hcs-process.c. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../vmm/fileio.h"
#include "control-wire.h"
#include "hcs-error.h"
#include "hcs-internal.h"
#include "schema.h"
#include "uvm-plan.h"
#include "uvm-state.h"

const char *hcs_system_id(const struct hcs_system *s)
{
	return s->id;
}

int hcs_connect(const char *root, const char *id, struct hcs_error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[PATH_MAX];
	int fd;

	if (state_path(root, id, STATE_CONTROL, path, sizeof(path), err))
		return -1;
	if (strlen(path) >= sizeof(sa.sun_path))
		return hcs_err(err, HCS_E_INVALID_DATA, ENAMETOOLONG, "%s: too long for a socket", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return hcs_err(err, HCS_E_SYSTEM, errno, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return hcs_err(err, HCS_E_ALREADY_STOPPED, ESRCH,
			       "compute system %s has stopped (its host process is gone)", id);
	}
	return fd;
}

/* The host went away mid-call: stopped if it recorded an end. */
static int host_gone(const char *root, const char *id, struct hcs_error *err)
{
	int status;

	if (state_exit_status(root, id, &status) == 0)
		return hcs_err(err, HCS_E_ALREADY_STOPPED, 0, "compute system %s has stopped", id);
	return hcs_err(err, HCS_E_UNEXPECTED_EXIT, ECONNRESET,
		       "the host process of compute system %s ended unexpectedly", id);
}

int hcs_call(int fd, const char *root, const char *id, json_t *req, json_t **result,
	     int *fds, size_t *nfds, struct hcs_error *err)
{
	return hcs_call_sending(fd, root, id, req, NULL, 0, result, fds, nfds, err);
}

int hcs_call_sending(int fd, const char *root, const char *id, json_t *req,
		     const int *send_fds, size_t n_send, json_t **result, int *fds,
		     size_t *nfds, struct hcs_error *err)
{
	int got[CONTROL_MAX_FDS];
	size_t ngot = 0;
	json_t *resp = NULL, *r;
	int ret;

	*result = NULL;
	if (nfds)
		*nfds = 0;
	if (fd < 0) {
		json_decref(req);
		return host_gone(root, id, err);
	}
	ret = control_send(fd, req, send_fds, n_send);
	json_decref(req);
	if (ret == 0)
		ret = control_recv(fd, &resp, got, &ngot);
	if (ret < 0)
		return host_gone(root, id, err);
	if (control_parse_response(resp, &r, err) < 0) {
		for (size_t i = 0; i < ngot; i++)
			close(got[i]);
		json_decref(resp);
		return -1;
	}
	*result = json_incref(r);
	json_decref(resp);
	for (size_t i = 0; i < ngot; i++) {
		if (fds && nfds)
			fds[(*nfds)++] = got[i];
		else
			close(got[i]);
	}
	return 0;
}

/* A call with no interesting result. */
static int simple_call(struct hcs_system *s, json_t *req, struct hcs_error *err)
{
	json_t *result;
	int ret;

	if (s->closed) {
		json_decref(req);
		return hcs_err(err, HCS_E_ALREADY_CLOSED, 0, "the handle was closed");
	}
	ret = hcs_call(s->fd, s->root, s->id, req, &result, NULL, NULL, err);
	json_decref(result);
	return ret;
}

static bool host_paused(struct hcs_system *s);

/* ---- create, open ---- */

/* The uvmrun program that runs host processes: $UVMRUN_BINARY, this program
 * when it is uvmrun, else "uvmrun" from PATH. */
static void host_program(char *buf, size_t size)
{
	const char *env = getenv("UVMRUN_BINARY");
	char self[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		snprintf(buf, size, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if (strlen(self) >= 6 && strcmp(self + strlen(self) - 6, "uvmrun") == 0) {
			snprintf(buf, size, "%s", self);
			return;
		}
	}
	snprintf(buf, size, "uvmrun");
}

/* Start `uvmrun host --root ROOT ID` detached (its own session, reparented
 * to init) and read its readiness line. */
static int spawn_host(const char *root, const char *id, struct hcs_error *err)
{
	char prog[PATH_MAX], line[600], fdnum[16];
	int pipefd[2], status;
	size_t len = 0;
	pid_t pid;

	host_program(prog, sizeof(prog));
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return hcs_err(err, HCS_E_SYSTEM, errno, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return hcs_err(err, HCS_E_SYSTEM, errno, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		if (setsid() < 0 || null < 0)
			_exit(126);
		if (fork() != 0)
			_exit(0);                       /* the host is reparented */
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
		dup2(pipefd[1], 3);             /* clears close-on-exec */
		for (int fd = 4; fd < 1024; fd++)
			close(fd);
		snprintf(fdnum, sizeof(fdnum), "3");
		setenv("UVMRUN_READY_FD", fdnum, 1);
		if (getenv("UVMRUN_JAIL_USER") && *getenv("UVMRUN_JAIL_USER"))
			execlp(prog, prog, "host", "--root", root, "--jail-user",
			       getenv("UVMRUN_JAIL_USER"), id, (char *)NULL);
		else
			execlp(prog, prog, "host", "--root", root, id, (char *)NULL);
		if (write(3, "cannot run the uvmrun program for the host process\n", 51) < 0)
			_exit(127);
		_exit(127);
	}
	close(pipefd[1]);
	waitpid(pid, &status, 0);
	for (;;) {
		ssize_t n = read(pipefd[0], line + len, sizeof(line) - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || (len += (size_t)n) >= sizeof(line) - 1)
			break;
	}
	close(pipefd[0]);
	line[len] = '\0';
	if (strcmp(line, "ok\n") == 0)
		return 0;
	if (len && line[len - 1] == '\n')
		line[len - 1] = '\0';
	return hcs_err(err, HCS_E_INVALID_DATA, EINVAL, "%s", len ? line : "the host process did not start");
}

int hcs_create(const char *root, const char *id, const char *config_json,
	       struct hcs_system **out, struct hcs_error *err)
{
	struct hcs_container_config cc;
	struct uvm_error uerr = { 0 };
	struct uvm_plan *plan;
	char path[PATH_MAX];
	int fd, ret;

	*out = NULL;
	root = root ? root : HCS_DEFAULT_ROOT;
	if (state_check_id(id, err))
		return -1;
	if (hcs_container_config_parse(config_json, strlen(config_json), &cc, &uerr) < 0)
		return hcs_err_from_uvm(err, &uerr, true);
	ret = hcs_config_check_paths(&cc, &uerr);
	plan = ret == 0 ? malloc(sizeof(*plan)) : NULL;
	if (ret == 0 && !plan)
		ret = uvm_err(&uerr, -ENOMEM, "out of memory");
	if (ret == 0)
		ret = plan_build(&cc, "/", plan, &uerr);
	free(plan);
	hcs_container_config_free(&cc);
	if (ret < 0)
		return hcs_err_from_uvm(err, &uerr, true);
	if (state_create(root, id, err))
		return -1;
	if (state_path(root, id, STATE_CONFIG, path, sizeof(path), err))
		goto fail;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write_full(fd, config_json, strlen(config_json)) < 0) {
		hcs_err(err, HCS_E_SYSTEM, errno, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	close(fd);
	if (spawn_host(root, id, err))
		goto fail;
	if (hcs_open(root, id, out, err) == 0)
		return 0;
fail:
	{
		struct hcs_error ignored;

		state_remove(root, id, &ignored);
	}
	return -1;
}

int hcs_open(const char *root, const char *id, struct hcs_system **out, struct hcs_error *err)
{
	struct hcs_system *s;
	json_t *result = NULL;
	struct hcs_error ignored;

	*out = NULL;
	root = root ? root : HCS_DEFAULT_ROOT;
	if (state_exists(root, id, err))
		return -1;
	s = calloc(1, sizeof(*s));
	if (!s)
		return hcs_err(err, HCS_E_SYSTEM, ENOMEM, "out of memory");
	snprintf(s->root, sizeof(s->root), "%s", root);
	snprintf(s->id, sizeof(s->id), "%s", id);
	/* A stopped system opens too: its state and exit stay readable. A
	 * paused host cannot answer: its hello waits for the first call. */
	s->fd = state_host_alive(root, id) ? hcs_connect(root, id, &ignored) : -1;
	if (s->fd >= 0 && !host_paused(s) &&
	    hcs_call(s->fd, root, id, json_pack("{s:s, s:b}", "op", "hello", "handle", 1), &result,
		     NULL, NULL, &ignored) < 0) {
		close(s->fd);
		s->fd = -1;
	}
	json_decref(result);
	*out = s;
	return 0;
}

void hcs_close(struct hcs_system *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

/* ---- lifecycle ---- */

int hcs_start(struct hcs_system *s, struct hcs_error *err)
{
	return simple_call(s, json_pack("{s:s}", "op", "start"), err);
}

int hcs_shutdown(struct hcs_system *s, struct hcs_error *err)
{
	return simple_call(s, json_pack("{s:s, s:i}", "op", "shutdown", "grace_ms", 10000), err);
}

int hcs_terminate(struct hcs_system *s, struct hcs_error *err)
{
	return simple_call(s, json_pack("{s:s}", "op", "terminate"), err);
}

int hcs_wait_timeout(struct hcs_system *s, int timeout_ms, struct hcs_error *err)
{
	struct hcs_error local;
	int status;

	if (s->closed)
		return hcs_err(err, HCS_E_ALREADY_CLOSED, 0, "the handle was closed");
	if (simple_call(s, json_pack("{s:s, s:i}", "op", "wait", "timeout_ms", timeout_ms), &local) == 0)
		return 0;
	/* The host ends right after the VM: a lost connection means stopped. */
	if (local.kind == HCS_E_ALREADY_STOPPED ||
	    (local.kind == HCS_E_UNEXPECTED_EXIT && state_exit_status(s->root, s->id, &status) == 0))
		return 0;
	if (err)
		*err = local;
	return -1;
}

int hcs_wait(struct hcs_system *s, struct hcs_error *err)
{
	return hcs_wait_timeout(s, HCS_INFINITE, err);
}

static int signal_host(struct hcs_system *s, int sig, struct hcs_error *err)
{
	int pid = state_host_pid(s->root, s->id);

	if (!state_host_alive(s->root, s->id) || pid <= 0)
		return hcs_err(err, HCS_E_ALREADY_STOPPED, 0, "compute system %s has stopped", s->id);
	if (kill(pid, sig) < 0)
		return hcs_err(err, HCS_E_SYSTEM, errno, "signal the host process %d: %s", pid,
			       strerror(errno));
	return 0;
}

static bool host_paused(struct hcs_system *s)
{
	char path[64], buf[512], *p;
	int pid = state_host_pid(s->root, s->id);

	if (pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_small_file(AT_FDCWD, path, buf, sizeof(buf), NULL) < 0)
		return false;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'T';
}

int hcs_pause(struct hcs_system *s, struct hcs_error *err)
{
	char state[32];

	if (hcs_state(s, state, sizeof(state), err))
		return -1;
	if (strcmp(state, "Running") != 0)
		return hcs_err(err, HCS_E_INVALID_STATE, 0, "compute system %s is %s, not running",
			       s->id, state);
	return signal_host(s, SIGSTOP, err);
}

int hcs_resume(struct hcs_system *s, struct hcs_error *err)
{
	if (!host_paused(s))
		return hcs_err(err, HCS_E_INVALID_STATE, 0, "compute system %s is not paused", s->id);
	return signal_host(s, SIGCONT, err);
}

int hcs_state(struct hcs_system *s, char *buf, size_t size, struct hcs_error *err)
{
	json_t *result = NULL;
	int ret;

	if (s->closed)
		return hcs_err(err, HCS_E_ALREADY_CLOSED, 0, "the handle was closed");
	if (!state_host_alive(s->root, s->id) || s->fd < 0) {
		snprintf(buf, size, "Stopped");
		return 0;
	}
	if (host_paused(s)) {
		snprintf(buf, size, "Paused");
		return 0;
	}
	ret = hcs_call(s->fd, s->root, s->id, json_pack("{s:s}", "op", "hello"), &result, NULL,
		       NULL, err);
	if (ret == 0)
		snprintf(buf, size, "%s", json_string_value(json_object_get(result, "state")) ?: "Unknown");
	else if (err && err->kind == HCS_E_ALREADY_STOPPED)
		snprintf(buf, size, "Stopped"), ret = 0;
	json_decref(result);
	return ret;
}

int hcs_exit_status(struct hcs_system *s, int *status, struct hcs_error *err)
{
	if (state_exit_status(s->root, s->id, status) < 0)
		return hcs_err(err, HCS_E_INVALID_STATE, 0, "compute system %s has not stopped", s->id);
	return 0;
}

/* ---- properties ---- */

/* Ask the host for ContainerProperties (with statistics and the process list
 * as asked) and hand back the member `key` as JSON text (the whole object when
 * key is NULL); a member the host left out reads as `empty` (may be NULL). */
static int property(struct hcs_system *s, bool stats, bool procs, const char *key,
		    json_t *(*empty)(void), char **out, struct hcs_error *err)
{
	json_t *r, *v;

	*out = NULL;
	if (s->closed)
		return hcs_err(err, HCS_E_ALREADY_CLOSED, 0, "the handle was closed");
	if (hcs_call(s->fd, s->root, s->id,
		     json_pack("{s:s, s:b, s:b}", "op", "properties", "statistics", stats,
			       "processes", procs), &r, NULL, NULL, err) < 0)
		return -1;
	if (key && !json_object_get(r, key) && empty)
		json_object_set_new(r, key, empty());
	v = key ? json_object_get(r, key) : r;
	*out = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	json_decref(r);
	if (!*out)
		return hcs_err(err, HCS_E_SYSTEM, ENOMEM, "no %s in the host's answer", key ? key : "result");
	return 0;
}

int hcs_properties(struct hcs_system *s, char **out_json, struct hcs_error *err)
{
	return property(s, true, true, NULL, NULL, out_json, err);
}

int hcs_statistics(struct hcs_system *s, char **out_json, struct hcs_error *err)
{
	return property(s, true, false, "Statistics", NULL, out_json, err);
}

int hcs_process_list(struct hcs_system *s, char **out_json, struct hcs_error *err)
{
	return property(s, false, true, "ProcessList", json_array, out_json, err);
}

int hcs_mapped_virtual_disks(struct hcs_system *s, char **out_json, struct hcs_error *err)
{
	return property(s, false, false, "MappedVirtualDiskControllers", json_object, out_json, err);
}

/* An added folder or disk travels as a descriptor opened here, by the
 * caller: the host process may be jailed where HostPath is not visible. */
int hcs_modify(struct hcs_system *s, const char *request_json, struct hcs_error *err)
{
	struct hcs_resource_modification m;
	struct hcs_mapped_virtual_disk vd;
	struct hcs_mapped_dir md;
	struct uvm_error uerr = { 0 };
	json_t *result = NULL;
	int dir = -1, ret;
	bool disk;

	if (s->closed)
		return hcs_err(err, HCS_E_ALREADY_CLOSED, 0, "the handle was closed");
	if (hcs_resource_modification_parse(request_json, strlen(request_json), &m, &uerr) < 0)
		return hcs_err_from_uvm(err, &uerr, true);
	disk = !strcmp(m.resource_type, "MappedVirtualDisk");
	if (disk)
		ret = hcs_mapped_virtual_disk_parse(m.settings, m.settings_len, &vd, &uerr);
	else
		ret = hcs_mapped_dir_parse(m.settings, m.settings_len, &md, &uerr);
	if (ret == 0 && strcmp(m.request_type, "Remove")) {
		const char *path = disk ? vd.host_path : md.host_path;

		/* A disk is opened for writing unless ReadOnly: the host reopens it so. */
		dir = disk ? open(path, (vd.read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC)
			   : open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dir < 0)
			ret = uvm_err_sys(&uerr, -errno, "Settings.HostPath: %s", path);
	}
	if (disk)
		hcs_mapped_virtual_disk_free(&vd);
	else
		hcs_mapped_dir_free(&md);
	hcs_resource_modification_free(&m);
	if (ret < 0)
		return hcs_err_from_uvm(err, &uerr, true);
	ret = hcs_call_sending(s->fd, s->root, s->id,
			       json_pack("{s:s, s:s}", "op", "modify", "request", request_json),
			       &dir, dir >= 0 ? 1 : 0, &result, NULL, NULL, err);
	json_decref(result);
	if (dir >= 0)
		close(dir);
	return ret;
}
