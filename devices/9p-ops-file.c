/* 9P2000.L requests on open files: lopen, lcreate, read, write, fsync,
 * readdir, lock, getlock. Opening reopens the fid's O_PATH descriptor;
 * nothing here resolves a path from the guest. Attributes: 9p-ops-attr.c. */
#include "9p-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../vmm/bytes.h"

#define READDIR_BUF_MAX 65536

/* Tlopen/Tlcreate flags to host open flags; O_DIRECT and O_NOATIME are
 * dropped (the response buffer is not aligned; NOATIME needs ownership). */
static int host_open_flags(uint32_t f, int *out)
{
	int flags;

	switch (f & P9_DOTL_ACCMODE) {
	case P9_DOTL_RDONLY: flags = O_RDONLY; break;
	case P9_DOTL_WRONLY: flags = O_WRONLY; break;
	case P9_DOTL_RDWR: flags = O_RDWR; break;
	default: return -EINVAL;
	}
	if (f & P9_DOTL_TRUNC)
		flags |= O_TRUNC;
	if (f & P9_DOTL_APPEND)
		flags |= O_APPEND;
	if (f & P9_DOTL_NONBLOCK)
		flags |= O_NONBLOCK;
	if (f & P9_DOTL_DSYNC)
		flags |= O_DSYNC;
	if (f & P9_DOTL_SYNC)
		flags |= O_SYNC;
	if (f & P9_DOTL_DIRECTORY)
		flags |= O_DIRECTORY;
	*out = flags | O_LARGEFILE;
	return 0;
}

static bool flags_change_things(uint32_t f)
{
	return (f & P9_DOTL_ACCMODE) != P9_DOTL_RDONLY ||
	       (f & (P9_DOTL_TRUNC | P9_DOTL_CREATE | P9_DOTL_APPEND));
}

/* Make fid an open fid on node with fd, if it is still the path fid it was. */
static int fid_set_open(struct p9_fid *fid, struct p9_node *expected, struct p9_node *node,
			int fd, int flags)
{
	struct p9_node *old = NULL;
	int ret = 0;

	if (!p9_budget_take(&fid->exp->srv->fds, 1))
		return -ENFILE;
	pthread_mutex_lock(&fid->lock);
	if (fid->kind != P9_FID_PATH || fid->node != expected) {
		ret = -EINVAL;
		p9_budget_give(&fid->exp->srv->fds, 1);
	} else {
		old = fid->node;
		fid->node = p9_node_get(node);
		fid->open_fd = fd;
		fid->open_flags = flags;
		fid->kind = P9_FID_OPEN;
	}
	pthread_mutex_unlock(&fid->lock);
	p9_node_put(old);
	return ret;
}

/* Tlopen fid flags: Rlopen qid iounit */
int p9_op_lopen(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t num = p9_get_u32(r), pflags = p9_get_u32(r);
	struct p9_ref ref;
	struct p9_qid qid;
	int flags, fd = -1, ret;

	if (!p9_reader_ok(r))
		return -EPROTO;
	ret = host_open_flags(pflags, &flags);
	if (ret)
		return ret;
	ret = p9_ref_get(s, num, &ref);
	if (ret)
		return ret;
	if (ref.open_fd >= 0)
		ret = -EINVAL;                  /* already open */
	else if (ref.fid->exp->read_only && flags_change_things(pflags))
		ret = -EROFS;
	if (!ret)
		ret = p9_reopen(ref.node, flags, &fd);
	if (!ret) {
		ret = fid_set_open(ref.fid, ref.node, ref.node, fd, flags);
		if (ret)
			close(fd);
	}
	if (!ret) {
		p9_node_qid(s, ref.node, &qid);
		p9_put_qid(w, &qid);
		p9_put_u32(w, 0);               /* iounit: msize decides */
	}
	p9_ref_put(&ref);
	return ret;
}

/* Create name in dir (or, without P9_DOTL_EXCL, open an existing regular
 * file). Returns the open descriptor and a node for it. */
