/* A container's file systems in the UVM: disks found by their virtio-blk
 * serial in /sys/block, read-only layers, the scratch disk (formatted ext4 on
 * first use) or a tmpfs, the overlay root, 9p shares and extra disks, each
 * mount recorded so it can be undone. The spec's own mounts are crun's job;
 * the bind entries that bring these into the container are bundle.c's. */
#include "agent.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../vmm/fileio.h"

#define DISK_WAIT_MS     2000     /* disks probed late at boot */
#define OVERLAY_DATA_MAX 4095     /* mount data is one page */
#define P9_MOUNT_MSIZE   262144

int mkdir_p(const char *path, mode_t mode, struct uvm_error *err)
{
	char buf[GCS_PATH_MAX + 1];
	size_t len = strlen(path);

	if (len > GCS_PATH_MAX)
		return uvm_err(err, -ENAMETOOLONG, "%.64s...: path too long", path);
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1;; p++) {
		if (*p == '/' || !*p) {
			char c = *p;

			*p = '\0';
			if (mkdir(buf, mode) < 0 && errno != EEXIST)
				return uvm_err_sys(err, -errno, "mkdir %s", buf);
			*p = c;
			if (!c)
				break;
		}
	}
	return 0;
}

static bool serial_matches(const char *sys_block, const char *name, const char *serial)
{
	char path[GCS_PATH_MAX + 1], buf[64];
	size_t n;

	snprintf(path, sizeof(path), "%s/%s/serial", sys_block, name);
	if (read_small_file(AT_FDCWD, path, buf, sizeof(buf), &n) < 0 || n == 0)
		return false;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\0'))
		n--;
	buf[n] = '\0';
	return !strcmp(buf, serial);
}

static int find_disk_once(const char *sys_block, const char *serial, char *dev, size_t dev_len,
			  struct uvm_error *err)
{
	struct dirent *de;
	DIR *d = opendir(sys_block);
	int ret = -ENOENT;

	if (!d)
		return uvm_err_sys(err, -errno, "%s", sys_block);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !serial_matches(sys_block, de->d_name, serial))
			continue;
		snprintf(dev, dev_len, "/dev/%s", de->d_name);
		ret = 0;
		break;
	}
	closedir(d);
	return ret;
}

int storage_find_disk(const char *sys_block, const char *serial, char *dev, size_t dev_len,
		      struct uvm_error *err)
{
	for (int waited = 0;; waited += 100) {
		struct timespec nap = { 0, 100 * 1000000L };
		int ret = find_disk_once(sys_block, serial, dev, dev_len, err);

		if (ret != -ENOENT)
			return ret;
		if (waited >= DISK_WAIT_MS || strcmp(sys_block, "/sys/block"))
			break;
		nanosleep(&nap, NULL);
	}
	return uvm_err(err, -ENOENT, "no disk with serial \"%s\" in %s", serial, sys_block);
}

int storage_detect_fs(const char *dev, const char **fstype, struct uvm_error *err)
{
	enum { SPAN = 0x10048 };
	uint8_t *b = calloc(1, SPAN);
	ssize_t got = 0;
	int fd;

	*fstype = NULL;
	if (!b)
		return uvm_err(err, -ENOMEM, "out of memory");
	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(b);
		return uvm_err_sys(err, -errno, "%s", dev);
	}
	while (got < SPAN) {   /* a short device reads as zeros past its end */
		ssize_t n = pread(fd, b + got, (size_t)(SPAN - got), got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			free(b);
			return uvm_err_sys(err, -e, "read %s", dev);
		}
		if (n == 0)
			break;
		got += n;
	}
	close(fd);
	if (get_le16(b + 1080) == 0xef53)
		*fstype = "ext4";
	else if (!memcmp(b, "XFSB", 4))
		*fstype = "xfs";
	else if (!memcmp(b + 0x10040, "_BHRfS_M", 8))
		*fstype = "btrfs";
	else if (!memcmp(b, "hsqs", 4))
		*fstype = "squashfs";
	else if (get_le32(b + 1024) == 0xe0f5e1e2)
		*fstype = "erofs";
	else if (b[510] == 0x55 && b[511] == 0xaa && (!memcmp(b + 54, "FAT", 3) ||
						       !memcmp(b + 82, "FAT32", 5)))
		*fstype = "vfat";
	free(b);
	return 0;
}

