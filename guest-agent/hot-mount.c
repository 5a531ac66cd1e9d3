/* Mapped folders added to a running container, or to its utility VM, and
 * taken away again (HCS Modify). A folder for the container is mounted by a
 * short-lived child that has entered the container's mount namespace and
 * root (through its init's /proc entries), so the path resolves as the
 * container sees it and a symlink planted in the container cannot send the
 * mount outside it. A folder for the UVM is mounted by the agent itself and
 * recorded with the container's mounts, so deleting the container undoes it. */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#define HOT_MOUNT_TIMEOUT_MS 30000    /* a 9p mount is a few round trips */

struct child_report {
	int code;
	char msg[sizeof(((struct uvm_error *)0)->msg)];
};

typedef int (*in_container_fn)(const void *arg, struct uvm_error *err);

/* The child: enter the namespace and root, act, report. Never returns. */
static void container_child(int ns, int root, int report_fd, in_container_fn fn,
			    const void *arg)
{
	struct uvm_error err = { 0 };
	struct child_report r = { 0 };

	if (setns(ns, CLONE_NEWNS) < 0)
		uvm_err_sys(&err, -errno, "entering the container's mount namespace");
	else if (fchdir(root) < 0 || chroot(".") < 0 || chdir("/") < 0)
		uvm_err_sys(&err, -errno, "entering the container's root");
	else
		fn(arg, &err);
	r.code = err.code;
	snprintf(r.msg, sizeof(r.msg), "%s", err.msg);
	if (write(report_fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(1);
	_exit(0);
}

static int in_container(struct container *c, in_container_fn fn, const void *arg,
			struct uvm_error *err)
{
	struct child_report r = { .code = -EIO };
	int ns = -1, root = -1, pipefd[2] = { -1, -1 }, wstatus, ret = 0;
	char path[64];
	ssize_t n;
	pid_t pid = -1;

	if (c->state != CONTAINER_RUNNING || c->init_pid <= 0)
		return uvm_err(err, -EBUSY, "container \"%s\" is not running", c->id);
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)c->init_pid);
	ns = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/root", (int)c->init_pid);
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ns < 0 || root < 0)
		ret = uvm_err_sys(err, -errno, "container \"%s\": %s", c->id, path);
	else if (pipe2(pipefd, O_CLOEXEC) < 0)
		ret = uvm_err_sys(err, -errno, "pipe");
	else if ((pid = fork()) < 0)
		ret = uvm_err_sys(err, -errno, "fork");
	else if (pid == 0)
		container_child(ns, root, pipefd[1], fn, arg);
	if (ns >= 0)
		close(ns);
	if (root >= 0)
		close(root);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (ret) {
		if (pipefd[0] >= 0)
			close(pipefd[0]);
		return ret;
	}
	do
		n = read(pipefd[0], &r, sizeof(r));
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	ret = wait_child(pid, HOT_MOUNT_TIMEOUT_MS, &wstatus);
	if (ret)
		return uvm_err_sys(err, ret, "container \"%s\": waiting for the mount", c->id);
	if (n != (ssize_t)sizeof(r))
		return uvm_err(err, -EIO, "container \"%s\": the mount helper died", c->id);
	if (r.code) {
		r.msg[sizeof(r.msg) - 1] = '\0';
		return uvm_err(err, r.code, "container \"%s\": %s", c->id, r.msg);
	}
	return 0;
}

/* In the container: make the mount point, mount the folder. */
static int mount_here(const void *arg, struct uvm_error *err)
{
	const struct storage_dir *d = arg;
	char opts[GCS_TAG_MAX + 128];
	int ret = mkdir_p(d->container_path, 0755, err);

	if (ret)
		return ret;
	storage_9p_options(d, opts, sizeof(opts));
	if (mount(d->tag, d->container_path, "9p", d->read_only ? MS_RDONLY : 0, opts) < 0)
		return uvm_err_sys(err, -errno, "mount %s on %s", d->tag, d->container_path);
	return 0;
}

/* In the container: take the folder away (lazily: open files stay open). */
static int unmount_here(const void *arg, struct uvm_error *err)
{
	const char *path = arg;

	if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
		return uvm_err_sys(err, -errno, "unmount %s", path);
	return 0;
}

int hot_mount_dir(struct container *c, const struct storage_dir *d, struct uvm_error *err)
{
	if (!d->container_path == !d->uvm_path)
		return uvm_err(err, -EINVAL, "directory: needs container_path or uvm_path, "
			       "not both");
	if (d->uvm_path)
		return storage_mount_9p(&c->mounts, d, d->uvm_path, err);
	return in_container(c, mount_here, d, err);
}

int hot_unmount_dir(struct container *c, const char *container_path, const char *uvm_path,
		    struct uvm_error *err)
{
	if (!container_path == !uvm_path)
		return uvm_err(err, -EINVAL, "needs container_path or uvm_path, not both");
	if (uvm_path)
		return storage_unmount_one(&c->mounts, uvm_path, err);
	return in_container(c, unmount_here, container_path, err);
}
