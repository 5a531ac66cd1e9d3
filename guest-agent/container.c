/* Containers: the table, and their life driven through crun: create (storage
 * and the bundle folder), start (crun create + crun start of the init
 * process), exec (crun exec --detach), kill, delete (crun delete, unmount,
 * remove the bundle). Namespaces, cgroups, capabilities, seccomp, rlimits,
 * user, hostname and the spec's mounts are crun's job, not this file's. */
#include "agent.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <unistd.h>

struct container *container_find(struct agent *a, const char *id)
{
	for (struct container *c = a->containers; c; c = c->next) {
		if (!strcmp(c->id, id))
			return c;
	}
	return NULL;
}

int container_id_check(const char *id, struct uvm_error *err)
{
	size_t len = strlen(id);

	if (!len || len > GCS_ID_MAX)
		return uvm_err(err, -EINVAL, "id: 1 to %u characters", GCS_ID_MAX);
	for (size_t i = 0; i < len; i++) {
		char ch = id[i];
		bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			     (ch >= '0' && ch <= '9');

		if (!alnum && (i == 0 || !strchr("_.-", ch)))
			return uvm_err(err, -EINVAL, "id: \"%.64s\" must be letters, digits, "
				       "'_', '.' and '-', starting with a letter or digit", id);
	}
	return 0;
}

void container_free(struct container *c)
{
	for (size_t i = 0; i < c->n_binds; i++) {
		free(c->binds[i].destination);
		free(c->binds[i].source);
	}
	free(c->binds);
	json_decref(c->spec);
	free(c->dir);
	free(c->rootfs);
	free(c->cgroup_dir);
	free(c);
}

/* Empty folders only: if an unmount failed, rmdir fails too and nothing
 * below a mount is ever deleted. */
static void remove_bundle(const char *dir)
{
	static const char *const subdirs[] = { "layers", "binds", "disks", "pipes" };
	char path[GCS_PATH_MAX + 64];
	struct dirent *de;
	DIR *d;

	for (size_t i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, subdirs[i]);
		d = opendir(path);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			if (de->d_name[0] != '.' &&
			    unlinkat(dirfd(d), de->d_name, de->d_type == DT_DIR ? AT_REMOVEDIR : 0) < 0)
				agent_log("remove %s/%s: %s", path, de->d_name, strerror(errno));
		}
		closedir(d);
		rmdir(path);
	}
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || !strcmp(de->d_name, "..")))
			continue;
		if (de->d_type == DT_DIR)
			unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR);
		else
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
	if (rmdir(dir) < 0)
		agent_log("remove %s: %s", dir, strerror(errno));
}

int container_create(struct agent *a, const char *id, json_t *spec,
		     const struct storage_request *st, struct uvm_error *err)
{
	struct container *c;
	int ret;

	if (container_find(a, id))
		return uvm_err(err, -EEXIST, "container \"%s\" exists", id);
	if (a->n_containers >= GCS_CONTAINERS_MAX)
		return uvm_err(err, -EMFILE, "too many containers (at most %u)", GCS_CONTAINERS_MAX);
	c = calloc(1, sizeof(*c));
	if (!c)
		return uvm_err(err, -ENOMEM, "out of memory");
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->spec = json_incref(spec);
	if (asprintf(&c->dir, "%s/%s", a->containers_dir, id) < 0) {
		c->dir = NULL;
		ret = uvm_err(err, -ENOMEM, "out of memory");
		goto fail;
	}
	ret = mkdir_p(c->dir, 0700, err);
	if (!ret)
		ret = storage_setup(a, c, st, err);
	if (ret) {
		pipe_relays_stop(c);
		storage_teardown(&c->mounts);
		remove_bundle(c->dir);
		goto fail;
	}
	c->state = CONTAINER_CREATED;
	c->next = a->containers;
	a->containers = c;
	a->n_containers++;
	agent_log("container %s created, root %s", id, c->rootfs);
	return 0;
fail:
	container_free(c);
	return ret;
}

static int console_listen(const char *path, int *fd, struct uvm_error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sa.sun_path))
		return uvm_err(err, -ENAMETOOLONG, "%s: socket path too long", path);
	strcpy(sa.sun_path, path);
	unlink(path);
	*fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (*fd < 0)
		return uvm_err_sys(err, -errno, "socket");
	if (bind(*fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(*fd, 1) < 0) {
		int ret = uvm_err_sys(err, -errno, "console socket %s", path);

		close(*fd);
		*fd = -1;
		return ret;
	}
	return 0;
}

/* crun has connected and sent the terminal's master with SCM_RIGHTS by the
 * time it exits, so this never waits. */