static int record_mount(struct mount_list *m, const char *target, struct uvm_error *err)
{
	char **paths = realloc(m->paths, (m->n + 1) * sizeof(*paths));

	if (!paths)
		return uvm_err(err, -ENOMEM, "out of memory");
	m->paths = paths;
	m->paths[m->n] = strdup(target);
	if (!m->paths[m->n])
		return uvm_err(err, -ENOMEM, "out of memory");
	m->n++;
	return 0;
}

static int do_mount(struct mount_list *m, const char *src, const char *target, const char *type,
		    unsigned long flags, const char *data, struct uvm_error *err)
{
	int ret = mkdir_p(target, 0755, err);

	if (ret)
		return ret;
	if (mount(src, target, type, flags, data) < 0)
		return uvm_err_sys(err, -errno, "mount %s (%s) on %s", src, type, target);
	agent_debug("mounted %s (%s) on %s", src, type, target);
	ret = record_mount(m, target, err);
	if (ret)
		umount2(target, MNT_DETACH);
	return ret;
}

void storage_teardown(struct mount_list *m)
{
	while (m->n) {
		char *path = m->paths[--m->n];

		if (umount2(path, 0) < 0 && umount2(path, MNT_DETACH) < 0)
			agent_log("unmount %s: %s", path, strerror(errno));
		free(path);
	}
	free(m->paths);
	m->paths = NULL;
}

static const char *find_mke2fs(void)
{
	static const char *const candidates[] = { "/sbin/mke2fs", "/usr/sbin/mke2fs",
						  "/bin/mke2fs", "/usr/bin/mke2fs" };

	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		if (access(candidates[i], X_OK) == 0)
			return candidates[i];
	}
	return NULL;
}

int storage_mount_disk(struct agent *a, struct container *c, const char *what,
		       const char *serial, const char *fstype, bool read_only, bool format,
		       const char *target, struct uvm_error *err)
{
	char dev[300];
	const char *found;
	int ret = storage_find_disk(a->opt.sys_block, serial, dev, sizeof(dev), err);

	if (!ret)
		ret = storage_detect_fs(dev, &found, err);
	if (!ret && !found && format) {
		const char *mke2fs = find_mke2fs();
		const char *argv[] = { mke2fs, "-q", "-F", "-t", "ext4", dev, NULL };

		if (!mke2fs)
			ret = uvm_err(err, -ENOENT, "mke2fs not found in the UVM");
		else
			ret = run_program(argv, MKFS_TIMEOUT_MS, err);
		found = "ext4";
		if (!ret)
			agent_log("formatted scratch disk %s (%s) as ext4", serial, dev);
	}
	if (!ret && !fstype && !found)
		ret = uvm_err(err, -EINVAL, "disk %s (%s): no file system found", serial, dev);
	if (!ret) {
		const char *type = fstype ? fstype : found;
		/* A read-only ext4 must not replay its journal. */
		const char *data = read_only && !strcmp(type, "ext4") ? "noload" : NULL;

		ret = do_mount(&c->mounts, dev, target, type, read_only ? MS_RDONLY : 0, data, err);
	}
	if (ret)
		uvm_err_prefix(err, "%s: ", what);
	return ret;
}

static int add_bind(struct container *c, const char *dest, const char *src, bool ro,
		    struct uvm_error *err)
{
	struct bundle_mount *b = realloc(c->binds, (c->n_binds + 1) * sizeof(*b));

