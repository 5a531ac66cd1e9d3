/* 9P2000.L namespace requests: walk, mkdir, mknod, symlink, link, rename,
 * renameat, unlinkat, remove, readlink. Every name is one validated component
 * used with an *at() call on a directory descriptor. File IO is 9p-ops-file.c. */
#include "9p-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* A fid naming a directory in a writable export, for creating in it. */
static int ref_dir_for_change(struct p9_server *s, uint32_t num, struct p9_ref *ref)
{
	int ret = p9_ref_get(s, num, ref);

	if (ret)
		return ret;
	if (ref->fid->exp->read_only)
		ret = -EROFS;
	else if (ref->node->type != S_IFDIR)
		ret = -ENOTDIR;
	if (ret)
		p9_ref_put(ref);
	return ret;
}

/* Twalk fid newfid nwname*(wname): Rwalk with one qid per name walked. */
int p9_op_walk(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t num = p9_get_u32(r), newnum = p9_get_u32(r);
	uint16_t nwname = p9_get_u16(r);
	char names[P9_MAXWELEM][P9_NAME_BUF];
	struct p9_qid qids[P9_MAXWELEM];
	struct p9_node *cur, *next;
	struct p9_fid *newfid;
	struct p9_ref ref;
	unsigned i;
	int ret = 0;

	if (!p9_reader_ok(r))
		return -EPROTO;
	if (nwname > P9_MAXWELEM)
		return -EINVAL;
	for (i = 0; i < nwname; i++) {
		struct p9_str name = p9_get_str(r);

		if (!p9_reader_ok(r))
			return -EPROTO;
		ret = p9_name_copy(&name, names[i], true);
		if (ret)
			return ret;
	}
	ret = p9_ref_get(s, num, &ref);
	if (ret)
		return ret;
	if (newnum != num && p9_fid_exists(s, newnum)) {
		p9_ref_put(&ref);
		return -EINVAL;
	}
	if (newnum == num && nwname && ref.open_fd >= 0) {
		p9_ref_put(&ref);
		return -EBADF;                  /* an open fid cannot move */
	}
	cur = p9_node_get(ref.node);
	for (i = 0; i < nwname; i++) {
		ret = p9_lookup(ref.fid->exp, cur, names[i], &next);
		if (ret)
			break;
		p9_node_put(cur);
		cur = next;
		p9_node_qid(s, cur, &qids[i]);
	}
	if (i == 0 && nwname) {
		p9_node_put(cur);
		p9_ref_put(&ref);
		return ret;
	}
	ret = 0;
	if (i == nwname && newnum == num) {
		pthread_mutex_lock(&ref.fid->lock);
		if (ref.fid->kind == P9_FID_PATH) {
			next = ref.fid->node;
			ref.fid->node = cur;
			cur = next;
		} else {
			ret = -EBADF;
		}
		pthread_mutex_unlock(&ref.fid->lock);
	} else if (i == nwname) {
		newfid = p9_fid_new(newnum, ref.fid->exp, ref.fid->uid, cur);
		ret = newfid ? p9_fid_insert(s, newfid) : -ENOMEM;
		p9_fid_put(newfid);
	}
	p9_node_put(cur);
	p9_ref_put(&ref);
	if (ret)
		return ret;
	p9_put_u16(w, (uint16_t)i);
	for (unsigned j = 0; j < i; j++)
		p9_put_qid(w, &qids[j]);
	return 0;
}

/* After creating name in dir: find it (it must have the expected type),
 * give it the guest's owner and mode, and answer its qid. */
static int finish_create(struct p9_server *s, struct p9_ref *dir, const char *name,
			 mode_t type, uint32_t gid, const mode_t *mode, struct p9_writer *w)
{
	struct p9_node *node;
	struct p9_qid qid;
	int ret;

	ret = p9_lookup_child(dir->node, name, &node);
	if (ret)
		return ret;
	if (node->type != type)
		ret = -EEXIST;                  /* replaced under us */
	else
		ret = p9_fix_owner_mode(node->fd, dir->fid->uid, gid, mode);
	if (!ret) {
		p9_node_qid(s, node, &qid);
		p9_put_qid(w, &qid);
	}
	p9_node_put(node);
	return ret;
}

/* Tmkdir dfid name mode gid: Rmkdir qid */
int p9_op_mkdir(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t num = p9_get_u32(r);
	struct p9_str str = p9_get_str(r);
	mode_t mode = p9_get_u32(r) & 07777;
	uint32_t gid = p9_get_u32(r);
	char name[P9_NAME_BUF];
	struct p9_ref dir;
	int ret;

	if (!p9_reader_ok(r))
		return -EPROTO;
	ret = ref_dir_for_change(s, num, &dir);
	if (ret)
		return ret;
	ret = p9_name_copy(&str, name, false);
	if (!ret && mkdirat(dir.node->fd, name, mode) < 0)
		ret = -errno;
	if (!ret)
		ret = finish_create(s, &dir, name, S_IFDIR, gid, &mode, w);
	p9_ref_put(&dir);
	return ret;
}