static int console_receive(int listen_fd, int *master, struct uvm_error *err)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} ctl;
	char data[256];
	struct iovec iov = { data, sizeof(data) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *cm;
	int conn, ret = 0;

	*master = -1;
	conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (conn < 0)
		return uvm_err_sys(err, -errno, "crun sent no terminal");
	if (recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) < 0)
		ret = uvm_err_sys(err, -errno, "receiving the terminal from crun");
	for (cm = CMSG_FIRSTHDR(&msg); !ret && cm; cm = CMSG_NXTHDR(&msg, cm)) {
		size_t n;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (*master < 0)
				*master = fd;
			else
				close(fd);
		}
	}
	close(conn);
	if (!ret && *master < 0)
		ret = uvm_err(err, -EPROTO, "crun sent no terminal file descriptor");
	return ret;
}

/* What start and exec share: a tracked process whose stdio is open, the
 * terminal's console socket, and the pid file crun writes. */
struct launch {
	struct process *p;
	int child_fds[3];
	int console_fd;
	char console[GCS_PATH_MAX + 64];
	char pid_file[GCS_PATH_MAX + 64];
};

static int launch_prepare(struct agent *a, struct container *c, const struct stdio_params *sp,
			  const char *name, struct launch *l, struct uvm_error *err)
{
	int ret;

	l->console_fd = -1;
	l->child_fds[0] = l->child_fds[1] = l->child_fds[2] = -1;
	l->p = process_new(a, err);
	if (!l->p)
		return err ? err->code : -ENOMEM;
	snprintf(l->p->container_id, sizeof(l->p->container_id), "%s", c->id);
	snprintf(l->pid_file, sizeof(l->pid_file), "%s/%s.pid", c->dir, name);
	snprintf(l->console, sizeof(l->console), "%s/%s.sock", c->dir, name);
	unlink(l->pid_file);
	ret = stdio_open(a, l->p, sp, false, l->child_fds, err);
	if (!ret && sp->terminal)
		ret = console_listen(l->console, &l->console_fd, err);
	return ret;
}

/* After crun made the process: its terminal and pid; then it is tracked. */
static int launch_finish(struct agent *a, const struct stdio_params *sp, struct launch *l,
			 struct uvm_error *err)
{
	int master, ret = 0;

	stdio_close_child_fds(l->child_fds);
	if (sp->terminal) {
		ret = console_receive(l->console_fd, &master, err);
		if (!ret)
			ret = stdio_attach_master(l->p, master, sp->rows, sp->cols, err);
	}
	if (!ret)
		ret = read_pid_file(l->pid_file, &l->p->pid, err);
	if (ret)
		return ret;
	process_register(a, l->p);
	return 0;
}

static void launch_cleanup(struct agent *a, struct launch *l, bool failed)
{
	stdio_close_child_fds(l->child_fds);
	if (l->console_fd >= 0) {
		close(l->console_fd);
		unlink(l->console);
	}
	if (failed && l->p)
		process_discard(a, l->p);
}


int container_start(struct agent *a, struct container *c, const struct process_params *pp,
		    const struct stdio_params *sp, struct process **out, struct uvm_error *err)
{
	struct bundle_params bp = {
		.rootfs = c->rootfs, .binds = c->binds, .n_binds = c->n_binds,
		.terminal = sp->terminal, .rows = sp->rows, .cols = sp->cols,
	};
	char cgroups_path[GCS_ID_MAX + 32];
	struct launch l = { 0 };
	json_t *cfg = NULL;
	int ret;

	if (c->state != CONTAINER_CREATED)
		return uvm_err(err, -EBUSY, "container \"%s\" was already started", c->id);
	snprintf(cgroups_path, sizeof(cgroups_path), "/containers/%s", c->id);
	bp.cgroups_path = cgroups_path;
	ret = bundle_config(c->spec, &bp, pp, &cfg, err);
	if (!ret)
		ret = bundle_write_json(c->dir, "config.json", cfg, err);
	json_decref(cfg);
	if (!ret)
		ret = launch_prepare(a, c, sp, "init", &l, err);
	if (ret)
		goto out;
	l.p->is_init = true;
	{
		/* pivot_root(2) cannot leave the initramfs (rootfs) the UVM runs
		 * from: there crun moves the container's root over / and chroots
		 * instead (--no-pivot, as Docker does on a ramdisk). The VM stays
		 * the isolation boundary; see docs/gcs-protocol.md. */
		const char *args[10];
		size_t n = 0;

		args[n++] = "create";
		if (root_is_initramfs())
			args[n++] = "--no-pivot";
		args[n++] = "--bundle";
		args[n++] = c->dir;
		args[n++] = "--pid-file";
		args[n++] = l.pid_file;
		if (sp->terminal) {
			args[n++] = "--console-socket";
			args[n++] = l.console;
		}
		args[n++] = c->id;
		args[n] = NULL;

		c->crun_knows = true;
		ret = crun_run(a, args, l.child_fds, CRUN_TIMEOUT_MS, err);
	}
	if (!ret)
		ret = launch_finish(a, sp, &l, err);
	if (ret) {
		/* crun may hold a half-made container: forget it, so a new start can work. */
		const char *args[] = { "delete", "--force", c->id, NULL };
		const int fds[3] = { -1, -1, -1 };

		if (c->crun_knows)
			crun_run(a, args, fds, CRUN_TIMEOUT_MS, NULL);
		c->crun_knows = false;
		goto out;
	}
	/* Tracked from here: a failure below is reaped like any exit. */
	c->init_id = l.p->id;
	c->init_pid = l.p->pid;
	*out = l.p;
	l.p = NULL;
	if (stats_cgroup_of("/proc", a->opt.cgroup_root, c->init_pid, &c->cgroup_dir, NULL) &&
	    asprintf(&c->cgroup_dir, "%s%s", a->opt.cgroup_root, cgroups_path) < 0)
		c->cgroup_dir = NULL;   /* a guess: where the cgroupsPath we set would put it */
	{
		const char *args[] = { "start", c->id, NULL };
		const int fds[3] = { -1, -1, -1 };

		ret = crun_run(a, args, fds, CRUN_TIMEOUT_MS, err);
	}
	if (ret) {
		kill(c->init_pid, SIGKILL);
		(*out)->released = true;
		c->state = CONTAINER_STOPPED;
		goto out;
	}
	c->state = CONTAINER_RUNNING;
	clock_gettime(CLOCK_REALTIME, &c->started);
	agent_log("container %s started, init pid %d", c->id, c->init_pid);
out:
	launch_cleanup(a, &l, ret != 0);
	return ret;
}

