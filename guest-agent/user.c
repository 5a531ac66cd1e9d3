/* User names to ids, as Docker's "User" strings mean them ("name", "uid",
 * "name:group", "uid:gid"), read from a root folder's etc/passwd and
 * etc/group (the container's, or the UVM's "/"), without NSS. Files are
 * opened with RESOLVE_IN_ROOT so a symlink cannot leave that root. Applying
 * the ids is crun's job (containers) or process.c's (the UVM). */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ID_FILE_MAX (4u << 20)

static int open_in_root(const char *root, const char *rel, int *fd)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
	int dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int ret = 0;

	if (dfd < 0)
		return -errno;
	*fd = (int)syscall(SYS_openat2, dfd, rel, &how, sizeof(how));
	if (*fd < 0 && errno == ENOSYS) {       /* kernels before 5.6 */
		char path[GCS_PATH_MAX + 64];

		snprintf(path, sizeof(path), "%s/%s", root, rel);
		*fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (*fd < 0)
		ret = -errno;
	close(dfd);
	return ret;
}

/* The whole file as a NUL-terminated string; -ENOENT when it is not there. */
static int slurp(const char *root, const char *rel, char **out, struct uvm_error *err)
{
	size_t len = 0, cap = 8192;
	char *buf;
	int fd, ret = open_in_root(root, rel, &fd);

	if (ret)
		return ret == -ENOENT ? ret : uvm_err_sys(err, ret, "%s/%s", root, rel);
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return uvm_err(err, -ENOMEM, "out of memory");
	}
	for (;;) {
		ssize_t n;

		if (len + 1 == cap) {
			char *p;

			if (cap >= ID_FILE_MAX) {
				ret = uvm_err(err, -EFBIG, "%s/%s: larger than %u bytes", root, rel,
					      ID_FILE_MAX);
				break;
			}
			p = realloc(buf, cap * 2);
			if (!p) {
				ret = uvm_err(err, -ENOMEM, "out of memory");
				break;
			}
			buf = p;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = uvm_err_sys(err, -errno, "%s/%s", root, rel);
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (ret) {
		free(buf);
		return ret;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

static bool parse_id(const char *s, size_t len, uint32_t *out)
{
	uint64_t v = 0;

	if (!len || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v >= UINT32_MAX)    /* (uid_t)-1 means "unchanged" to the kernel */
		return false;
	*out = (uint32_t)v;
	return true;
}

/* Split a passwd/group line into at most max fields (in place). */
static size_t split_fields(char *line, char **f, size_t max)
{
	size_t n = 0;

	f[n++] = line;
	for (char *p = line; *p && n < max; p++) {
		if (*p == ':') {
			*p = '\0';
			f[n++] = p + 1;
		}
	}
	return n;
}

/* Calls fn for each line with its fields; stops when fn returns true. */
static bool each_line(char *text, size_t min_fields,
		      bool (*fn)(char **f, size_t n, void *ctx), void *ctx)
{
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[8];
		size_t n;

		if (*line == '#')
			continue;
		n = split_fields(line, f, 8);
		if (n >= min_fields && fn(f, n, ctx))
			return true;
	}
	return false;
}

struct pw_query {
	const char *name;           /* match by name, or */
	uint32_t uid;               /* by uid when name is NULL */
	char found_name[256];
	uint32_t found_uid, found_gid;
	bool found;
};

static bool pw_match(char **f, size_t n, void *ctx)
{
	struct pw_query *q = ctx;
	uint32_t uid, gid;

	(void)n;
	if (!parse_id(f[2], strlen(f[2]), &uid) || !parse_id(f[3], strlen(f[3]), &gid))
		return false;
	if (q->name ? strcmp(f[0], q->name) != 0 : uid != q->uid)
		return false;
	snprintf(q->found_name, sizeof(q->found_name), "%s", f[0]);
	q->found_uid = uid;
	q->found_gid = gid;
	q->found = true;
	return true;
}

struct gr_query {
	const char *name;           /* a group by name (NULL: none) */
	uint32_t gid;
	bool found;
	const char *member;         /* collect groups listing this user */
	gid_t *groups;
	size_t n_groups;
	bool oom;
};

static bool gr_match(char **f, size_t n, void *ctx)
{
	struct gr_query *q = ctx;
	uint32_t gid;

	if (!parse_id(f[2], strlen(f[2]), &gid))
		return false;
	if (q->name && !q->found && !strcmp(f[0], q->name)) {
		q->gid = gid;
		q->found = true;
	}
	if (q->member && n >= 4 && q->n_groups < 64) {
		char *save = NULL;

		for (char *m = strtok_r(f[3], ",", &save); m; m = strtok_r(NULL, ",", &save)) {
			gid_t *g;

			if (strcmp(m, q->member))
				continue;
			g = realloc(q->groups, (q->n_groups + 1) * sizeof(*g));
			if (!g) {
				q->oom = true;
				return true;
			}
			q->groups = g;
			q->groups[q->n_groups++] = gid;
			break;
		}
	}
	return false;
}

void user_ids_free(struct user_ids *u)
{
	free(u->groups);
	memset(u, 0, sizeof(*u));
}

int user_resolve(const char *root, const char *spec, struct user_ids *out,
		 struct uvm_error *err)
{
	const char *colon = strchr(spec, ':');
	size_t ulen = colon ? (size_t)(colon - spec) : strlen(spec);
	const char *group = colon ? colon + 1 : NULL;
	struct pw_query pq = { 0 };
	struct gr_query gq = { 0 };
	char uname[256], *passwd = NULL, *grp = NULL;
	bool numeric_user;
	uint32_t id = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!ulen || ulen >= sizeof(uname) || (group && (!*group || strlen(group) >= 256)))
		return uvm_err(err, -EINVAL, "user \"%.64s\": expected name|uid[:group|gid]", spec);
	memcpy(uname, spec, ulen);
	uname[ulen] = '\0';
	numeric_user = parse_id(uname, ulen, &id);

	ret = slurp(root, "etc/passwd", &passwd, err);
	if (ret && ret != -ENOENT)
		return ret;
	if (passwd) {
		pq.name = numeric_user ? NULL : uname;
		pq.uid = id;
		each_line(passwd, 4, pw_match, &pq);
	}
	if (!numeric_user && !pq.found) {
		ret = uvm_err(err, -ENOENT, "user \"%s\": no such user in %s/etc/passwd", uname,
			      strcmp(root, "/") ? root : "");
		goto out;
	}
	out->uid = numeric_user ? id : pq.found_uid;
	out->gid = pq.found ? pq.found_gid : 0;

	ret = slurp(root, "etc/group", &grp, err);
	if (ret && ret != -ENOENT)
		goto out;
	ret = 0;
	if (group && parse_id(group, strlen(group), &id)) {
		out->gid = id;
		group = NULL;
	}
	if (grp) {
		gq.name = group;
		gq.member = pq.found ? pq.found_name : NULL;
		each_line(grp, 3, gr_match, &gq);
		if (gq.oom) {
			ret = uvm_err(err, -ENOMEM, "out of memory");
			goto out;
		}
	}
	if (group && !gq.found) {
		ret = uvm_err(err, -ENOENT, "group \"%s\": no such group in %s/etc/group", group,
			      strcmp(root, "/") ? root : "");
		goto out;
	}
	if (group)
		out->gid = gq.gid;
	out->groups = gq.groups;
	out->n_groups = gq.n_groups;
	gq.groups = NULL;
out:
	free(gq.groups);
	free(passwd);
	free(grp);
	return ret;
}