	if (!b)
		return uvm_err(err, -ENOMEM, "out of memory");
	c->binds = b;
	b = &c->binds[c->n_binds];
	b->destination = strdup(dest);
	b->source = strdup(src);
	b->read_only = ro;
	if (!b->destination || !b->source) {
		free(b->destination);
		free(b->source);
		return uvm_err(err, -ENOMEM, "out of memory");
	}
	c->n_binds++;
	return 0;
}

static int setup_overlay(struct agent *a, struct container *c, const struct storage_request *st,
			 struct uvm_error *err)
{
	char path[GCS_PATH_MAX + 64], what[64], data[OVERLAY_DATA_MAX + 1];
	size_t used = 0;
	int ret = 0;

	used = (size_t)snprintf(data, sizeof(data), "lowerdir=");
	for (size_t i = 0; i < st->n_layers && !ret; i++) {
		snprintf(path, sizeof(path), "%s/layers/%zu", c->dir, i);
		snprintf(what, sizeof(what), "layer %zu", i);
		ret = storage_mount_disk(a, c, what, st->layers[i].serial, NULL, true, false, path, err);
		if (!ret)
			used += (size_t)snprintf(data + used, sizeof(data) - used, "%s%s",
						 i ? ":" : "", path);
		if (used >= sizeof(data))
			ret = uvm_err(err, -EINVAL, "storage.layers: too many for one overlay mount");
	}
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/scratch", c->dir);
	if (st->scratch_serial) {
		ret = storage_mount_disk(a, c, "scratch", st->scratch_serial, NULL, false, true, path, err);
	} else {
		char opts[64];

		if (st->scratch_tmpfs_mb)
			snprintf(opts, sizeof(opts), "mode=0755,size=%llum",
				 (unsigned long long)st->scratch_tmpfs_mb);
		else
			snprintf(opts, sizeof(opts), "mode=0755");
		ret = do_mount(&c->mounts, "tmpfs", path, "tmpfs", 0, opts, err);
	}
	if (!ret) {
		snprintf(path, sizeof(path), "%s/scratch/upper", c->dir);
		ret = mkdir_p(path, 0755, err);
	}
	if (!ret) {
		snprintf(path, sizeof(path), "%s/scratch/work", c->dir);
		ret = mkdir_p(path, 0755, err);
	}
	if (ret)
		return ret;
	used += (size_t)snprintf(data + used, sizeof(data) - used,
				 ",upperdir=%s/scratch/upper,workdir=%s/scratch/work", c->dir, c->dir);
	if (used >= sizeof(data))
		return uvm_err(err, -EINVAL, "storage.layers: too many for one overlay mount");
	snprintf(path, sizeof(path), "%s/rootfs", c->dir);
	ret = do_mount(&c->mounts, "overlay", path, "overlay", 0, data, err);
	if (!ret && !(c->rootfs = strdup(path)))
		ret = uvm_err(err, -ENOMEM, "out of memory");
	return ret;
}

void storage_9p_options(const struct storage_dir *d, char *opts, size_t size)
{
	snprintf(opts, size, "trans=virtio,version=9p2000.L,msize=%d%s%s", P9_MOUNT_MSIZE,
		 d->aname ? ",aname=" : "", d->aname ? d->aname : "");
}

int storage_mount_9p(struct mount_list *m, const struct storage_dir *d, const char *target,
		     struct uvm_error *err)
{
	char opts[GCS_TAG_MAX + 128];

	storage_9p_options(d, opts, sizeof(opts));
	return do_mount(m, d->tag, target, "9p", d->read_only ? MS_RDONLY : 0, opts, err);
}

