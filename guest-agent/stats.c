/* Numbers about containers and processes: a cgroup v2 folder's memory, cpu,
 * io and pids files, the processes in a cgroup tree, and one process's
 * /proc/<pid>/stat, statm and cmdline. Read-only; which cgroup belongs to
 * which container is container.c's business. */
#include "agent.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../vmm/fileio.h"

#define CGROUP_DEPTH_MAX 8
#define CGROUP_PIDS_MAX  65536u

static int read_small(int dirfd, const char *name, char *buf, size_t size)
{
	return read_small_file(dirfd, name, buf, size, NULL);
}

static uint64_t parse_u64(const char *s)
{
	return strtoull(s, NULL, 10);
}

/* "key value" lines (cpu.stat): the value of key, 0 when absent. */
static uint64_t keyed_value(const char *text, const char *key)
{
	size_t klen = strlen(key);

	for (const char *line = text; line && *line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (!strncmp(line, key, klen) && line[klen] == ' ')
			return parse_u64(line + klen + 1);
	}
	return 0;
}

/* io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N ..." per device, summed. */
static void sum_io(const char *text, struct cgroup_stats *s)
{
	static const char *const keys[] = { "rbytes=", "wbytes=", "rios=", "wios=" };
	uint64_t *dst[] = { &s->io_read_bytes, &s->io_write_bytes, &s->io_read_ios,
			    &s->io_write_ios };

	for (const char *p = text; *p; p++) {
		if (p != text && p[-1] != ' ')
			continue;
		for (size_t k = 0; k < 4; k++) {
			if (!strncmp(p, keys[k], strlen(keys[k])))
				*dst[k] += parse_u64(p + strlen(keys[k]));
		}
	}
}

int stats_read_cgroup(const char *dir, struct cgroup_stats *out, struct uvm_error *err)
{
	char buf[8192];
	int dfd, ret;

	memset(out, 0, sizeof(*out));
	out->memory_max = UINT64_MAX;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return uvm_err_sys(err, -errno, "cgroup %s", dir);
	if (!(ret = read_small(dfd, "memory.current", buf, sizeof(buf))))
		out->memory_current = parse_u64(buf);
	if (!(ret = read_small(dfd, "memory.max", buf, sizeof(buf))) && strncmp(buf, "max", 3))
		out->memory_max = parse_u64(buf);
	if (!(ret = read_small(dfd, "memory.peak", buf, sizeof(buf)))) {
		out->memory_peak = parse_u64(buf);
		out->has_memory_peak = true;
	}
	if (!(ret = read_small(dfd, "cpu.stat", buf, sizeof(buf)))) {
		out->cpu_usage_usec = keyed_value(buf, "usage_usec");
		out->cpu_user_usec = keyed_value(buf, "user_usec");
		out->cpu_system_usec = keyed_value(buf, "system_usec");
	}
	if (!(ret = read_small(dfd, "io.stat", buf, sizeof(buf))))
		sum_io(buf, out);
	if (!(ret = read_small(dfd, "pids.current", buf, sizeof(buf))))
		out->pids_current = parse_u64(buf);
	close(dfd);
	/* A file missing means its controller is off: those numbers stay 0. */
	return 0;
}

struct pid_list {
	pid_t *pids;
	size_t n, cap;
};

static int add_pids(int dirfd, struct pid_list *l, struct uvm_error *err)
{
	char *buf = malloc(65536);
	int ret;

	if (!buf)
		return uvm_err(err, -ENOMEM, "out of memory");
	ret = read_small(dirfd, "cgroup.procs", buf, 65536);
	if (ret == -ENOENT || ret == -ENODEV)
		ret = 0, buf[0] = '\0';
	for (char *p = buf; !ret && *p;) {
		char *end;
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		p = end;
		while (*p == '\n')
			p++;
		if (v <= 0)
			continue;
		if (l->n == l->cap) {
			size_t cap = l->cap ? l->cap * 2 : 64;
			pid_t *np;

			if (cap > CGROUP_PIDS_MAX)
				break;
			np = realloc(l->pids, cap * sizeof(*np));
			if (!np) {
				ret = uvm_err(err, -ENOMEM, "out of memory");
				break;
			}
			l->pids = np;
			l->cap = cap;
		}
		l->pids[l->n++] = (pid_t)v;
	}
	free(buf);
	return ret;
}

static int walk_cgroup(int dirfd, int depth, struct pid_list *l, struct uvm_error *err)
{
	struct dirent *de;
	DIR *d;
	int ret = add_pids(dirfd, l, err);

	if (ret || depth >= CGROUP_DEPTH_MAX)
		return ret;
	d = fdopendir(dup(dirfd));
	if (!d)
		return 0;
	while (!ret && (de = readdir(d))) {
		int sub;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sub < 0)
			continue;
		ret = walk_cgroup(sub, depth + 1, l, err);
		close(sub);
	}
	closedir(d);
	return ret;
}

