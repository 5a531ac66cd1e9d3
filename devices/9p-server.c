/* The 9P2000.L server's front: lifetime, exports, the session (Tversion,
 * Tattach, Tclunk, Tflush) and the dispatch of one request to its handler
 * with framing checks. File operations live in 9p-ops-*.c and 9p-xattr.c. */
#include "9p-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../vmm/bytes.h"

/* Half the descriptors the process may open, at most P9_DEFAULT_MAX_FDS:
 * a guest must not starve the rest of the VMM. */
static long default_fd_limit(void)
{
	struct rlimit rl;
	long n = P9_DEFAULT_MAX_FDS;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur / 2 < (rlim_t)n)
		n = (long)(rl.rlim_cur / 2);
	return n < 16 ? 16 : n;
}

void p9_server_set_fd_limit(struct p9_server *s, unsigned max_fds)
{
	atomic_store(&s->fds.max, (long)max_fds);
}

unsigned p9_server_fds_in_use(struct p9_server *s)
{
	return (unsigned)atomic_load(&s->fds.used);
}

int p9_server_create(uint32_t max_msize, struct p9_server **out, struct uvm_error *err)
{
	struct p9_server *s;
	int ret;

	*out = NULL;
	if (max_msize < P9_MIN_MSIZE)
		return uvm_err(err, -EINVAL, "9p: max_msize %u is below the minimum %u",
			       max_msize, P9_MIN_MSIZE);
	if (access("/proc/self/fd", X_OK) < 0)
		return uvm_err_sys(err, -errno, "9p: /proc/self/fd is needed to reopen files");
	s = calloc(1, sizeof(*s));
	if (!s)
		return uvm_err(err, -ENOMEM, "9p: out of memory");
	s->buckets = calloc(P9_FID_BUCKETS, sizeof(*s->buckets));
	if (!s->buckets) {
		free(s);
		return uvm_err(err, -ENOMEM, "9p: out of memory for the fid table");
	}
	ret = -pthread_mutex_init(&s->lock, NULL);
	if (ret)
		goto out_free;
	ret = -pthread_mutex_init(&s->node_lock, NULL);
	if (ret)
		goto out_lock;
	ret = p9_qid_map_init(&s->qids);
	if (ret)
		goto out_node_lock;
	s->max_msize = max_msize;
	atomic_init(&s->msize, max_msize);
	atomic_init(&s->fds.used, 0);
	atomic_init(&s->fds.max, default_fd_limit());
	atomic_init(&s->xattr_mem.used, 0);
	atomic_init(&s->xattr_mem.max, P9_XATTR_TOTAL_MAX);
	*out = s;
	return 0;
out_node_lock:
	pthread_mutex_destroy(&s->node_lock);
out_lock:
	pthread_mutex_destroy(&s->lock);
out_free:
	free(s->buckets);
	free(s);
	return uvm_err_sys(err, ret, "9p: creating the server");
}

void p9_server_destroy(struct p9_server *s)
{
	if (!s)
		return;
	p9_fid_drop_all(s);
	while (s->exports) {
		struct p9_export *e = s->exports;

		s->exports = e->next;
		atomic_store(&e->removed, true);
		p9_export_put(e);
	}
	p9_qid_map_destroy(&s->qids);
	pthread_mutex_destroy(&s->node_lock);
	pthread_mutex_destroy(&s->lock);
	free(s->buckets);
	free(s);
}

static const char *export_name(const char *name)
{
	return name ? name : "";
}

static struct p9_export *find_export_locked(struct p9_server *s, const char *name)
{
	for (struct p9_export *e = s->exports; e; e = e->next)
		if (!strcmp(e->name, name))
			return e;
	return NULL;
}

int p9_server_add_export(struct p9_server *s, const struct p9_export_config *cfg,
			 struct uvm_error *err)
{
	const char *name = export_name(cfg->name);
	struct p9_export *e;
	int fd, ret;

	const char *what = cfg->host_path ? cfg->host_path : "the folder handed over";
	struct stat st;

