/* PID 1 duties of the agent in the UVM: the basic file systems (/proc, /sys,
 * /dev, /dev/pts, /dev/shm, /run, cgroup2 with its controllers enabled for
 * children), kernel modules from /lib/modules/load-order, the loopback
 * interface, and powering off. Never used in test mode; reaping is
 * process.c's, the main loop is loop.c's. */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../vmm/fileio.h"

#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4
#endif

struct basic_mount {
	const char *source, *target, *type;
	unsigned long flags;
	const char *data;
};

static const struct basic_mount basic_mounts[] = {
	{ "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
	{ "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
	{ "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755" },
	{ "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "mode=0620,ptmxmode=0666,gid=5" },
	{ "tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777" },
	{ "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755" },
	{ "cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
};

static int mount_basic(const struct basic_mount *m, struct uvm_error *err)
{
	if (mkdir(m->target, 0755) < 0 && errno != EEXIST)
		return uvm_err_sys(err, -errno, "mkdir %s", m->target);
	if (mount(m->source, m->target, m->type, m->flags, m->data) < 0 && errno != EBUSY)
		return uvm_err_sys(err, -errno, "mount %s on %s", m->type, m->target);
	return 0;
}

/* Let crun use every controller the kernel has in the cgroups it makes. */
static void enable_controllers(void)
{
	char list[1024], *save = NULL;
	int fd, ret;

	ret = read_small_file(AT_FDCWD, "/sys/fs/cgroup/cgroup.controllers", list, sizeof(list),
			      NULL);
	if (ret < 0) {
		agent_log("cgroup controllers: %s", strerror(-ret));
		return;
	}
	fd = open("/sys/fs/cgroup/cgroup.subtree_control", O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		agent_log("cgroup.subtree_control: %s", strerror(errno));
		return;
	}
	for (char *c = strtok_r(list, " \n", &save); c; c = strtok_r(NULL, " \n", &save)) {
		char word[64];
		int len = snprintf(word, sizeof(word), "+%s", c);

		/* One at a time: one that cannot be enabled spoils nothing else. */
		if (write(fd, word, (size_t)len) < 0)
			agent_log("cgroup controller %s: %s", c, strerror(errno));
	}
	close(fd);
}

static void dev_links(void)
{
	static const char *const links[][2] = {
		{ "/proc/self/fd", "/dev/fd" },   { "/proc/self/fd/0", "/dev/stdin" },
		{ "/proc/self/fd/1", "/dev/stdout" }, { "/proc/self/fd/2", "/dev/stderr" },
	};

	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		if (symlink(links[i][0], links[i][1]) < 0 && errno != EEXIST)
			agent_log("symlink %s: %s", links[i][1], strerror(errno));
	}
}

int init_pid1(struct uvm_error *err)
{
	for (size_t i = 0; i < sizeof(basic_mounts) / sizeof(basic_mounts[0]); i++) {
		int ret = mount_basic(&basic_mounts[i], err);

		if (ret)
			return ret;
	}
	dev_links();
	enable_controllers();
	setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
	return 0;
}

static bool compressed_module(const char *path)
{
	size_t len = strlen(path);

	return (len > 3 && !strcmp(path + len - 3, ".xz")) ||
	       (len > 4 && !strcmp(path + len - 4, ".zst")) ||
	       (len > 3 && !strcmp(path + len - 3, ".gz"));
}

void init_load_modules(const char *list)
{
	uint8_t *data;
	size_t len;
	char *text, *save = NULL;
	struct uvm_error err = { 0 };

	if (read_file(list, 1 << 20, &data, &len, &err) < 0) {
		if (err.code != -ENOENT)
			agent_log("%s", err.msg);
		return;
	}
	text = strndup((const char *)data, len);
	free(data);
	if (!text)
		return;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int fd, flags;

		line += strspn(line, " \t");
		if (!*line || *line == '#')
			continue;
		fd = open(line, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			agent_log("module %s: %s", line, strerror(errno));
			continue;
		}
		flags = compressed_module(line) ? MODULE_INIT_COMPRESSED_FILE : 0;
		if (syscall(SYS_finit_module, fd, "", flags) < 0 && errno != EEXIST)
			agent_log("module %s: %s", line, strerror(errno));
		else
			agent_debug("module %s loaded", line);
		close(fd);
	}
	free(text);
}

int init_loopback_up(struct uvm_error *err)
{
	struct ifreq ifr = { 0 };
	int ret = 0, fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return uvm_err_sys(err, -errno, "socket(AF_INET)");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		ret = uvm_err_sys(err, -errno, "SIOCGIFFLAGS lo");
	} else {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			ret = uvm_err_sys(err, -errno, "SIOCSIFFLAGS lo");
	}
	close(fd);
	return ret;
}

void init_power_off(void)
{
	agent_log("powering off");
	sync();
	for (;;) {
		reboot(RB_POWER_OFF);
		/* Only without CAP_SYS_BOOT; nothing better to do than wait. */
		pause();
	}
}