int stats_cgroup_pids(const char *dir, pid_t **pids, size_t *n, struct uvm_error *err)
{
	struct pid_list l = { 0 };
	int ret, dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	*pids = NULL;
	*n = 0;
	if (dfd < 0) {
		if (errno == ENOENT)   /* the container is gone: no processes */
			return 0;
		return uvm_err_sys(err, -errno, "cgroup %s", dir);
	}
	ret = walk_cgroup(dfd, 0, &l, err);
	close(dfd);
	if (ret) {
		free(l.pids);
		return ret;
	}
	*pids = l.pids;
	*n = l.n;
	return 0;
}

static uint64_t boot_time_s(const char *proc_root)
{
	char buf[16384], *p;
	int dfd = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	uint64_t v = 0;

	if (dfd < 0)
		return 0;
	if (!read_small(dfd, "stat", buf, sizeof(buf)) && (p = strstr(buf, "\nbtime ")))
		v = parse_u64(p + 7);
	close(dfd);
	return v;
}

int stats_read_proc(const char *proc_root, pid_t pid, struct proc_entry *out,
		    struct uvm_error *err)
{
	char path[64], buf[4096], *close_paren, *fields[32];
	long tick = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	size_t nf = 0, len;
	int dfd, ret;

	memset(out, 0, sizeof(*out));
	out->pid = pid;
	if (tick <= 0)
		tick = 100;
	snprintf(path, sizeof(path), "%s/%d", proc_root, (int)pid);
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return uvm_err_sys(err, -errno, "%s", path);
	ret = read_small(dfd, "stat", buf, sizeof(buf));
	if (ret) {
		uvm_err_sys(err, ret, "%s/stat", path);
		goto out;
	}
	/* "pid (comm) state ppid ...": comm may hold spaces and parentheses. */
	close_paren = strrchr(buf, ')');
	if (!close_paren || !strchr(buf, '(') || close_paren[1] != ' ') {
		ret = uvm_err(err, -EINVAL, "%s/stat: unexpected format", path);
		goto out;
	}
	*close_paren = '\0';
	snprintf(out->name, sizeof(out->name), "%s", strchr(buf, '(') + 1);
	for (char *save = NULL, *t = strtok_r(close_paren + 2, " ", &save); t && nf < 32;
	     t = strtok_r(NULL, " ", &save))
		fields[nf++] = t;
	if (nf < 22) {
		ret = uvm_err(err, -EINVAL, "%s/stat: %zu fields", path, nf + 2);
		goto out;
	}
	/* fields[0] is field 3 (state) of proc(5). */
	out->user_time_us = parse_u64(fields[11]) * 1000000u / (uint64_t)tick;
	out->kernel_time_us = parse_u64(fields[12]) * 1000000u / (uint64_t)tick;
	out->start_time_ns = boot_time_s(proc_root) * 1000000000u +
			     parse_u64(fields[19]) * 1000000000u / (uint64_t)tick;
	out->vsize_bytes = parse_u64(fields[20]);
	out->rss_bytes = parse_u64(fields[21]) * (uint64_t)page;
	if (!read_small(dfd, "statm", buf, sizeof(buf))) {
		char *p = buf;

		for (int i = 0; i < 2 && p; i++) {
			p = strchr(p, ' ');
			p = p ? p + 1 : NULL;
		}
		if (p)
			out->shared_bytes = parse_u64(p) * (uint64_t)page;
	}
	if (!read_small_file(dfd, "cmdline", out->command, sizeof(out->command), &len)) {
		/* Arguments are NUL-separated, the last one NUL-terminated. */
		while (len && out->command[len - 1] == '\0')
			len--;
		for (size_t i = 0; i < len; i++) {
			if (out->command[i] == '\0')
				out->command[i] = ' ';
		}
		out->command[len] = '\0';
	}
	ret = 0;
out:
	close(dfd);
	return ret;
}

int stats_cgroup_of(const char *proc_root, const char *cgroup_root, pid_t pid, char **dir,
		    struct uvm_error *err)
{
	char path[64], buf[4096], *line;
	int dfd, ret;

	snprintf(path, sizeof(path), "%s/%d", proc_root, (int)pid);
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return uvm_err_sys(err, -errno, "%s", path);
	ret = read_small(dfd, "cgroup", buf, sizeof(buf));
	close(dfd);
	if (ret)
		return uvm_err_sys(err, ret, "%s/cgroup", path);
	for (line = buf; line && *line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (!strncmp(line, "0::", 3)) {
			size_t len = strcspn(line + 3, "\n");

			if (asprintf(dir, "%s%.*s", cgroup_root,
				     (int)(len == 1 && line[3] == '/' ? 0 : len), line + 3) < 0)
				return uvm_err(err, -ENOMEM, "out of memory");
			return 0;
		}
	}
	return uvm_err(err, -ENOENT, "%s/cgroup: no cgroup v2 entry", path);
}