/* Tmknod dfid name mode major minor gid: Rmknod qid */
int p9_op_mknod(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t num = p9_get_u32(r);
	struct p9_str str = p9_get_str(r);
	uint32_t mode = p9_get_u32(r), major = p9_get_u32(r), minor = p9_get_u32(r);
	uint32_t gid = p9_get_u32(r);
	mode_t type = mode & S_IFMT, perm = mode & 07777;
	char name[P9_NAME_BUF];
	struct p9_ref dir;
	int ret;

	if (!p9_reader_ok(r))
		return -EPROTO;
	if (type == 0)
		type = S_IFREG;
	if (type != S_IFREG && type != S_IFCHR && type != S_IFBLK && type != S_IFIFO &&
	    type != S_IFSOCK)
		return -EINVAL;
	ret = ref_dir_for_change(s, num, &dir);
	if (ret)
		return ret;
	ret = p9_name_copy(&str, name, false);
	if (!ret && mknodat(dir.node->fd, name, type | perm, makedev(major, minor)) < 0)
		ret = -errno;
	if (!ret)
		ret = finish_create(s, &dir, name, type, gid, &perm, w);
	p9_ref_put(&dir);
	return ret;
}

/* Tsymlink dfid name target gid: Rsymlink qid. The target is only data. */
int p9_op_symlink(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t num = p9_get_u32(r);
	struct p9_str str = p9_get_str(r), target = p9_get_str(r);
	uint32_t gid = p9_get_u32(r);
	char name[P9_NAME_BUF], *tgt;
	struct p9_ref dir;
	int ret;

	if (!p9_reader_ok(r))
		return -EPROTO;
	if (target.len == 0 || memchr(target.s, '\0', target.len))
		return -EINVAL;
	if (target.len >= PATH_MAX)
		return -ENAMETOOLONG;
	ret = ref_dir_for_change(s, num, &dir);
	if (ret)
		return ret;
	tgt = strndup(target.s, target.len);
	ret = tgt ? p9_name_copy(&str, name, false) : -ENOMEM;
	if (!ret && symlinkat(tgt, dir.node->fd, name) < 0)
		ret = -errno;
	if (!ret)
		ret = finish_create(s, &dir, name, S_IFLNK, gid, NULL, w);
	free(tgt);
	p9_ref_put(&dir);
	return ret;
}

/* Two fids of the same writable export; the second names a directory. */
static int refs_for_move(struct p9_server *s, uint32_t a, uint32_t b, struct p9_ref *ra,
			 struct p9_ref *rb)
{
	int ret = p9_ref_get(s, a, ra);

	if (ret)
		return ret;
	ret = ref_dir_for_change(s, b, rb);
	if (ret) {
		p9_ref_put(ra);
		return ret;
	}
	if (ra->fid->exp != rb->fid->exp)
		ret = -EXDEV;                   /* never across exports */
	else if (ra->fid->exp->read_only)
		ret = -EROFS;
	if (ret) {
		p9_ref_put(rb);
		p9_ref_put(ra);
	}
	return ret;
}

/* Tlink dfid fid name: Rlink. Links the inode fid holds, not a path. */
int p9_op_link(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t dnum = p9_get_u32(r), num = p9_get_u32(r);
	struct p9_str str = p9_get_str(r);
	char name[P9_NAME_BUF], src[P9_PROC_PATH_MAX];
	struct p9_ref dir, file;
	int ret;

	(void)w;
	if (!p9_reader_ok(r))
		return -EPROTO;
	ret = refs_for_move(s, num, dnum, &file, &dir);
	if (ret)
		return ret;
	ret = p9_name_copy(&str, name, false);
	if (!ret && file.node->type == S_IFDIR)
		ret = -EPERM;
	if (!ret) {
		p9_proc_path(file.node->fd, src);
		if (linkat(AT_FDCWD, src, dir.node->fd, name, AT_SYMLINK_FOLLOW) < 0)
			ret = -errno;
	}
	p9_ref_put(&dir);
	p9_ref_put(&file);
	return ret;
}

static bool is_export_root(const struct p9_ref *ref)
{
	const struct p9_node *root = ref->fid->exp->root;

	return ref->node->dev == root->dev && ref->node->ino == root->ino;
}

