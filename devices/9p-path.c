/* Confined lookups for the 9P server: one name at a time relative to a
 * directory descriptor, ".." checked against the export root, reopening an
 * O_PATH descriptor for IO without resolving a path again. No protocol here. */
#include "9p-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int p9_name_copy(const struct p9_str *in, char out[P9_NAME_BUF], bool allow_dotdot)
{
	if (in->len == 0)
		return -EINVAL;
	if (in->len > NAME_MAX)
		return -ENAMETOOLONG;
	if (memchr(in->s, '/', in->len) || memchr(in->s, '\0', in->len))
		return -EINVAL;
	memcpy(out, in->s, in->len);
	out[in->len] = '\0';
	if (!strcmp(out, "."))
		return -EINVAL;
	if (!allow_dotdot && !strcmp(out, ".."))
		return -EINVAL;
	return 0;
}

void p9_proc_path(int fd, char buf[P9_PROC_PATH_MAX])
{
	snprintf(buf, P9_PROC_PATH_MAX, "/proc/self/fd/%d", fd);
}

/* One validated name (no "/", not "." or "..") under dirfd, symlinks and
 * magic links refused by the kernel too; a trailing symlink opened with
 * O_PATH|O_NOFOLLOW gives the link itself. */
static int open_beneath(int dirfd, const char *name, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, dirfd, name, &how, sizeof(how));

	if (fd < 0 && errno == ENOSYS)
		fd = openat(dirfd, name, flags | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? -errno : (int)fd;
}

int p9_node_from_fd(int fd, struct p9_budget *fds, struct p9_node *parent, const char *name,
		    struct p9_node **out)
{
	struct stat st;
	int ret;

	if (!p9_budget_take(fds, 1)) {
		close(fd);
		return -ENFILE;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto fail;
	}
	*out = p9_node_new(fd, &st, fds, parent, name);
	if (*out)
		return 0;
	ret = -ENOMEM;
fail:
	close(fd);
	p9_budget_give(fds, 1);
	return ret;
}

int p9_lookup_child(struct p9_node *dir, const char *name, struct p9_node **out)
{
	int fd;

	if (dir->type != S_IFDIR)
		return -ENOTDIR;
	fd = open_beneath(dir->fd, name, O_PATH | O_NOFOLLOW);
	if (fd < 0)
		return fd;
	return p9_node_from_fd(fd, dir->fds, dir, name, out);
}

static bool same_inode(const struct stat *st, const struct p9_node *n)
{
	return st->st_dev == n->dev && st->st_ino == n->ino;
}

/* Is the directory at fd the export root or below it? Walks up through ".."
 * (which follows the host's real tree, mounts included) until it meets the
 * root, or the top of the host's tree, where it has escaped. */
static int check_beneath(const struct p9_node *root, int fd)
{
	struct stat st, up_st;
	int cur, up, ret = -ELOOP;

	cur = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (cur < 0)
		return -errno;
	for (int depth = 0; depth < P9_DOTDOT_DEPTH; depth++) {
		if (fstat(cur, &st) < 0) {
			ret = -errno;
			break;
		}
		if (same_inode(&st, root)) {
			ret = 0;
			break;
		}
		up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (up < 0) {
			ret = -errno;
			break;
		}
		if (fstat(up, &up_st) < 0) {
			ret = -errno;
			close(up);
			break;
		}
		close(cur);
		cur = up;
		if (up_st.st_dev == st.st_dev && up_st.st_ino == st.st_ino) {
			ret = -ENOENT;          /* reached "/" without meeting the root */
			break;
		}
	}
	close(cur);
	return ret;
}

