/* 9P2000.L extended attributes: Txattrwalk (read one value or the list into
 * a fid), Txattrcreate (a fid that collects a value and sets it at clunk).
 * Values are capped at P9_XATTR_MAX; the inode is reached by its fd link. */
#include "9p-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "../vmm/bytes.h"

static int xattr_name_copy(const struct p9_str *in, char out[P9_NAME_BUF])
{
	if (in->len == 0 || memchr(in->s, '\0', in->len))
		return -EINVAL;
	if (in->len > NAME_MAX)
		return -ERANGE;
	memcpy(out, in->s, in->len);
	out[in->len] = '\0';
	return 0;
}

/* Read a value (name) or the name list (name NULL) into a malloc'd buffer. */
static int xattr_fetch(int fd, const char *name, uint8_t **out, size_t *out_len)
{
	char path[P9_PROC_PATH_MAX];
	uint8_t *buf;
	ssize_t n;

	p9_proc_path(fd, path);
	for (int tries = 0; tries < 3; tries++) {
		n = name ? getxattr(path, name, NULL, 0) : listxattr(path, NULL, 0);
		if (n < 0)
			return -errno;
		if ((size_t)n > P9_XATTR_MAX)
			return -E2BIG;
		buf = malloc(n ? (size_t)n : 1);
		if (!buf)
			return -ENOMEM;
		if (n)
			n = name ? getxattr(path, name, buf, (size_t)n)
				 : listxattr(path, (char *)buf, (size_t)n);
		if (n >= 0) {
			*out = buf;
			*out_len = (size_t)n;
			return 0;
		}
		free(buf);
		if (errno != ERANGE)            /* ERANGE: it grew meanwhile */
			return -errno;
	}
	return -ERANGE;
}

/* Txattrwalk fid newfid name: Rxattrwalk size. An empty name lists. */
int p9_op_xattrwalk(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t num = p9_get_u32(r), newnum = p9_get_u32(r);
	struct p9_str str = p9_get_str(r);
	char name[P9_NAME_BUF];
	struct p9_fid *newfid;
	struct p9_ref ref;
	uint8_t *buf = NULL;
	size_t len = 0;
	int ret;

	if (!p9_reader_ok(r))
		return -EPROTO;
	if (str.len) {
		ret = xattr_name_copy(&str, name);
		if (ret)
			return ret;
	}
	if (p9_fid_exists(s, newnum))
		return -EINVAL;
	ret = p9_ref_get(s, num, &ref);
	if (ret)
		return ret;
	ret = xattr_fetch(ref.node->fd, str.len ? name : NULL, &buf, &len);
	if (ret) {
		p9_ref_put(&ref);
		return ret;
	}
	newfid = p9_fid_new(newnum, ref.fid->exp, ref.fid->uid, ref.node);
	if (!newfid || !p9_budget_take(&s->xattr_mem, (long)len)) {
		ret = -ENOMEM;
		free(buf);
		p9_fid_put(newfid);
		p9_ref_put(&ref);
		return ret;
	}
	newfid->kind = P9_FID_XATTR_READ;
	newfid->xbuf = buf;
	newfid->xsize = len;
	ret = p9_fid_insert(s, newfid);
	p9_fid_put(newfid);
	if (!ret)
		p9_put_u64(w, len);
	p9_ref_put(&ref);
	return ret;
}

/* Txattrcreate fid name attr_size flags: Rxattrcreate; fid now collects the
 * value through Twrite, and Tclunk sets it. */
int p9_op_xattrcreate(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t num = p9_get_u32(r);
	struct p9_str str = p9_get_str(r);
	uint64_t size = p9_get_u64(r);
	uint32_t flags = p9_get_u32(r);
	char name[P9_NAME_BUF];
	struct p9_fid *fid;
	uint8_t *buf;
	char *xname;
	int ret;

	(void)w;
	if (!p9_reader_ok(r))
		return -EPROTO;
	ret = xattr_name_copy(&str, name);
	if (ret)
		return ret;
	/* trusted.* steers host machinery (overlayfs redirects and whiteouts)
	 * should the host ever mount the share: the guest may not write it. */
	if (!strncmp(name, "trusted.", 8))
		return -EPERM;
	if (size > P9_XATTR_MAX)
		return -E2BIG;
	if (flags & ~(uint32_t)(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	ret = p9_fid_get(s, num, &fid);
	if (ret)
		return ret;
	if (fid->exp->read_only) {
		p9_fid_put(fid);
		return -EROFS;
	}
	if (!p9_budget_take(&s->xattr_mem, (long)size)) {
		p9_fid_put(fid);
		return -ENOMEM;
	}
	buf = calloc(1, size ? (size_t)size : 1);
	xname = strdup(name);
	pthread_mutex_lock(&fid->lock);
	if (!buf || !xname) {
		ret = -ENOMEM;
	} else if (fid->kind != P9_FID_PATH) {
		ret = -EBADF;
	} else {
		fid->kind = P9_FID_XATTR_WRITE;
		fid->xbuf = buf;
		fid->xsize = (size_t)size;
		fid->xfilled = 0;
		fid->xname = xname;
		fid->xflags = (int)flags;
		buf = NULL;
		xname = NULL;
	}
	pthread_mutex_unlock(&fid->lock);
	if (ret)
		p9_budget_give(&s->xattr_mem, (long)size);
	free(buf);
	free(xname);
	p9_fid_put(fid);
	return ret;
}

int p9_xattr_read(struct p9_fid *fid, uint64_t off, uint32_t count, struct p9_writer *w)
{
	uint8_t *cnt = p9_put_reserve(w, 4), *p;
	size_t n = 0, room = p9_writer_room(w);

	if (!cnt)
		return -EMSGSIZE;
	if (off < fid->xsize)
		n = fid->xsize - (size_t)off;
	if (n > count)
		n = count;
	if (n > room)
		n = room;
	put_le32(cnt, (uint32_t)n);
	p = p9_put_reserve(w, n);
	if (p && n)
		memcpy(p, fid->xbuf + off, n);
	return 0;
}

int p9_xattr_write(struct p9_fid *fid, uint64_t off, const uint8_t *data, uint32_t count)
{
	if (off > fid->xsize || count > fid->xsize - (size_t)off)
		return -ENOSPC;                 /* more than Txattrcreate announced */
	if (count)
		memcpy(fid->xbuf + off, data, count);
	if (off + count > fid->xfilled)
		fid->xfilled = (size_t)off + count;
	return 0;
}

/* At clunk: the whole announced value must have been written. A zero size
 * with XATTR_REPLACE is how Linux's removexattr arrives. */
int p9_xattr_commit(struct p9_fid *fid)
{
	char path[P9_PROC_PATH_MAX];
	int ret;

	if (fid->xfilled != fid->xsize)
		return -EINVAL;
	p9_proc_path(fid->node->fd, path);
	if (fid->xsize == 0 && (fid->xflags & XATTR_REPLACE))
		ret = removexattr(path, fid->xname);
	else
		ret = setxattr(path, fid->xname, fid->xbuf, fid->xsize, fid->xflags);
	return ret < 0 ? -errno : 0;
}
