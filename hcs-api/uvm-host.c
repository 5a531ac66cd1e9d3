/* The host process of one compute system (uvm-host.h): state folder lock,
 * control socket and its connection threads, booting the VM on start,
 * host-side CPU limits, and recording the end. */
#include "uvm-host.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "../vmm/fileio.h"
#include "../vmm/jail.h"
#include "../vmm/live.h"
#include "control-wire.h"
#include "uvm-host-internal.h"
#include "uvm-state.h"

/* Write text to an existing file (cgroup knobs) or a new one (0600). */
static int write_text(const char *path, const char *text, bool create)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT | O_TRUNC : 0),
		      0600);
	int ret;

	if (fd < 0)
		return -errno;
	ret = write_full(fd, text, strlen(text));
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	return ret;
}

const char *host_state_name(enum host_state s)
{
	switch (s) {
	case HOST_CREATED: return "Created";
	case HOST_STARTING: return "Starting";
	case HOST_RUNNING: return "Running";
	case HOST_STOPPED: return "Stopped";
	}
	return "Unknown";
}

void host_request_start(struct host *h)
{
	pthread_mutex_lock(&h->lock);
	h->start_requested = true;
	pthread_cond_broadcast(&h->changed);
	pthread_mutex_unlock(&h->lock);
}

/* Stop the VM now: the main thread's signalfd takes a SIGTERM aimed at it. */
void host_request_stop(struct host *h)
{
	pthread_mutex_lock(&h->lock);
	h->stop_requested = true;
	if (h->state == HOST_STARTING || h->state == HOST_RUNNING)
		syscall(SYS_tgkill, getpid(), h->main_tid, SIGTERM);
	pthread_cond_broadcast(&h->changed);
	pthread_mutex_unlock(&h->lock);
}

void host_last_error(struct host *h, char *buf, size_t size)
{
	char path[sizeof(h->dir) + 32], tail[4096];
	ssize_t n = 0;
	off_t end;
	int fd;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", h->dir, STATE_CONSOLE);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	end = lseek(fd, 0, SEEK_END);
	if (end > 0)
		n = pread(fd, tail, sizeof(tail) - 1, end > (off_t)sizeof(tail) - 1 ? end - (off_t)sizeof(tail) + 1 : 0);
	close(fd);
	if (n <= 0)
		return;
	tail[n] = '\0';
	for (char *line = strtok(tail, "\n"); line; line = strtok(NULL, "\n"))
		if (strncmp(line, "uvmrun: ", 8) == 0)
			snprintf(buf, size, "%s", line + 8);
}

void host_handle_closed(struct host *h)
{
	bool last;

	pthread_mutex_lock(&h->lock);
	last = h->handles > 0 && --h->handles == 0;
	pthread_mutex_unlock(&h->lock);
	if (last && h->cc.terminate_on_last_handle_closed)
		host_request_stop(h);
}

struct conn {
	struct host *h;
	int fd;
};

static void *conn_thread(void *arg)
{
	struct conn *c = arg;
	bool is_handle = false;

	for (;;) {
		int fds[CONTROL_MAX_FDS], out_fds[CONTROL_MAX_FDS];
		size_t nfds, n_out = 0;
		json_t *req, *resp;
		bool hello = false;

		if (control_recv(c->fd, &req, fds, &nfds) < 0)
			break;
		resp = host_handle_request(c->h, req, fds, nfds, out_fds, &n_out, &hello);
		json_decref(req);
		for (size_t i = 0; i < nfds; i++)
			if (fds[i] >= 0)
				close(fds[i]);     /* the ones the handler did not keep */
		if (hello && !is_handle) {
			is_handle = true;
			pthread_mutex_lock(&c->h->lock);
			c->h->handles++;
			c->h->had_handles = true;
			pthread_mutex_unlock(&c->h->lock);
		}
		if (!resp || control_send(c->fd, resp, out_fds, n_out) < 0) {
			json_decref(resp);
			for (size_t i = 0; i < n_out; i++)
				close(out_fds[i]);
			break;
		}
		json_decref(resp);
		for (size_t i = 0; i < n_out; i++)
			close(out_fds[i]);
	}
	if (is_handle)
		host_handle_closed(c->h);
	close(c->fd);
	free(c);
	return NULL;
}