static int lookup_dotdot(struct p9_export *exp, struct p9_node *dir, struct p9_node **out)
{
	struct p9_node *root = exp->root;
	struct stat st;
	int fd, ret;

	if (dir->dev == root->dev && dir->ino == root->ino) {
		*out = p9_node_get(root);          /* ".." at the root stays there */
		return 0;
	}
	fd = openat(dir->fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = check_beneath(root, fd);
	if (ret < 0) {
		close(fd);
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	if (same_inode(&st, root)) {
		close(fd);
		*out = p9_node_get(root);
		return 0;
	}
	/* Where it sits in its own parent is not known: no parent/name. */
	return p9_node_from_fd(fd, dir->fds, NULL, NULL, out);
}

int p9_lookup(struct p9_export *exp, struct p9_node *dir, const char *name,
	      struct p9_node **out)
{
	if (dir->type != S_IFDIR)
		return -ENOTDIR;
	if (!strcmp(name, ".."))
		return lookup_dotdot(exp, dir, out);
	return p9_lookup_child(dir, name, out);
}

/* Open the very inode the node holds, through its /proc/self/fd magic link
 * (no name is resolved again). Only regular files and directories: the
 * kernel refuses a symlink with ELOOP, and device nodes, fifos and sockets
 * are never opened on the host. */
int p9_reopen(struct p9_node *node, int flags, int *out_fd)
{
	char path[P9_PROC_PATH_MAX];
	struct stat st;
	int fd, ret;

	if (node->type == S_IFLNK)
		return -ELOOP;
	if (node->type != S_IFREG && node->type != S_IFDIR)
		return -EACCES;
	flags &= ~(O_CREAT | O_EXCL | O_PATH | O_TMPFILE);
	if (node->type == S_IFDIR) {
		if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
			return -EISDIR;
		flags |= O_DIRECTORY;
	}
	p9_proc_path(node->fd, path);
	fd = open(path, flags | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	if (!same_inode(&st, node) || (st.st_mode & S_IFMT) != node->type) {
		close(fd);
		return -ESTALE;
	}
	*out_fd = fd;
	return 0;
}

int p9_node_locate(struct p9_server *s, struct p9_node *node, struct p9_node **parent,
		   char name[P9_NAME_BUF])
{
	struct stat st;
	struct p9_node *p = NULL;
	int fd, ret;

	pthread_mutex_lock(&s->node_lock);
	if (node->parent && node->name && strlen(node->name) < P9_NAME_BUF) {
		p = p9_node_get(node->parent);
		strcpy(name, node->name);
	}
	pthread_mutex_unlock(&s->node_lock);
	if (!p)
		return -EINVAL;
	/* The name may be stale (renamed since): it must still name this inode. */
	fd = open_beneath(p->fd, name, O_PATH | O_NOFOLLOW);
	if (fd < 0) {
		p9_node_put(p);
		return fd;
	}
	ret = fstat(fd, &st) < 0 ? -errno : 0;
	close(fd);
	if (!ret && !same_inode(&st, node))
		ret = -ENOENT;
	if (ret) {
		p9_node_put(p);
		return ret;
	}
	*parent = p;
	return 0;
}

void p9_node_moved(struct p9_server *s, struct p9_node *node, struct p9_node *parent,
		   const char *name)
{
	char *copy = strdup(name), *old_name;
	struct p9_node *old_parent;

	pthread_mutex_lock(&s->node_lock);
	old_parent = node->parent;
	old_name = node->name;
	node->parent = copy ? p9_node_get(parent) : NULL;
	node->name = copy;                 /* no memory: Tremove/Trename of it get EINVAL */
	pthread_mutex_unlock(&s->node_lock);
	p9_node_put(old_parent);
	free(old_name);
}

int p9_node_qid(struct p9_server *s, struct p9_node *node, struct p9_qid *qid)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mode = node->type;
	st.st_dev = node->dev;
	st.st_ino = node->ino;
	p9_qid_from_stat(s, &st, qid);
	return 0;
}

/* Give a new object the guest's owner and exact mode (the VMM's umask must
 * not apply). Without privilege the owner stays the VMM's user. */
int p9_fix_owner_mode(int fd, uint32_t uid, uint32_t gid, const mode_t *mode)
{
	char path[P9_PROC_PATH_MAX];
	uid_t u = uid == P9_NONUNAME ? (uid_t)-1 : (uid_t)uid;
	gid_t g = gid == UINT32_MAX ? (gid_t)-1 : (gid_t)gid;
	struct stat st;
	mode_t want;

	if ((u != (uid_t)-1 || g != (gid_t)-1) &&
	    fchownat(fd, "", u, g, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 && errno != EPERM)
		return -errno;
	if (!mode)
		return 0;
	if (fstat(fd, &st) < 0)
		return -errno;
	want = *mode & 07777;
	if (S_ISDIR(st.st_mode))
		want |= st.st_mode & S_ISGID;
	if ((st.st_mode & 07777) == want)
		return 0;
	p9_proc_path(fd, path);
	return chmod(path, want) < 0 ? -errno : 0;
}
