/* A utility VM booted from a disk (HvRuntime BootSource "Vhd"): the host
 * puts uvm.root=SERIAL[,rw] on the kernel command line, and the agent, first
 * run from the initramfs that loaded the modules, mounts that disk (read-only
 * unless ",rw"), empties the initramfs to give its memory back, makes the
 * disk the root and runs the disk's own /init: the agent again, now on a
 * root that crun can pivot_root out of. */
#include "agent.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "../vmm/fileio.h"

#define NEW_ROOT "/newroot"

bool root_is_initramfs(void)
{
	struct statfs st;

	return statfs("/", &st) == 0 &&
	       ((unsigned long)st.f_type == 0x858458f6UL || (unsigned long)st.f_type == 0x01021994UL);
}

/* uvm.root=SERIAL[,rw] from the kernel command line; false without one. */
static bool root_wanted(char *serial, size_t size, bool *rw)
{
	static char text[4096];
	bool found = false;
	size_t len;
	char *p;

	if (read_small_file(AT_FDCWD, "/proc/cmdline", text, sizeof(text), NULL) < 0)
		return false;
	for (p = text; (p = strstr(p, "uvm.root=")); p++) {
		if (p != text && p[-1] != ' ')
			continue;
		p += strlen("uvm.root=");
		len = strcspn(p, ", \n");
		*rw = !strncmp(p + len, ",rw", 3);
		found = len > 0 && len < size;
		if (found)
			snprintf(serial, size, "%.*s", (int)len, p);
		break;
	}
	return found;
}

/* Everything of the initramfs under dirfd, staying on its device. */
static void empty_initramfs(int dirfd, dev_t rootdev)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *de;

	if (!d) {
		close(dirfd);
		return;
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != rootdev)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

			if (sub >= 0)
				empty_initramfs(sub, rootdev);
			unlinkat(dirfd, de->d_name, AT_REMOVEDIR);
		} else {
			unlinkat(dirfd, de->d_name, 0);
		}
	}
	closedir(d);
}

void init_switch_root(void)
{
	static const char *const moved[] = { "/dev", "/proc", "/sys", "/run" };
	char serial[GCS_SERIAL_MAX + 1], dev[64], path[64];
	struct uvm_error err = { 0 };
	const char *fstype;
	struct stat st;
	bool rw = false;
	int root;

	if (!root_wanted(serial, sizeof(serial), &rw) || !root_is_initramfs())
		return;
	if (storage_find_disk("/sys/block", serial, dev, sizeof(dev), &err) < 0 ||
	    storage_detect_fs(dev, &fstype, &err) < 0) {
		agent_log("uvm.root=%s: %s; staying on the initramfs", serial, err.msg);
		return;
	}
	if (!fstype) {
		agent_log("uvm.root=%s: %s holds no file system known here; staying on the "
			  "initramfs", serial, dev);
		return;
	}
	if ((mkdir(NEW_ROOT, 0755) < 0 && errno != EEXIST) ||
	    mount(dev, NEW_ROOT, fstype, rw ? 0 : MS_RDONLY, NULL) < 0) {
		agent_log("uvm.root: mount %s (%s) on %s: %s", dev, fstype, NEW_ROOT, strerror(errno));
		return;
	}
	if (stat(NEW_ROOT "/init", &st) < 0 || !(st.st_mode & S_IXUSR)) {
		agent_log("uvm.root: %s has no /init; staying on the initramfs", dev);
		umount2(NEW_ROOT, MNT_DETACH);
		return;
	}
	for (size_t i = 0; i < sizeof(moved) / sizeof(moved[0]); i++) {
		snprintf(path, sizeof(path), NEW_ROOT "%s", moved[i]);
		if (mount(moved[i], path, NULL, MS_MOVE, NULL) < 0)
			agent_log("uvm.root: moving %s: %s", moved[i], strerror(errno));
	}
	agent_log("root is now %s (%s, %s)", dev, fstype, rw ? "read-write" : "read-only");
	root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root >= 0 && fstat(root, &st) == 0)
		empty_initramfs(root, st.st_dev);     /* closes root */
	else if (root >= 0)
		close(root);
	if (chdir(NEW_ROOT) < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 ||
	    chdir("/") < 0) {
		agent_log("uvm.root: switching: %s", strerror(errno));
		init_power_off();
	}
	setenv("UVM_ROOT_SWITCHED", "1", 1);
	execl("/init", "/init", (char *)NULL);
	agent_log("uvm.root: /init: %s", strerror(errno));
	init_power_off();
}