struct acceptor {
	struct host *h;
	int fd;
};

static void *accept_thread(void *arg)
{
	struct acceptor *a = arg;

	for (;;) {
		int fd = accept4(a->fd, NULL, NULL, SOCK_CLOEXEC);
		struct conn *c;
		pthread_t t;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE)
				continue;
			return NULL;
		}
		c = malloc(sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->h = a->h;
		c->fd = fd;
		if (pthread_create(&t, NULL, conn_thread, c) != 0) {
			close(fd);
			free(c);
			continue;
		}
		pthread_detach(t);
	}
}

static int listen_control(struct host *h, struct uvm_error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[sizeof(h->dir) + 32];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", h->dir, STATE_CONTROL);
	if (strlen(path) >= sizeof(sa.sun_path))
		return uvm_err(err, -ENAMETOOLONG, "control socket %s: path too long for a Unix "
			       "socket; use a shorter --root", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return uvm_err_sys(err, -errno, "socket");
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0) {
		int e = errno;

		close(fd);
		return uvm_err_sys(err, -e, "control socket %s", path);
	}
	return fd;
}

/* ProcessorMaximum and ProcessorWeight as cgroup v2 limits on this process,
 * where the unified hierarchy is writable; otherwise said on stderr (the
 * console log) and left. */
static void apply_cpu_limits(struct host *h)
{
	char dir[512], file[600], val[64];
	int ok = 1;

	if (!h->plan.cpu_weight && !h->plan.cpu_max_quota_us)
		return;
	snprintf(dir, sizeof(dir), "/sys/fs/cgroup/uvmrun");
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		ok = 0;
	ok = ok && write_text("/sys/fs/cgroup/cgroup.subtree_control", "+cpu", false) == 0;
	snprintf(file, sizeof(file), "%s/cgroup.subtree_control", dir);
	ok = ok && write_text(file, "+cpu", false) == 0;
	snprintf(dir, sizeof(dir), "/sys/fs/cgroup/uvmrun/%s", h->id);
	ok = ok && (mkdir(dir, 0755) == 0 || errno == EEXIST);
	if (ok && h->plan.cpu_weight) {
		snprintf(file, sizeof(file), "%s/cpu.weight", dir);
		snprintf(val, sizeof(val), "%llu", (unsigned long long)(h->plan.cpu_weight ? h->plan.cpu_weight : 100));
		ok = write_text(file, val, false) == 0;
	}
	if (ok && h->plan.cpu_max_quota_us) {
		snprintf(file, sizeof(file), "%s/cpu.max", dir);
		snprintf(val, sizeof(val), "%llu 100000", (unsigned long long)h->plan.cpu_max_quota_us);
		ok = write_text(file, val, false) == 0;
	}
	if (ok) {
		snprintf(file, sizeof(file), "%s/cgroup.procs", dir);
		snprintf(val, sizeof(val), "%d", getpid());
		ok = write_text(file, val, false) == 0;
	}
	if (!ok)
		fprintf(stderr, "uvmrun: ProcessorWeight/ProcessorMaximum not applied: cgroup v2 "
			"under /sys/fs/cgroup is not writable here (%s)\n", strerror(errno));
}