static int create_file(struct p9_ref *dir, const char *name, uint32_t pflags, int flags,
		       mode_t mode, uint32_t gid, int *out_fd, struct p9_node **out_node)
{
	char path[P9_PROC_PATH_MAX];
	struct p9_node *node = NULL;
	int fd, pfd, ret;

	fd = openat(dir->node->fd, name, flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0 && errno == EEXIST && !(pflags & P9_DOTL_EXCL)) {
		ret = p9_lookup_child(dir->node, name, &node);
		if (ret)
			return ret;
		if (node->type == S_IFREG)
			ret = p9_reopen(node, flags, &fd);
		else
			ret = node->type == S_IFDIR ? -EISDIR : -EEXIST;
		if (ret) {
			p9_node_put(node);
			return ret;
		}
		*out_fd = fd;
		*out_node = node;
		return 0;
	}
	if (fd < 0)
		return -errno;
	ret = p9_fix_owner_mode(fd, dir->fid->uid, gid, &mode);
	if (!ret) {
		p9_proc_path(fd, path);
		pfd = open(path, O_PATH | O_CLOEXEC);
		ret = pfd < 0 ? -errno : p9_node_from_fd(pfd, dir->node->fds, dir->node, name, &node);
	}
	if (ret) {
		close(fd);
		return ret;
	}
	*out_fd = fd;
	*out_node = node;
	return 0;
}

/* Tlcreate fid name flags mode gid: Rlcreate qid iounit; fid becomes the file. */
int p9_op_lcreate(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t num = p9_get_u32(r);
	struct p9_str str = p9_get_str(r);
	uint32_t pflags = p9_get_u32(r);
	mode_t mode = p9_get_u32(r) & 07777;
	uint32_t gid = p9_get_u32(r);
	char name[P9_NAME_BUF];
	struct p9_node *node = NULL;
	struct p9_ref dir;
	struct p9_qid qid;
	int flags, fd = -1, ret;

	if (!p9_reader_ok(r))
		return -EPROTO;
	ret = host_open_flags(pflags, &flags);
	if (ret)
		return ret;
	flags &= ~O_DIRECTORY;
	ret = p9_ref_get(s, num, &dir);
	if (ret)
		return ret;
	if (dir.fid->exp->read_only)
		ret = -EROFS;
	else if (dir.open_fd >= 0)
		ret = -EINVAL;
	else if (dir.node->type != S_IFDIR)
		ret = -ENOTDIR;
	if (!ret)
		ret = p9_name_copy(&str, name, false);
	if (!ret)
		ret = create_file(&dir, name, pflags, flags, mode, gid, &fd, &node);
	if (!ret) {
		ret = fid_set_open(dir.fid, dir.node, node, fd, flags);
		if (ret)
			close(fd);
		p9_node_qid(s, node, &qid);
		p9_node_put(node);
	}
	if (!ret) {
		p9_put_qid(w, &qid);
		p9_put_u32(w, 0);
	}
	p9_ref_put(&dir);
	return ret;
}

/* Tread fid offset count: Rread count data, count capped to fit. */
int p9_op_read(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t num = p9_get_u32(r), count;
	uint64_t off = p9_get_u64(r);
	struct p9_fid *fid;
	uint8_t *cnt;
	size_t room;
	ssize_t n;
	int fd = -1, ret;

	count = p9_get_u32(r);
	if (!p9_reader_ok(r))
		return -EPROTO;
	ret = p9_fid_get(s, num, &fid);
	if (ret)
		return ret;
	pthread_mutex_lock(&fid->lock);
	if (fid->kind == P9_FID_XATTR_READ)
		ret = p9_xattr_read(fid, off, count, w);
	else if (fid->kind == P9_FID_OPEN)
		fd = fid->open_fd;
	else
		ret = -EBADF;
	pthread_mutex_unlock(&fid->lock);
	if (ret || fd < 0)
		goto out;
	if (off > INT64_MAX) {
		ret = -EINVAL;
		goto out;
	}
	cnt = p9_put_reserve(w, 4);
	room = p9_writer_room(w);
	if (!cnt) {
		ret = -EMSGSIZE;
		goto out;
	}
	if (count > room)
		count = (uint32_t)room;
	do
		n = pread(fd, w->buf + w->pos, count, (off_t)off);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		ret = -errno;
		goto out;
	}
	w->pos += (size_t)n;
	put_le32(cnt, (uint32_t)n);
out:
	p9_fid_put(fid);
	return ret;
}

/* Twrite fid offset count data: Rwrite count */
int p9_op_write(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t num = p9_get_u32(r);
	uint64_t off = p9_get_u64(r);
	uint32_t count = p9_get_u32(r);
	const uint8_t *data = p9_get_bytes(r, count);
	struct p9_fid *fid;
	ssize_t n = 0;
	int fd = -1, ret;

	if (!p9_reader_ok(r))
		return -EPROTO;
	ret = p9_fid_get(s, num, &fid);
	if (ret)
		return ret;
	pthread_mutex_lock(&fid->lock);
	if (fid->kind == P9_FID_XATTR_WRITE) {
		ret = p9_xattr_write(fid, off, data, count);
		n = count;
	} else if (fid->kind == P9_FID_OPEN) {
		fd = fid->open_fd;
	} else {
		ret = -EBADF;
	}
	pthread_mutex_unlock(&fid->lock);
	if (!ret && fd >= 0) {
		if (fid->exp->read_only)
			ret = -EROFS;
		else if (off > INT64_MAX)
			ret = -EINVAL;
	}
	if (!ret && fd >= 0) {
		do
			n = pwrite(fd, data, count, (off_t)off);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			ret = -errno;
	}
	if (!ret)
		p9_put_u32(w, (uint32_t)n);
	p9_fid_put(fid);
	return ret;
}