	if (cfg->host_path ? !cfg->host_path[0] : cfg->dir_fd < 0)
		return uvm_err(err, -EINVAL, "9p export \"%s\": no host path", name);
	if (strlen(name) > NAME_MAX || strchr(name, '/'))
		return uvm_err(err, -EINVAL, "9p export \"%s\": name must be a single component "
			       "of at most %d bytes", name, NAME_MAX);
	/* The host path is trusted configuration: resolved normally, once. */
	if (cfg->host_path)
		fd = open(cfg->host_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	else
		fd = fcntl(cfg->dir_fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return uvm_err_sys(err, -errno, "9p export \"%s\": %s", name, what);
	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
		close(fd);
		return uvm_err(err, -ENOTDIR, "9p export \"%s\": %s is not a folder", name, what);
	}
	e = calloc(1, sizeof(*e));
	if (!e || !(e->name = strdup(name))) {
		free(e);
		close(fd);
		return uvm_err(err, -ENOMEM, "9p export \"%s\": out of memory", name);
	}
	ret = p9_node_from_fd(fd, &s->fds, NULL, NULL, &e->root);
	if (ret) {
		free(e->name);
		free(e);
		return uvm_err_sys(err, ret, "9p export \"%s\": %s", name, what);
	}
	atomic_init(&e->refs, 1);
	atomic_init(&e->removed, false);
	e->srv = s;
	e->read_only = cfg->read_only;
	pthread_mutex_lock(&s->lock);
	if (find_export_locked(s, name)) {
		pthread_mutex_unlock(&s->lock);
		p9_export_put(e);
		return uvm_err(err, -EEXIST, "9p export \"%s\": already exported", name);
	}
	e->next = s->exports;
	s->exports = e;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int p9_server_remove_export(struct p9_server *s, const char *name, struct uvm_error *err)
{
	struct p9_export **pp, *e = NULL;

	name = export_name(name);
	pthread_mutex_lock(&s->lock);
	for (pp = &s->exports; *pp; pp = &(*pp)->next) {
		if (!strcmp((*pp)->name, name)) {
			e = *pp;
			*pp = e->next;
			e->next = NULL;
			break;
		}
	}
	if (e)
		atomic_store(&e->removed, true);   /* its fids fail with EIO from now */
	pthread_mutex_unlock(&s->lock);
	if (!e)
		return uvm_err(err, -ENOENT, "9p export \"%s\": not exported", name);
	p9_export_put(e);
	return 0;
}

uint32_t p9_server_msize(struct p9_server *s)
{
	return atomic_load(&s->msize);
}

unsigned p9_server_fid_count(struct p9_server *s)
{
	unsigned n;

	pthread_mutex_lock(&s->lock);
	n = s->nfids;
	pthread_mutex_unlock(&s->lock);
	return n;
}

/* ---- session messages ---- */

static int op_version(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t msize = p9_get_u32(r);
	struct p9_str version = p9_get_str(r);
	size_t vlen = strlen(P9_VERSION_L);
	bool ours;

	if (!p9_reader_ok(r))
		return -EPROTO;
	if (msize < P9_MIN_MSIZE)
		return -EMSGSIZE;
	if (msize > s->max_msize)
		msize = s->max_msize;
	/* "9P2000.L" or a dotted extension of it; anything else is "unknown". */
	ours = version.len >= vlen && !memcmp(version.s, P9_VERSION_L, vlen) &&
	       (version.len == vlen || version.s[vlen] == '.');
	p9_fid_drop_all(s);                 /* a new session: every fid is clunked */
	atomic_store(&s->msize, msize);
	p9_put_u32(w, msize);
	if (ours)
		p9_put_str(w, P9_VERSION_L, vlen);
	else
		p9_put_str(w, "unknown", 7);
	return 0;
}

static int op_attach(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t fidnum = p9_get_u32(r), afid = p9_get_u32(r);
	struct p9_str uname = p9_get_str(r), aname = p9_get_str(r);
	uint32_t n_uname = p9_get_u32(r);
	char name[P9_NAME_BUF];
	struct p9_export *e;
	struct p9_fid *fid;
	struct p9_qid qid;
	int ret;

	(void)uname;
	if (!p9_reader_ok(r))
		return -EPROTO;
	if (afid != P9_NOFID)
		return -EINVAL;                 /* no authentication is offered */
	if (aname.len > NAME_MAX || memchr(aname.s, '\0', aname.len))
		return -ENOENT;
	memcpy(name, aname.s, aname.len);
	name[aname.len] = '\0';
	pthread_mutex_lock(&s->lock);
	e = find_export_locked(s, name);
	if (!e && !name[0] && s->exports && !s->exports->next)
		e = s->exports;                 /* "" picks a lone export */
	if (e)
		atomic_fetch_add(&e->refs, 1);
	pthread_mutex_unlock(&s->lock);
	if (!e)
		return -ENOENT;
	fid = p9_fid_new(fidnum, e, n_uname, e->root);
	p9_export_put(e);
	if (!fid)
		return -ENOMEM;
	ret = p9_fid_insert(s, fid);
	if (!ret) {
		p9_node_qid(s, fid->node, &qid);
		p9_put_qid(w, &qid);
	}
	p9_fid_put(fid);
	return ret;
}

static int op_auth(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	(void)s, (void)r, (void)w;
	return -EOPNOTSUPP;
}

static int op_flush(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	(void)s, (void)w;
	p9_get_u16(r);                      /* oldtag: the transport did the work */
	return p9_reader_ok(r) ? 0 : -EPROTO;
}

static int op_clunk(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t num = p9_get_u32(r);
	struct p9_fid *fid;
	int ret = 0;

	(void)w;
	if (!p9_reader_ok(r))
		return -EPROTO;
	fid = p9_fid_take(s, num);
	if (!fid)
		return -EBADF;
	pthread_mutex_lock(&fid->lock);
	if (fid->kind == P9_FID_XATTR_WRITE)
		ret = atomic_load(&fid->exp->removed) ? -EIO : p9_xattr_commit(fid);
	pthread_mutex_unlock(&fid->lock);
	p9_fid_put(fid);
	return ret;
}

/* ---- dispatch ---- */

static p9_handler *const handlers[256] = {
	[P9_TVERSION] = op_version,
	[P9_TAUTH] = op_auth,
	[P9_TATTACH] = op_attach,
	[P9_TFLUSH] = op_flush,
	[P9_TCLUNK] = op_clunk,
	[P9_TWALK] = p9_op_walk,
	[P9_TSTATFS] = p9_op_statfs,
	[P9_TLOPEN] = p9_op_lopen,
	[P9_TLCREATE] = p9_op_lcreate,
	[P9_TSYMLINK] = p9_op_symlink,
	[P9_TMKNOD] = p9_op_mknod,
	[P9_TRENAME] = p9_op_rename,
	[P9_TREADLINK] = p9_op_readlink,
	[P9_TGETATTR] = p9_op_getattr,
	[P9_TSETATTR] = p9_op_setattr,
	[P9_TXATTRWALK] = p9_op_xattrwalk,
	[P9_TXATTRCREATE] = p9_op_xattrcreate,
	[P9_TREADDIR] = p9_op_readdir,
	[P9_TFSYNC] = p9_op_fsync,
	[P9_TLOCK] = p9_op_lock,
	[P9_TGETLOCK] = p9_op_getlock,
	[P9_TLINK] = p9_op_link,
	[P9_TMKDIR] = p9_op_mkdir,
	[P9_TRENAMEAT] = p9_op_renameat,
	[P9_TUNLINKAT] = p9_op_unlinkat,
	[P9_TREAD] = p9_op_read,
	[P9_TWRITE] = p9_op_write,
	[P9_TREMOVE] = p9_op_remove,
};

size_t p9_server_handle(struct p9_server *s, const uint8_t *req, size_t req_len,
			uint8_t *resp, size_t resp_cap)
{
	uint32_t msize = atomic_load(&s->msize), size;
	struct p9_reader r;
	struct p9_writer w;
	uint16_t tag;
	uint8_t type;
	size_t len;
	int ret;

	if (p9_peek_header(req, req_len, &type, &tag) < 0)
		return p9_encode_lerror(resp, resp_cap, tag, EPROTO);
	size = get_le32(req);
	if (size > msize)
		return p9_encode_lerror(resp, resp_cap, tag, EMSGSIZE);
	if (!handlers[type])
		return p9_encode_lerror(resp, resp_cap, tag, EOPNOTSUPP);
	if (type == P9_TVERSION)
		msize = s->max_msize;           /* the reply may carry the new size */
	p9_reader_init(&r, req + P9_HDR_SIZE, size - P9_HDR_SIZE);
	p9_writer_init(&w, resp, resp_cap < msize ? resp_cap : msize);
	p9_msg_begin(&w, (uint8_t)(type + 1), tag);
	ret = handlers[type](s, &r, &w);
	if (!ret) {
		len = p9_msg_finish(&w);
		if (len)
			return len;
		ret = -EMSGSIZE;
	}
	return p9_encode_lerror(resp, resp_cap, tag, (uint32_t)-ret);
}

int p9_server_request_export(struct p9_server *s, const uint8_t *req, size_t len, char *name,
			     size_t cap)
{
	struct p9_fid *fid;
	uint8_t type;
	uint16_t tag;

	if (p9_peek_header(req, len, &type, &tag) < 0 || len < P9_HDR_SIZE + 4)
		return -ENOENT;
	switch (type) {
	case P9_TVERSION:
	case P9_TAUTH:
	case P9_TATTACH:
	case P9_TFLUSH:
		return -ENOENT;
	}
	if (p9_fid_get(s, get_le32(req + P9_HDR_SIZE), &fid) < 0)
		return -ENOENT;
	snprintf(name, cap, "%s", fid->exp->name);
	p9_fid_put(fid);
	return 0;
}