int container_exec(struct agent *a, struct container *c, const struct process_params *pp,
		   const struct stdio_params *sp, struct process **out, struct uvm_error *err)
{
	char name[32], proc_file[GCS_PATH_MAX + 64];
	struct launch l = { 0 };
	json_t *proc = NULL;
	int ret;

	if (c->state != CONTAINER_RUNNING)
		return uvm_err(err, -EBUSY, "container \"%s\" is not running", c->id);
	snprintf(name, sizeof(name), "exec-%u", ++c->exec_seq);
	snprintf(proc_file, sizeof(proc_file), "%s/%s.json", c->dir, name);
	ret = bundle_process(c->spec, c->rootfs, pp, sp->terminal, sp->rows, sp->cols, &proc, err);
	if (!ret)
		ret = bundle_write_json(c->dir, strrchr(proc_file, '/') + 1, proc, err);
	json_decref(proc);
	if (!ret)
		ret = launch_prepare(a, c, sp, name, &l, err);
	if (!ret) {
		const char *args[] = { "exec", "--detach", "--pid-file", l.pid_file, "--process",
				       proc_file, sp->terminal ? "--console-socket" : c->id,
				       sp->terminal ? l.console : NULL, sp->terminal ? c->id : NULL,
				       NULL };

		ret = crun_run(a, args, l.child_fds, CRUN_TIMEOUT_MS, err);
	}
	if (!ret)
		ret = launch_finish(a, sp, &l, err);
	if (!ret) {
		*out = l.p;
		l.p = NULL;
	}
	launch_cleanup(a, &l, ret != 0);
	unlink(proc_file);
	unlink(l.pid_file);
	return ret;
}

void container_kill(struct agent *a, struct container *c, int sig, bool all)
{
	struct uvm_error err = { 0 };
	const int fds[3] = { -1, -1, -1 };
	char signum[16];
	const char *args[] = { "kill", all ? "--all" : c->id, all ? c->id : signum,
			       all ? signum : NULL, NULL };

	if (!c->crun_knows || c->state != CONTAINER_RUNNING)
		return;
	snprintf(signum, sizeof(signum), "%d", sig);
	if (crun_run(a, args, fds, CRUN_TIMEOUT_MS, &err) && c->init_pid > 0 && !all) {
		/* crun may refuse a container whose init just died. */
		kill(c->init_pid, sig);
	}
}

int container_delete(struct agent *a, struct container *c, struct uvm_error *err)
{
	(void)err;
	if (c->state == CONTAINER_RUNNING)
		container_kill(a, c, SIGKILL, true);
	if (c->crun_knows) {
		struct uvm_error cerr = { 0 };
		const char *args[] = { "delete", "--force", c->id, NULL };
		const int fds[3] = { -1, -1, -1 };

		if (crun_run(a, args, fds, CRUN_TIMEOUT_MS, &cerr))
			agent_log("container %s: %s", c->id, cerr.msg);
	}
	pipe_relays_stop(c);
	storage_teardown(&c->mounts);
	remove_bundle(c->dir);
	for (struct container **pc = &a->containers; *pc; pc = &(*pc)->next) {
		if (*pc == c) {
			*pc = c->next;
			a->n_containers--;
			break;
		}
	}
	agent_log("container %s deleted", c->id);
	container_free(c);
	return 0;
}

void container_init_exited(struct agent *a, struct container *c, int status)
{
	c->state = CONTAINER_STOPPED;
	c->exit_status = status;
	agent_log("container %s: init exited with status %d", c->id, status);
	agent_send(a, GCS_MSG_EVENT, 0,
		   json_pack("{s:s, s:s, s:i}", "event", "container_exited", "container", c->id,
			     "exit_status", status));
}