/* Tfsync fid [datasync]: Rfsync (older clients omit datasync). */
int p9_op_fsync(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t num = p9_get_u32(r), datasync = 0;
	struct p9_ref ref;
	int ret;

	(void)w;
	if (p9_reader_left(r) >= 4)
		datasync = p9_get_u32(r);
	if (!p9_reader_ok(r))
		return -EPROTO;
	ret = p9_ref_get(s, num, &ref);
	if (ret)
		return ret;
	if (ref.open_fd < 0)
		ret = -EBADF;
	else if ((datasync ? fdatasync(ref.open_fd) : fsync(ref.open_fd)) < 0)
		ret = -errno;
	p9_ref_put(&ref);
	return ret;
}

static uint8_t dirent_qid_type(uint8_t d_type)
{
	if (d_type == DT_DIR)
		return P9_QTDIR;
	if (d_type == DT_LNK)
		return P9_QTSYMLINK;
	return P9_QTFILE;
}

/* Turn getdents64 records into 9P entries while they fit in max bytes.
 * Each entry's offset is the host's d_off, so the next Treaddir resumes
 * right after the last entry sent. */
static int encode_dirents(struct p9_server *s, struct p9_ref *ref, const uint8_t *buf,
			  size_t len, uint32_t max, struct p9_writer *w, uint32_t *used)
{
	const struct p9_node *root = ref->fid->exp->root;
	bool at_root = ref->node->dev == root->dev && ref->node->ino == root->ino;
	size_t pos = 0;

	*used = 0;
	while (pos + 19 < len) {
		uint64_t ino, doff;
		uint16_t reclen;
		uint8_t dtype;
		const char *name = (const char *)buf + pos + 19;
		size_t nlen;
		struct p9_qid qid;
		struct stat st;

		memcpy(&ino, buf + pos, 8);
		memcpy(&doff, buf + pos + 8, 8);
		memcpy(&reclen, buf + pos + 16, 2);
		dtype = buf[pos + 18];
		if (reclen < 20 || reclen > len - pos)
			return -EIO;
		nlen = strnlen(name, (size_t)reclen - 19);
		if (nlen > NAME_MAX || nlen == (size_t)reclen - 19)
			return -EIO;
		if (P9_READDIR_ENT + nlen > max - *used)
			break;
		if (at_root && !strcmp(name, ".."))
			ino = root->ino;        /* the root's parent is not shown */
		memset(&st, 0, sizeof(st));
		st.st_dev = ref->node->dev;
		st.st_ino = ino;
		p9_qid_from_stat(s, &st, &qid);
		qid.type = dirent_qid_type(dtype);
		p9_put_qid(w, &qid);
		p9_put_u64(w, doff);
		p9_put_u8(w, dtype);
		p9_put_str(w, name, nlen);
		*used += (uint32_t)(P9_READDIR_ENT + nlen);
		pos += reclen;
	}
	if (pos < len && *used == 0)
		return -EINVAL;                 /* count too small for one entry */
	return 0;
}

/* Treaddir fid offset count: Rreaddir count data */
int p9_op_readdir(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t num = p9_get_u32(r);
	uint64_t off = p9_get_u64(r);
	uint32_t count = p9_get_u32(r), used = 0;
	struct p9_ref ref;
	uint8_t *cnt, *buf = NULL;
	size_t room, bufsize;
	long n = 0;
	int ret;

	if (!p9_reader_ok(r))
		return -EPROTO;
	ret = p9_ref_get(s, num, &ref);
	if (ret)
		return ret;
	if (ref.open_fd < 0)
		ret = -EBADF;
	else if (ref.node->type != S_IFDIR)
		ret = -ENOTDIR;
	else if (off > INT64_MAX)
		ret = -EINVAL;
	cnt = p9_put_reserve(w, 4);
	room = p9_writer_room(w);
	if (!ret && !cnt)
		ret = -EMSGSIZE;
	if (count > room)
		count = (uint32_t)room;
	bufsize = count < 4096 ? 4096 : count > READDIR_BUF_MAX ? READDIR_BUF_MAX : count;
	if (!ret && !(buf = malloc(bufsize)))
		ret = -ENOMEM;
	if (!ret) {
		/* The descriptor's position is shared by the fid's requests. */
		pthread_mutex_lock(&ref.fid->lock);
		if (lseek(ref.open_fd, (off_t)off, SEEK_SET) < 0)
			ret = -errno;
		else if ((n = syscall(SYS_getdents64, ref.open_fd, buf, bufsize)) < 0)
			ret = -errno;
		pthread_mutex_unlock(&ref.fid->lock);
	}
	if (!ret)
		ret = encode_dirents(s, &ref, buf, (size_t)n, count, w, &used);
	if (!ret)
		put_le32(cnt, used);
	free(buf);
	p9_ref_put(&ref);
	return ret;
}