/* Trename fid dfid name: Rrename (Linux uses it only without Trenameat). */
int p9_op_rename(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t num = p9_get_u32(r), dnum = p9_get_u32(r);
	struct p9_str str = p9_get_str(r);
	char name[P9_NAME_BUF], oldname[P9_NAME_BUF];
	struct p9_ref file, dir;
	struct p9_node *parent;
	int ret;

	(void)w;
	if (!p9_reader_ok(r))
		return -EPROTO;
	ret = refs_for_move(s, num, dnum, &file, &dir);
	if (ret)
		return ret;
	ret = p9_name_copy(&str, name, false);
	if (!ret && is_export_root(&file))
		ret = -EBUSY;
	if (!ret)
		ret = p9_node_locate(s, file.node, &parent, oldname);
	if (!ret) {
		if (renameat(parent->fd, oldname, dir.node->fd, name) < 0)
			ret = -errno;
		else
			p9_node_moved(s, file.node, dir.node, name);
		p9_node_put(parent);
	}
	p9_ref_put(&dir);
	p9_ref_put(&file);
	return ret;
}

/* Trenameat olddirfid oldname newdirfid newname: Rrenameat */
int p9_op_renameat(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t onum = p9_get_u32(r);
	struct p9_str ostr = p9_get_str(r);
	uint32_t nnum = p9_get_u32(r);
	struct p9_str nstr = p9_get_str(r);
	char oldname[P9_NAME_BUF], newname[P9_NAME_BUF];
	struct p9_ref odir, ndir;
	int ret;

	(void)w;
	if (!p9_reader_ok(r))
		return -EPROTO;
	ret = refs_for_move(s, onum, nnum, &odir, &ndir);
	if (ret)
		return ret;
	if (odir.node->type != S_IFDIR)
		ret = -ENOTDIR;
	if (!ret)
		ret = p9_name_copy(&ostr, oldname, false);
	if (!ret)
		ret = p9_name_copy(&nstr, newname, false);
	if (!ret && renameat(odir.node->fd, oldname, ndir.node->fd, newname) < 0)
		ret = -errno;
	p9_ref_put(&ndir);
	p9_ref_put(&odir);
	return ret;
}

/* Tunlinkat dirfid name flags: Runlinkat */
int p9_op_unlinkat(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t num = p9_get_u32(r);
	struct p9_str str = p9_get_str(r);
	uint32_t flags = p9_get_u32(r);
	char name[P9_NAME_BUF];
	struct p9_ref dir;
	int ret;

	(void)w;
	if (!p9_reader_ok(r))
		return -EPROTO;
	if (flags & ~(uint32_t)P9_DOTL_AT_REMOVEDIR)
		return -EINVAL;
	ret = ref_dir_for_change(s, num, &dir);
	if (ret)
		return ret;
	ret = p9_name_copy(&str, name, false);
	if (!ret && unlinkat(dir.node->fd, name,
			     (flags & P9_DOTL_AT_REMOVEDIR) ? AT_REMOVEDIR : 0) < 0)
		ret = -errno;
	p9_ref_put(&dir);
	return ret;
}

/* Tremove fid: Rremove. The fid is clunked whatever the outcome. */
int p9_op_remove(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t num = p9_get_u32(r);
	char name[P9_NAME_BUF];
	struct p9_node *parent;
	struct p9_ref ref;
	struct p9_fid *fid;
	int ret = 0;

	(void)w;
	if (!p9_reader_ok(r))
		return -EPROTO;
	fid = p9_fid_take(s, num);
	if (!fid)
		return -EBADF;
	ref.fid = fid;
	ref.node = NULL;
	pthread_mutex_lock(&fid->lock);
	if (fid->kind == P9_FID_PATH || fid->kind == P9_FID_OPEN)
		ref.node = p9_node_get(fid->node);
	else
		ret = -EBADF;
	pthread_mutex_unlock(&fid->lock);
	if (!ret && atomic_load(&fid->exp->removed))
		ret = -EIO;
	else if (!ret && fid->exp->read_only)
		ret = -EROFS;
	else if (!ret && is_export_root(&ref))
		ret = -EBUSY;
	if (!ret)
		ret = p9_node_locate(s, ref.node, &parent, name);
	if (!ret) {
		if (unlinkat(parent->fd, name, ref.node->type == S_IFDIR ? AT_REMOVEDIR : 0) < 0)
			ret = -errno;
		p9_node_put(parent);
	}
	p9_node_put(ref.node);
	p9_fid_put(fid);
	return ret;
}

/* Treadlink fid: Rreadlink target */
int p9_op_readlink(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t num = p9_get_u32(r);
	struct p9_ref ref;
	char *buf;
	ssize_t n;
	int ret;

	if (!p9_reader_ok(r))
		return -EPROTO;
	ret = p9_ref_get(s, num, &ref);
	if (ret)
		return ret;
	if (ref.node->type != S_IFLNK) {
		p9_ref_put(&ref);
		return -EINVAL;
	}
	buf = malloc(PATH_MAX);
	if (!buf) {
		p9_ref_put(&ref);
		return -ENOMEM;
	}
	n = readlinkat(ref.node->fd, "", buf, PATH_MAX);
	if (n < 0)
		ret = -errno;
	else if (n >= PATH_MAX)
		ret = -ENAMETOOLONG;
	else
		p9_put_str(w, buf, (size_t)n);
	free(buf);
	p9_ref_put(&ref);
	return ret;
}
