/* The VMM's jail (jail.h), in the spirit of Firecracker's jailer: before
 * any thread exists, a private mount namespace whose root is an empty tmpfs
 * holding only what this VM uses, at the same paths (kernel and initrd
 * read-only, each disk and share with its own access, the vsock socket's
 * folder and the host sockets routed to vsock ports, a /dev/kvm node made for the jail's user, a /proc showing only
 * processes, not other users'), then the user and group, with no
 * supplementary groups and no capabilities left. */
#include "jail.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define NEW_ROOT "/tmp"              /* a folder every system has; hidden, not used */
#define MAX_PATHS (2 + VMM_MAX_DISKS + VMM_MAX_SHARES + VMM_MAX_VSOCK_ROUTES + 1)

struct exposed {
	const char *path;
	bool read_only;
	bool dir;
	int fd;                          /* O_PATH, opened before /tmp is covered */
};

/* mkdir -p for the folders of `path` under NEW_ROOT. */
static int make_dirs(const char *path, bool last_too)
{
	char buf[PATH_MAX];
	size_t root = strlen(NEW_ROOT);

	if (root + strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	snprintf(buf, sizeof(buf), "%s%s", NEW_ROOT, path);
	for (char *p = buf + root + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (last_too && mkdir(buf, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int expose(const struct exposed *e, struct uvm_error *err)
{
	char target[PATH_MAX], source[64];
	int fd, ret;

	if ((ret = make_dirs(e->path, e->dir)) < 0)
		return uvm_err_sys(err, ret, "jail: %s", e->path);
	snprintf(target, sizeof(target), "%s%s", NEW_ROOT, e->path);
	if (!e->dir) {
		fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			return uvm_err_sys(err, -errno, "jail: %s", target);
		close(fd);
	}
	/* The source through its descriptor: its path may be under /tmp. */
	snprintf(source, sizeof(source), "/proc/self/fd/%d", e->fd);
	if (mount(source, target, NULL, MS_BIND, NULL) < 0)
		return uvm_err_sys(err, -errno, "jail: bind %s", e->path);
	if (e->read_only &&
	    mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
		return uvm_err_sys(err, -errno, "jail: read-only %s", e->path);
	return 0;
}

/* Absolute path of p (relative ones against the current folder). */
static int absolute(const char *p, char *out, size_t size)
{
	char cwd[PATH_MAX];

	if (p[0] == '/')
		return snprintf(out, size, "%s", p) < (int)size ? 0 : -ENAMETOOLONG;
	if (!getcwd(cwd, sizeof(cwd)))
		return -errno;
	return snprintf(out, size, "%s/%s", cwd, p) < (int)size ? 0 : -ENAMETOOLONG;
}

int vmm_jail_enter(const struct vmm_config *cfg, struct uvm_error *err)
{
	static char paths[MAX_PATHS][PATH_MAX];
	struct exposed ex[MAX_PATHS];
	size_t n = 0;
	char vsock_dir[PATH_MAX];
	int ret = 0;

	if (!cfg->jail.enabled)
		return 0;
	for (size_t i = 0; i < MAX_PATHS; i++)
		ex[i].fd = -1;
	/* What the VM uses, each opened now. */
	{
		const char *p[MAX_PATHS];
		bool ro[MAX_PATHS], dir[MAX_PATHS];

		p[n] = cfg->kernel, ro[n] = true, dir[n++] = false;
		if (cfg->initrd)
			p[n] = cfg->initrd, ro[n] = true, dir[n++] = false;
		for (unsigned i = 0; i < cfg->ndisks; i++)
			p[n] = cfg->disks[i].path, ro[n] = cfg->disks[i].read_only, dir[n++] = false;
		for (unsigned i = 0; i < cfg->nshares; i++)
			p[n] = cfg->shares[i].host_path, ro[n] = cfg->shares[i].read_only, dir[n++] = true;
		for (unsigned i = 0; i < cfg->vsock.nroutes; i++)
			p[n] = cfg->vsock.routes[i].path, ro[n] = false, dir[n++] = false;
		if (cfg->vsock.path) {
			char *slash;

			if ((ret = absolute(cfg->vsock.path, vsock_dir, sizeof(vsock_dir))) < 0)
				return uvm_err_sys(err, ret, "jail: --vsock %s", cfg->vsock.path);
			slash = strrchr(vsock_dir, '/');
			if (slash == vsock_dir)
				return uvm_err(err, -EINVAL, "jail: the vsock socket cannot be in /");
			*slash = '\0';
			p[n] = vsock_dir, ro[n] = false, dir[n++] = true;
		}
		for (size_t i = 0; i < n; i++) {
			if ((ret = absolute(p[i], paths[i], sizeof(paths[i]))) < 0)
				return uvm_err_sys(err, ret, "jail: %s", p[i]);
			if (strcmp(paths[i], NEW_ROOT) == 0) {
				ret = uvm_err(err, -EINVAL, "jail: %s cannot be shared whole", NEW_ROOT);
				goto out;
			}
			ex[i] = (struct exposed){ .path = paths[i], .read_only = ro[i], .dir = dir[i],
						  .fd = -1 };
		}
	}
	if (unshare(CLONE_NEWNS) < 0) {
		ret = uvm_err_sys(err, -errno, "jail: a new mount namespace (needs root)");
		goto out;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		ret = uvm_err_sys(err, -errno, "jail: private mounts");
		goto out;
	}
	/* Open each in the new namespace (binds come from it), before /tmp
	 * is covered. */
	for (size_t i = 0; i < n; i++) {
		ex[i].fd = open(paths[i], O_PATH | O_CLOEXEC);
		if (ex[i].fd < 0) {
			ret = uvm_err_sys(err, -errno, "jail: %s", paths[i]);
			goto out;
		}
	}
	if (mount("tmpfs", NEW_ROOT, "tmpfs", MS_NOSUID, "mode=0755,size=1m") < 0) {
		ret = uvm_err_sys(err, -errno, "jail: the new root");
		goto out;
	}
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = expose(&ex[i], err);
	if (ret == 0 && (make_dirs("/dev/kvm", false) < 0 ||
			 mknod(NEW_ROOT "/dev/kvm", S_IFCHR | 0600, makedev(10, 232)) < 0 ||
			 chown(NEW_ROOT "/dev/kvm", cfg->jail.uid, cfg->jail.gid) < 0))
		ret = uvm_err_sys(err, -errno, "jail: /dev/kvm");
	if (ret == 0 && (mkdir(NEW_ROOT "/.old", 0700) < 0 ||
			 syscall(SYS_pivot_root, NEW_ROOT, NEW_ROOT "/.old") < 0 ||
			 chdir("/") < 0 || umount2("/.old", MNT_DETACH) < 0 || rmdir("/.old") < 0))
		ret = uvm_err_sys(err, -errno, "jail: pivot_root");
	/* The 9p server and disk probing reopen files through /proc/self/fd:
	 * a proc of processes only (no /proc/sys, kcore, ...), showing no
	 * other user's processes. */
	if (ret == 0 && (mkdir("/proc", 0555) < 0 ||
			 mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			       "hidepid=invisible,subset=pid") < 0))
		ret = uvm_err_sys(err, -errno, "jail: /proc");
	/* The root is done: read-only from here. */
	if (ret == 0 && mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID, NULL) < 0)
		ret = uvm_err_sys(err, -errno, "jail: read-only root");
	if (ret == 0 && (setgroups(0, NULL) < 0 ||
			 setresgid(cfg->jail.gid, cfg->jail.gid, cfg->jail.gid) < 0 ||
			 setresuid(cfg->jail.uid, cfg->jail.uid, cfg->jail.uid) < 0))
		ret = uvm_err_sys(err, -errno, "jail: user %u, group %u", cfg->jail.uid, cfg->jail.gid);
out:
	for (size_t i = 0; i < n; i++)
		if (ex[i].fd >= 0)
			close(ex[i].fd);
	return ret;
}