static int lock_type(uint8_t t, short *out)
{
	switch (t) {
	case P9_LOCK_TYPE_RDLCK: *out = F_RDLCK; return 0;
	case P9_LOCK_TYPE_WRLCK: *out = F_WRLCK; return 0;
	case P9_LOCK_TYPE_UNLCK: *out = F_UNLCK; return 0;
	default: return -EINVAL;
	}
}

/* Tlock fid type flags start length proc_id client_id: Rlock status.
 * An OFD lock on the fid's open description; never waits: a conflict is
 * BLOCKED and the client retries. */
int p9_op_lock(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t num = p9_get_u32(r);
	uint8_t type = p9_get_u8(r);
	uint32_t flags = p9_get_u32(r);
	uint64_t start = p9_get_u64(r), length = p9_get_u64(r);
	struct flock fl;
	struct p9_ref ref;
	uint8_t status = P9_LOCK_SUCCESS;
	int ret;

	(void)flags;
	p9_get_u32(r);                      /* proc_id */
	p9_get_str(r);                      /* client_id */
	if (!p9_reader_ok(r))
		return -EPROTO;
	memset(&fl, 0, sizeof(fl));
	ret = lock_type(type, &fl.l_type);
	if (ret)
		return ret;
	if (start > INT64_MAX || length > INT64_MAX)
		return -EINVAL;
	fl.l_whence = SEEK_SET;
	fl.l_start = (off_t)start;
	fl.l_len = (off_t)length;
	ret = p9_ref_get(s, num, &ref);
	if (ret)
		return ret;
	if (ref.open_fd < 0)
		ret = -EBADF;
	else if (fcntl(ref.open_fd, F_OFD_SETLK, &fl) < 0) {
		if (errno == EAGAIN || errno == EACCES || errno == EINTR)
			status = P9_LOCK_BLOCKED;
		else
			ret = -errno;
	}
	if (!ret)
		p9_put_u8(w, status);
	p9_ref_put(&ref);
	return ret;
}

/* Tgetlock fid type start length proc_id client_id: Rgetlock with the
 * conflicting lock, or type UNLCK and the request's range when none. */
int p9_op_getlock(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t num = p9_get_u32(r);
	uint8_t type = p9_get_u8(r);
	uint64_t start = p9_get_u64(r), length = p9_get_u64(r);
	uint32_t proc_id = p9_get_u32(r);
	struct p9_str client = p9_get_str(r);
	struct flock fl;
	struct p9_ref ref;
	int ret;

	if (!p9_reader_ok(r))
		return -EPROTO;
	memset(&fl, 0, sizeof(fl));
	ret = lock_type(type, &fl.l_type);
	if (ret)
		return ret;
	if (fl.l_type == F_UNLCK || start > INT64_MAX || length > INT64_MAX)
		return -EINVAL;
	fl.l_whence = SEEK_SET;
	fl.l_start = (off_t)start;
	fl.l_len = (off_t)length;
	ret = p9_ref_get(s, num, &ref);
	if (ret)
		return ret;
	if (ref.open_fd < 0)
		ret = -EBADF;
	else if (fcntl(ref.open_fd, F_OFD_GETLK, &fl) < 0)
		ret = -errno;
	if (!ret && fl.l_type == F_UNLCK) {
		p9_put_u8(w, P9_LOCK_TYPE_UNLCK);
		p9_put_u64(w, start);
		p9_put_u64(w, length);
		p9_put_u32(w, proc_id);
	} else if (!ret) {
		p9_put_u8(w, fl.l_type == F_RDLCK ? P9_LOCK_TYPE_RDLCK : P9_LOCK_TYPE_WRLCK);
		p9_put_u64(w, (uint64_t)fl.l_start);
		p9_put_u64(w, (uint64_t)fl.l_len);
		p9_put_u32(w, fl.l_pid > 0 ? (uint32_t)fl.l_pid : 0);
	}
	if (!ret)
		p9_put_str(w, client.s, client.len);
	p9_ref_put(&ref);
	return ret;
}
