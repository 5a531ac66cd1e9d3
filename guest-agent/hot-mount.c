/* Mapped folders and disks added to a running container, or to its utility
 * VM, and taken away again (HCS Modify). Mounts for the container are made
 * by a short-lived child that has entered the container's mount namespace
 * and root (through its init's /proc entries), so the path resolves as the
 * container sees it and a symlink planted in the container cannot send the
 * mount outside it: a folder is mounted there directly; a disk is mounted
 * in the UVM first (its device node is not in the container) and that
 * mount moved in (open_tree + move_mount). Mounts in the UVM are recorded
 * with the container's, so deleting the container undoes them. */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../vmm/fileio.h"

#define HOT_MOUNT_TIMEOUT_MS 30000    /* a 9p mount is a few round trips */
#define DISK_SIZE_WAIT_MS 5000        /* the guest reads the new capacity late */

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

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
	/* A mount that hangs (a 9p server that never answers) must not hang
	 * the agent: past the deadline the helper is killed. */
	{
		struct pollfd p = { .fd = pipefd[0], .events = POLLIN };
		int ready;

		do
			ready = poll(&p, 1, HOT_MOUNT_TIMEOUT_MS);
		while (ready < 0 && errno == EINTR);
		n = -1;
		if (ready > 0) {
			do
				n = read(pipefd[0], &r, sizeof(r));
			while (n < 0 && errno == EINTR);
		} else {
			kill(pid, SIGKILL);
		}
	}
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

/* ---- disks ---- */

struct moved_mount {
	int tree;                     /* a detached copy of the UVM mount */
	const char *path;             /* where it goes in the container */
};

static int move_here(const void *arg, struct uvm_error *err)
{
	const struct moved_mount *m = arg;
	int ret = mkdir_p(m->path, 0755, err);

	if (ret)
		return ret;
	if (syscall(SYS_move_mount, m->tree, "", AT_FDCWD, m->path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return uvm_err_sys(err, -errno, "move_mount on %s", m->path);
	return 0;
}

/* Wait until the guest has read the inserted disk's capacity. */
static int wait_for_size(const char *serial, struct uvm_error *err)
{
	char dev[300], path[340], size[32];

	for (int waited = 0;; waited += 50) {
		struct timespec nap = { 0, 50 * 1000000L };

		if (storage_find_disk("/sys/block", serial, dev, sizeof(dev), err) < 0)
			return err->code;
		snprintf(path, sizeof(path), "/sys/block/%s/size", dev + strlen("/dev/"));
		if (read_small_file(AT_FDCWD, path, size, sizeof(size), NULL) == 0 &&
		    strtoull(size, NULL, 10) > 0)
			return 0;
		if (waited >= DISK_SIZE_WAIT_MS)
			return uvm_err(err, -ENXIO, "disk %s (%s): still empty after %d ms", serial,
				       dev, DISK_SIZE_WAIT_MS);
		nanosleep(&nap, NULL);
	}
}

static void staging_path(const struct container *c, const char *serial, char *buf, size_t size)
{
	snprintf(buf, size, "%s/hot/%s", c->dir, serial);
}

int hot_mount_disk(struct agent *a, struct container *c, const struct storage_disk *d,
		   struct uvm_error *err)
{
	char staging[GCS_PATH_MAX + 64];
	struct moved_mount m;
	int ret;

	if (!d->container_path == !d->uvm_path)
		return uvm_err(err, -EINVAL, "disk: needs container_path or uvm_path, not both");
	if (!d->uvm_path && (c->state != CONTAINER_RUNNING || c->init_pid <= 0))
		return uvm_err(err, -EBUSY, "container \"%s\" is not running", c->id);
	if ((ret = wait_for_size(d->serial, err)))
		return ret;
	if (d->uvm_path)
		return storage_mount_disk(a, c, "disk", d->serial, d->fstype, d->read_only, false,
					  d->uvm_path, err);
	staging_path(c, d->serial, staging, sizeof(staging));
	ret = storage_mount_disk(a, c, "disk", d->serial, d->fstype, d->read_only, false, staging,
				 err);
	if (ret)
		return ret;
	m.path = d->container_path;
	m.tree = (int)syscall(SYS_open_tree, AT_FDCWD, staging, OPEN_TREE_CLONE | O_CLOEXEC);
	if (m.tree < 0)
		ret = uvm_err_sys(err, -errno, "open_tree %s", staging);
	else
		ret = in_container(c, move_here, &m, err);
	if (m.tree >= 0)
		close(m.tree);
	if (ret)
		storage_unmount_one(&c->mounts, staging, NULL);
	return ret;
}

int hot_unmount_disk(struct container *c, const char *serial, const char *container_path,
		     const char *uvm_path, struct uvm_error *err)
{
	char staging[GCS_PATH_MAX + 64];
	int ret;

	if (!container_path == !uvm_path)
		return uvm_err(err, -EINVAL, "needs container_path or uvm_path, not both");
	if (uvm_path)
		return storage_unmount_one(&c->mounts, uvm_path, err);
	ret = in_container(c, unmount_here, container_path, err);
	staging_path(c, serial, staging, sizeof(staging));
	if (storage_unmount_one(&c->mounts, staging, ret ? NULL : err) < 0 && !ret)
		ret = err->code;
	return ret;
}