int storage_unmount_one(struct mount_list *m, const char *target, struct uvm_error *err)
{
	for (size_t i = m->n; i-- > 0;) {
		if (strcmp(m->paths[i], target))
			continue;
		/* Lazily: a process in there keeps its files until it lets go. */
		if (umount2(target, MNT_DETACH) < 0)
			return uvm_err_sys(err, -errno, "unmount %s", target);
		free(m->paths[i]);
		memmove(&m->paths[i], &m->paths[i + 1], (m->n - i - 1) * sizeof(*m->paths));
		m->n--;
		return 0;
	}
	return uvm_err(err, -ENOENT, "nothing mounted at %s", target);
}

static int setup_dirs(struct container *c, const struct storage_request *st,
		      struct uvm_error *err)
{
	char target[GCS_PATH_MAX + 64];
	int ret = 0;

	for (size_t i = 0; i < st->n_dirs && !ret; i++) {
		const struct storage_dir *d = &st->dirs[i];

		if (d->uvm_path)
			snprintf(target, sizeof(target), "%s", d->uvm_path);
		else
			snprintf(target, sizeof(target), "%s/binds/%zu", c->dir, i);
		ret = storage_mount_9p(&c->mounts, d, target, err);
		if (ret)
			uvm_err_prefix(err, "mapped directory %zu: ", i);
		else if (d->container_path)
			ret = add_bind(c, d->container_path, target, d->read_only, err);
	}
	return ret;
}

static int setup_disks(struct agent *a, struct container *c, const struct storage_request *st,
		       struct uvm_error *err)
{
	char target[GCS_PATH_MAX + 64], what[64];
	int ret = 0;

	for (size_t i = 0; i < st->n_disks && !ret; i++) {
		const struct storage_disk *d = &st->disks[i];

		if (d->uvm_path)
			snprintf(target, sizeof(target), "%s", d->uvm_path);
		else
			snprintf(target, sizeof(target), "%s/disks/%zu", c->dir, i);
		snprintf(what, sizeof(what), "mapped disk %zu", i);
		ret = storage_mount_disk(a, c, what, d->serial, d->fstype, d->read_only, false, target, err);
		if (!ret && d->container_path)
			ret = add_bind(c, d->container_path, target, d->read_only, err);
	}
	return ret;
}

/* Each pipe's socket in the bundle, relayed to the host, bound into the
 * container at its path. */
static int setup_pipes(struct container *c, const struct storage_request *st,
		       struct uvm_error *err)
{
	char path[GCS_PATH_MAX + 64];
	int ret = 0;

	if (!st->n_pipes)
		return 0;
	snprintf(path, sizeof(path), "%s/pipes", c->dir);
	ret = mkdir_p(path, 0755, err);
	for (size_t i = 0; i < st->n_pipes && !ret; i++) {
		snprintf(path, sizeof(path), "%s/pipes/%zu.sock", c->dir, i);
		ret = pipe_relay_start(path, st->pipes[i].port, &c->relays[c->n_relays], err);
		if (!ret) {
			c->n_relays++;
			ret = add_bind(c, st->pipes[i].container_path, path, false, err);
		}
		if (ret)
			uvm_err_prefix(err, "mapped pipe %zu: ", i);
	}
	return ret;
}

int storage_setup(struct agent *a, struct container *c, const struct storage_request *st,
		  struct uvm_error *err)
{
	int ret;

	if (st->rootfs) {
		struct stat sb;

		if (stat(st->rootfs, &sb) < 0)
			return uvm_err_sys(err, -errno, "storage.rootfs %s", st->rootfs);
		if (!S_ISDIR(sb.st_mode))
			return uvm_err(err, -EINVAL, "storage.rootfs %s: not a folder", st->rootfs);
		c->rootfs = strdup(st->rootfs);
		if (!c->rootfs)
			return uvm_err(err, -ENOMEM, "out of memory");
	} else {
		ret = setup_overlay(a, c, st, err);
		if (ret)
			return ret;
	}
	ret = setup_dirs(c, st, err);
	if (!ret)
		ret = setup_disks(a, c, st, err);
	if (!ret)
		ret = setup_pipes(c, st, err);
	return ret;
}