static int load_config(struct host *h, struct uvm_error *err)
{
	char path[sizeof(h->dir) + 32];
	uint8_t *text = NULL;
	size_t len = 0;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", h->dir, STATE_CONFIG);
	if ((ret = read_file(path, 4 << 20, &text, &len, err)) < 0)
		return ret;
	ret = hcs_container_config_parse((const char *)text, len, &h->cc, err);
	free(text);
	if (ret == 0)
		ret = plan_build(&h->cc, h->dir, &h->plan, err);
	if (ret == 0 && (ret = vmm_live_create(&h->live, err)) == 0)
		h->plan.vm.live = h->live;
	if (ret == 0)
		ret = vmm_config_check(&h->plan.vm, err);
	return ret;
}

static void write_state_file(struct host *h, const char *name, const char *text)
{
	char path[sizeof(h->dir) + 32], tmp[sizeof(path) + 8];

	snprintf(path, sizeof(path), "%s/%s", h->dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	/* renameat: the seccomp allow-list has it, not rename. */
	if (write_text(tmp, text, true) == 0)
		renameat(AT_FDCWD, tmp, AT_FDCWD, path);
}

static void remove_sockets(struct host *h)
{
	char path[sizeof(h->dir) + 64];

	snprintf(path, sizeof(path), "%s/%s", h->dir, STATE_CONTROL);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", h->dir, STATE_VSOCK);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s_%u", h->dir, STATE_VSOCK, GCS_PORT);
	unlink(path);
}

static void report_ready(int *ready_fd, const char *msg)
{
	if (*ready_fd < 0)
		return;
	if (write(*ready_fd, msg, strlen(msg)) < 0) {
		/* the creator went away; nothing to tell */
	}
	close(*ready_fd);
	*ready_fd = -1;
}

/* The console and the descriptors the VM reads and writes. */
static int open_console(struct host *h, struct uvm_error *err)
{
	char path[sizeof(h->dir) + 32];
	int out, in;

	snprintf(path, sizeof(path), "%s/%s", h->dir, STATE_CONSOLE);
	out = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (out < 0)
		return uvm_err_sys(err, -errno, "%s", path);
	in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		close(out);
		return uvm_err_sys(err, -errno, "/dev/null");
	}
	h->plan.vm.console_out = out;
	h->plan.vm.console_in = in;
	/* The VMM's own messages go to the log too. */
	dup2(out, STDERR_FILENO);
	dup2(out, STDOUT_FILENO);
	return 0;
}

/* Run the VM to its end and record how it ended. */
static int run_vm(struct host *h)
{
	char line[64];
	int status = vmm_run(&h->plan.vm);

	snprintf(line, sizeof(line), "%d\n", status);
	write_state_file(h, STATE_EXIT, line);
	return status;
}

/* What the host needs made as root before it may give that up: the scratch
 * disk, the host-side CPU limits, and with a jail, its files handed to the
 * jail's user and the jail itself (vmm/jail.c). Runs with one thread. */
static int prepare(struct host *h, const struct vmm_jail *jail, struct uvm_error *err)
{
	static const char *const owned[] = { "", STATE_LOCK, STATE_CONSOLE, STATE_PID,
					     STATE_CONFIG };
	char path[sizeof(h->dir) + 32];
	int ret;

	if ((ret = plan_create_scratch(&h->plan, &h->cc, err)) < 0 ||
	    (ret = plan_boot_files(&h->plan, h->dir, err)) < 0)
		return ret;
	apply_cpu_limits(h);
	if (!jail->enabled)
		return 0;
	for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
		snprintf(path, sizeof(path), "%s%s%s", h->dir, owned[i][0] ? "/" : "", owned[i]);
		if (lchown(path, jail->uid, jail->gid) < 0 && errno != ENOENT)
			return uvm_err_sys(err, -errno, "jail: %s", path);
	}
	/* The agent's socket: the jailed VMM connects to it for the guest. */
	snprintf(path, sizeof(path), "%s/%s_%u", h->dir, STATE_VSOCK, GCS_PORT);
	if (lchown(path, jail->uid, jail->gid) < 0)
		return uvm_err_sys(err, -errno, "jail: %s", path);
	if (h->plan.scratch[0] && chown(h->plan.scratch, jail->uid, jail->gid) < 0)
		return uvm_err_sys(err, -errno, "jail: %s", h->plan.scratch);
	h->plan.vm.jail = *jail;
	ret = vmm_jail_enter(&h->plan.vm, err);
	h->plan.vm.jail.enabled = false;          /* done once, here */
	return ret;
}

