/* 9P2000.L attribute requests: getattr, setattr, statfs. They act on the
 * inode a fid's O_PATH descriptor holds (via AT_EMPTY_PATH or its
 * /proc/self/fd link), never on a path the guest supplied. */
#include "9p-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Tgetattr fid request_mask: Rgetattr with the host's view of the inode. */
int p9_op_getattr(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t num = p9_get_u32(r);
	uint64_t valid = P9_GETATTR_BASIC;
	struct statx stx;
	struct p9_ref ref;
	struct p9_qid qid;
	int ret;

	p9_get_u64(r);                      /* request_mask: all basic fields are cheap */
	if (!p9_reader_ok(r))
		return -EPROTO;
	ret = p9_ref_get(s, num, &ref);
	if (ret)
		return ret;
	memset(&stx, 0, sizeof(stx));
	if (statx(ref.node->fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW,
		  STATX_BASIC_STATS | STATX_BTIME, &stx) < 0) {
		ret = -errno;
		p9_ref_put(&ref);
		return ret;
	}
	if (stx.stx_mask & STATX_BTIME)
		valid |= P9_GETATTR_BTIME;
	p9_node_qid(s, ref.node, &qid);
	p9_put_u64(w, valid);
	p9_put_qid(w, &qid);
	p9_put_u32(w, stx.stx_mode);
	p9_put_u32(w, stx.stx_uid);
	p9_put_u32(w, stx.stx_gid);
	p9_put_u64(w, stx.stx_nlink);
	p9_put_u64(w, makedev(stx.stx_rdev_major, stx.stx_rdev_minor));
	p9_put_u64(w, stx.stx_size);
	p9_put_u64(w, stx.stx_blksize);
	p9_put_u64(w, stx.stx_blocks);
	p9_put_u64(w, (uint64_t)stx.stx_atime.tv_sec);
	p9_put_u64(w, stx.stx_atime.tv_nsec);
	p9_put_u64(w, (uint64_t)stx.stx_mtime.tv_sec);
	p9_put_u64(w, stx.stx_mtime.tv_nsec);
	p9_put_u64(w, (uint64_t)stx.stx_ctime.tv_sec);
	p9_put_u64(w, stx.stx_ctime.tv_nsec);
	p9_put_u64(w, (uint64_t)stx.stx_btime.tv_sec);
	p9_put_u64(w, stx.stx_btime.tv_nsec);
	p9_put_u64(w, 0);                   /* gen */
	p9_put_u64(w, 0);                   /* data_version */
	p9_ref_put(&ref);
	return 0;
}

static struct timespec setattr_time(uint32_t valid, uint32_t bit, uint32_t set_bit,
				    uint64_t sec, uint64_t nsec)
{
	struct timespec ts = { 0, UTIME_OMIT };

	if (!(valid & bit))
		return ts;
	if (!(valid & set_bit)) {
		ts.tv_nsec = UTIME_NOW;
		return ts;
	}
	ts.tv_sec = (time_t)sec;
	ts.tv_nsec = (long)(nsec < 1000000000u ? nsec : 1000000000u); /* kernel says EINVAL */
	return ts;
}

static int set_size(struct p9_ref *ref, uint64_t size, const char *path)
{
	int acc = ref->open_flags & O_ACCMODE;

	if (ref->node->type == S_IFDIR)
		return -EISDIR;
	if (ref->node->type != S_IFREG)
		return -EINVAL;
	if (size > INT64_MAX)
		return -EFBIG;
	if (ref->open_fd >= 0 && (acc == O_WRONLY || acc == O_RDWR))
		return ftruncate(ref->open_fd, (off_t)size) < 0 ? -errno : 0;
	/* truncate(2) on the inode itself; it never opens the file. */
	return truncate(path, (off_t)size) < 0 ? -errno : 0;
}

/* Tsetattr fid valid mode uid gid size atime mtime: Rsetattr.
 * Owner first (it may clear set-id bits), then mode, size, and times last. */
int p9_op_setattr(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t num = p9_get_u32(r), valid = p9_get_u32(r), mode = p9_get_u32(r);
	uint32_t uid = p9_get_u32(r), gid = p9_get_u32(r);
	uint64_t size = p9_get_u64(r);
	uint64_t asec = p9_get_u64(r), ansec = p9_get_u64(r);
	uint64_t msec = p9_get_u64(r), mnsec = p9_get_u64(r);
	char path[P9_PROC_PATH_MAX];
	struct timespec ts[2];
	struct p9_ref ref;
	int ret;

	(void)w;
	if (!p9_reader_ok(r))
		return -EPROTO;
	ret = p9_ref_get(s, num, &ref);
	if (ret)
		return ret;
	if (ref.fid->exp->read_only) {
		p9_ref_put(&ref);
		return -EROFS;
	}
	p9_proc_path(ref.node->fd, path);
	if (valid & (P9_SETATTR_UID | P9_SETATTR_GID)) {
		uid_t u = (valid & P9_SETATTR_UID) ? (uid_t)uid : (uid_t)-1;
		gid_t g = (valid & P9_SETATTR_GID) ? (gid_t)gid : (gid_t)-1;

		if (fchownat(ref.node->fd, "", u, g, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
			ret = -errno;
	}
	if (!ret && (valid & P9_SETATTR_MODE) && chmod(path, mode & 07777) < 0)
		ret = -errno;
	if (!ret && (valid & P9_SETATTR_SIZE))
		ret = set_size(&ref, size, path);
	if (!ret && (valid & (P9_SETATTR_ATIME | P9_SETATTR_MTIME))) {
		ts[0] = setattr_time(valid, P9_SETATTR_ATIME, P9_SETATTR_ATIME_SET, asec, ansec);
		ts[1] = setattr_time(valid, P9_SETATTR_MTIME, P9_SETATTR_MTIME_SET, msec, mnsec);
		if (utimensat(AT_FDCWD, path, ts, 0) < 0)
			ret = -errno;
	}
	p9_ref_put(&ref);
	return ret;
}

/* Tstatfs fid: Rstatfs of the host file system holding the fid. */
int p9_op_statfs(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t num = p9_get_u32(r);
	struct statfs st;
	struct p9_ref ref;
	uint64_t fsid;
	int ret;

	if (!p9_reader_ok(r))
		return -EPROTO;
	ret = p9_ref_get(s, num, &ref);
	if (ret)
		return ret;
	if (fstatfs(ref.node->fd, &st) < 0) {
		ret = -errno;
		p9_ref_put(&ref);
		return ret;
	}
	fsid = (uint64_t)(uint32_t)st.f_fsid.__val[0] | (uint64_t)(uint32_t)st.f_fsid.__val[1] << 32;
	p9_put_u32(w, (uint32_t)st.f_type);
	p9_put_u32(w, (uint32_t)st.f_bsize);
	p9_put_u64(w, st.f_blocks);
	p9_put_u64(w, st.f_bfree);
	p9_put_u64(w, st.f_bavail);
	p9_put_u64(w, st.f_files);
	p9_put_u64(w, st.f_ffree);
	p9_put_u64(w, fsid);
	p9_put_u32(w, (uint32_t)st.f_namelen);
	p9_ref_put(&ref);
	return 0;
}