int uvm_host_main(const char *root, const char *id, int ready_fd, const struct vmm_jail *jail)
{
	static struct host host;          /* one per process: this process is one VM */
	struct host *h = &host;
	struct uvm_error err = { 0 };
	struct acceptor acc;
	sigset_t stop;
	pthread_t t;
	char pidline[32], lock_path[sizeof(h->dir) + 16];
	int lock_fd, ctl;

	memset(h, 0, sizeof(*h));
	h->root = root;
	h->id = id;
	h->main_tid = (pid_t)syscall(SYS_gettid);
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->changed, NULL);
	pthread_mutex_init(&h->modify_lock, NULL);
	snprintf(h->dir, sizeof(h->dir), "%s/%s", root, id);

	if (path_fmt(lock_path, sizeof(lock_path), "%s/%s", h->dir, STATE_LOCK) < 0) {
		report_ready(&ready_fd, "state folder path too long\n");
		return 125;
	}
	lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) < 0) {
		report_ready(&ready_fd, "another host process holds this compute system\n");
		return 125;
	}
	if (load_config(h, &err) < 0 || open_console(h, &err) < 0 ||
	    gcs_client_listen(h->plan.vsock, &h->gcs, &err) < 0) {
		char msg[600];

		snprintf(msg, sizeof(msg), "%s\n", err.msg);
		report_ready(&ready_fd, msg);
		return 125;
	}
	/* Stop signals reach the VMM's signalfd, never a control thread. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	sigaddset(&stop, SIGQUIT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((ctl = listen_control(h, &err)) < 0) {
		char msg[600];

		snprintf(msg, sizeof(msg), "%s\n", err.msg);
		report_ready(&ready_fd, msg);
		gcs_client_destroy(h->gcs);
		return 125;
	}
	snprintf(pidline, sizeof(pidline), "%d\n", getpid());
	write_state_file(h, STATE_PID, pidline);
	if (prepare(h, jail, &err) < 0) {
		char msg[600];

		snprintf(msg, sizeof(msg), "%s\n", err.msg);
		report_ready(&ready_fd, msg);
		gcs_client_destroy(h->gcs);
		close(ctl);
		remove_sockets(h);
		return 125;
	}
	acc.h = h;
	acc.fd = ctl;
	if (pthread_create(&t, NULL, accept_thread, &acc) != 0) {
		report_ready(&ready_fd, "cannot start the control thread\n");
		return 125;
	}
	pthread_detach(t);
	report_ready(&ready_fd, "ok\n");

	pthread_mutex_lock(&h->lock);
	while (!h->start_requested && !h->stop_requested)
		pthread_cond_wait(&h->changed, &h->lock);
	if (h->stop_requested) {
		/* The exit file first: whoever sees Stopped can read it. */
		write_state_file(h, STATE_EXIT, "0\n");
		h->state = HOST_STOPPED;
		h->exit_status = 0;
		pthread_mutex_unlock(&h->lock);
	} else {
		h->state = HOST_STARTING;
		pthread_mutex_unlock(&h->lock);
		h->exit_status = run_vm(h);
		pthread_mutex_lock(&h->lock);
		h->state = HOST_STOPPED;
		pthread_mutex_unlock(&h->lock);
	}
	pthread_mutex_lock(&h->lock);
	pthread_cond_broadcast(&h->changed);
	pthread_mutex_unlock(&h->lock);
	/* Let waiters on other threads answer before the process ends. */
	usleep(200000);
	remove_sockets(h);
	return 0;
}
