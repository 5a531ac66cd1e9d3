/* Test-side 9P2000.L client for the 9P server's unit tests (requests built
 * byte by byte, replies decoded) and a temporary share with a sibling
 * "outside" folder holding a secret. Not a general client. */
#ifndef UVM_TEST_9P_CLIENT_H
#define UVM_TEST_9P_CLIENT_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../devices/9p-proto.h"
#include "../../devices/9p-server.h"
#include "../../vmm/bytes.h"
#include "test.h"

#define TMSIZE      65536u
#define ROOT_FID    1u
#define SECRET_TEXT "TOP-SECRET-OUTSIDE"

struct msg {
	uint8_t buf[TMSIZE + 1024];
	size_t len;
};

struct client {
	struct p9_server *s;
	uint16_t tag;
	size_t resp_cap;              /* what p9_server_handle may use */
	uint8_t resp[TMSIZE + 64];
	size_t resp_len;
	size_t rpos;                  /* decode position in resp */
};

/* ---- building requests ---- */

static inline void m_begin(struct msg *m, uint8_t type, uint16_t tag)
{
	m->len = 0;
	put_le32(m->buf, 0);
	m->buf[4] = type;
	put_le16(m->buf + 5, tag);
	m->len = 7;
}

static inline void m_u8(struct msg *m, uint8_t v) { m->buf[m->len++] = v; }
static inline void m_u16(struct msg *m, uint16_t v) { put_le16(m->buf + m->len, v); m->len += 2; }
static inline void m_u32(struct msg *m, uint32_t v) { put_le32(m->buf + m->len, v); m->len += 4; }
static inline void m_u64(struct msg *m, uint64_t v) { put_le64(m->buf + m->len, v); m->len += 8; }

static inline void m_bytes(struct msg *m, const void *p, size_t n)
{
	memcpy(m->buf + m->len, p, n);
	m->len += n;
}

static inline void m_strn(struct msg *m, const char *s, size_t n)
{
	m_u16(m, (uint16_t)n);
	m_bytes(m, s, n);
}

static inline void m_str(struct msg *m, const char *s) { m_strn(m, s, strlen(s)); }

static inline void m_end(struct msg *m) { put_le32(m->buf, (uint32_t)m->len); }

/* ---- sending and decoding ---- */

/* Request and reply go through buffers of exactly req_len and resp_cap
 * bytes, so AddressSanitizer catches any access past either. */
static inline size_t c_send_raw(struct client *c, const uint8_t *req, size_t len)
{
	uint8_t *in = malloc(len ? len : 1), *out = malloc(c->resp_cap ? c->resp_cap : 1);

	if (!in || !out) {
		printf("# out of memory\n");
		exit(2);
	}
	memcpy(in, req, len);
	c->resp_len = p9_server_handle(c->s, len ? in : NULL, len, out, c->resp_cap);
	if (c->resp_len > c->resp_cap || c->resp_len > sizeof(c->resp))
		test_report(__FILE__, __LINE__, "reply longer than its buffer");
	else
		memcpy(c->resp, out, c->resp_len);
	c->rpos = 7;
	free(in);
	free(out);
	return c->resp_len;
}

/* Send m; returns 0 when the reply is R(type+1), the errno of an Rlerror,
 * or -1 for anything else (wrong type, bad framing, wrong tag). */
static inline int c_rpc(struct client *c, struct msg *m)
{
	uint8_t type = m->buf[4];
	uint16_t tag = get_le16(m->buf + 5);

	m_end(m);
	c_send_raw(c, m->buf, m->len);
	if (c->resp_len < 7 || get_le32(c->resp) != c->resp_len || get_le16(c->resp + 5) != tag)
		return -1;
	if (c->resp[4] == P9_RLERROR)
		return c->resp_len == 11 ? (int)get_le32(c->resp + 7) : -1;
	return c->resp[4] == type + 1 ? 0 : -1;
}

static inline uint8_t r_u8(struct client *c) { return c->resp[c->rpos++]; }
static inline uint16_t r_u16(struct client *c) { c->rpos += 2; return get_le16(c->resp + c->rpos - 2); }
static inline uint32_t r_u32(struct client *c) { c->rpos += 4; return get_le32(c->resp + c->rpos - 4); }
static inline uint64_t r_u64(struct client *c) { c->rpos += 8; return get_le64(c->resp + c->rpos - 8); }

static inline struct p9_qid r_qid(struct client *c)
{
	struct p9_qid q;

	q.type = r_u8(c);
	q.version = r_u32(c);
	q.path = r_u64(c);
	return q;
}

/* A string from the reply into out (NUL-terminated, truncated to cap). */
static inline size_t r_str(struct client *c, char *out, size_t cap)
{
	uint16_t n = r_u16(c);
	size_t k = n < cap - 1 ? n : cap - 1;

	memcpy(out, c->resp + c->rpos, k);
	out[k] = '\0';
	c->rpos += n;
	return n;
}

/* ---- requests ---- */

static inline struct msg *c_msg(struct client *c, uint8_t type)
{
	static __thread struct msg m;

	m_begin(&m, type, ++c->tag == P9_NOTAG ? ++c->tag : c->tag);
	return &m;
}

static inline int c_version(struct client *c, uint32_t msize, const char *version,
			    uint32_t *got_msize, char *got_version)
{
	struct msg *m = c_msg(c, P9_TVERSION);
	int ret;

	m_u32(m, msize);
	m_str(m, version);
	ret = c_rpc(c, m);
	if (!ret) {
		uint32_t ms = r_u32(c);
		char v[32];

		r_str(c, v, sizeof(v));
		if (got_msize)
			*got_msize = ms;
		if (got_version)
			strcpy(got_version, v);
	}
	return ret;
}

static inline int c_attach_as(struct client *c, uint32_t fid, const char *aname, uint32_t uid,
			      struct p9_qid *qid)
{
	struct msg *m = c_msg(c, P9_TATTACH);
	int ret;

	m_u32(m, fid);
	m_u32(m, P9_NOFID);
	m_str(m, "tester");
	m_str(m, aname);
	m_u32(m, uid);
	ret = c_rpc(c, m);
	if (!ret && qid)
		*qid = r_qid(c);
	return ret;
}

static inline int c_attach(struct client *c, uint32_t fid, const char *aname)
{
	return c_attach_as(c, fid, aname, P9_NONUNAME, NULL);
}

/* Walk names (a NULL-terminated list); *nwqid gets the reply's count. */
static inline int c_walkv(struct client *c, uint32_t fid, uint32_t newfid, const char *const *names,
			  unsigned *nwqid, struct p9_qid *qids)
{
	struct msg *m = c_msg(c, P9_TWALK);
	unsigned n = 0;
	int ret;

	while (names && names[n])
		n++;
	m_u32(m, fid);
	m_u32(m, newfid);
	m_u16(m, (uint16_t)n);
	for (unsigned i = 0; i < n; i++)
		m_str(m, names[i]);
	ret = c_rpc(c, m);
	if (!ret) {
		unsigned k = r_u16(c);

		if (nwqid)
			*nwqid = k;
		for (unsigned i = 0; i < k; i++) {
			struct p9_qid q = r_qid(c);

			if (qids)
				qids[i] = q;
		}
	}
	return ret;
}

/* Walk a "/"-separated path (test convenience; the server sees components).
 * Returns 0 only when every component was walked, ENOENT-like errno, or
 * -2 for a partial walk. */
static inline int c_walk(struct client *c, uint32_t fid, uint32_t newfid, const char *path,
			 struct p9_qid *last)
{
	char buf[1024], *save = NULL, *tok;
	const char *names[32];
	struct p9_qid qids[32];
	unsigned n = 0, got = 0;
	int ret;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, "/", &save); tok && n < 31; tok = strtok_r(NULL, "/", &save))
		names[n++] = tok;
	names[n] = NULL;
	ret = c_walkv(c, fid, newfid, names, &got, qids);
	if (ret)
		return ret;
	if (got != n)
		return -2;
	if (last && n)
		*last = qids[n - 1];
	return 0;
}

static inline int c_lopen(struct client *c, uint32_t fid, uint32_t flags)
{
	struct msg *m = c_msg(c, P9_TLOPEN);

	m_u32(m, fid);
	m_u32(m, flags);
	return c_rpc(c, m);
}

static inline int c_lcreate(struct client *c, uint32_t fid, const char *name, uint32_t flags,
			    uint32_t mode, uint32_t gid, struct p9_qid *qid)
{
	struct msg *m = c_msg(c, P9_TLCREATE);
	int ret;

	m_u32(m, fid);
	m_str(m, name);
	m_u32(m, flags);
	m_u32(m, mode);
	m_u32(m, gid);
	ret = c_rpc(c, m);
	if (!ret && qid)
		*qid = r_qid(c);
	return ret;
}

/* Returns bytes read (>= 0) or -errno (-1000 for a bad reply). */
static inline long c_read(struct client *c, uint32_t fid, uint64_t off, uint32_t count,
			  void *out, size_t cap)
{
	struct msg *m = c_msg(c, P9_TREAD);
	uint32_t n;
	int ret;

	m_u32(m, fid);
	m_u64(m, off);
	m_u32(m, count);
	ret = c_rpc(c, m);
	if (ret)
		return ret > 0 ? -ret : -1000;
	n = r_u32(c);
	if (11 + (size_t)n != c->resp_len)
		return -1000;
	if (out)
		memcpy(out, c->resp + 11, n < cap ? n : cap);
	return n;
}

static inline long c_write(struct client *c, uint32_t fid, uint64_t off, const void *data,
			   uint32_t len)
{
	struct msg *m = c_msg(c, P9_TWRITE);
	int ret;

	m_u32(m, fid);
	m_u64(m, off);
	m_u32(m, len);
	m_bytes(m, data, len);
	ret = c_rpc(c, m);
	if (ret)
		return ret > 0 ? -ret : -1000;
	return r_u32(c);
}

static inline int c_fid_op(struct client *c, uint8_t type, uint32_t fid)
{
	struct msg *m = c_msg(c, type);

	m_u32(m, fid);
	return c_rpc(c, m);
}

static inline int c_clunk(struct client *c, uint32_t fid) { return c_fid_op(c, P9_TCLUNK, fid); }
static inline int c_remove(struct client *c, uint32_t fid) { return c_fid_op(c, P9_TREMOVE, fid); }

struct tattr {
	uint64_t valid;
	struct p9_qid qid;
	uint32_t mode, uid, gid;
	uint64_t nlink, rdev, size, blksize, blocks;
	uint64_t atime_sec, atime_nsec, mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
};

static inline int c_getattr(struct client *c, uint32_t fid, struct tattr *a)
{
	struct msg *m = c_msg(c, P9_TGETATTR);
	int ret;

	m_u32(m, fid);
	m_u64(m, P9_GETATTR_ALL);
	ret = c_rpc(c, m);
	if (!ret) {
		a->valid = r_u64(c);
		a->qid = r_qid(c);
		a->mode = r_u32(c);
		a->uid = r_u32(c);
		a->gid = r_u32(c);
		a->nlink = r_u64(c);
		a->rdev = r_u64(c);
		a->size = r_u64(c);
		a->blksize = r_u64(c);
		a->blocks = r_u64(c);
		a->atime_sec = r_u64(c);
		a->atime_nsec = r_u64(c);
		a->mtime_sec = r_u64(c);
		a->mtime_nsec = r_u64(c);
		a->ctime_sec = r_u64(c);
		a->ctime_nsec = r_u64(c);
		if (c->rpos + 32 != c->resp_len)
			return -1;
	}
	return ret;
}

static inline int c_setattr(struct client *c, uint32_t fid, uint32_t valid, uint32_t mode,
			    uint32_t uid, uint32_t gid, uint64_t size, uint64_t asec,
			    uint64_t ansec, uint64_t msec, uint64_t mnsec)
{
	struct msg *m = c_msg(c, P9_TSETATTR);

	m_u32(m, fid);
	m_u32(m, valid);
	m_u32(m, mode);
	m_u32(m, uid);
	m_u32(m, gid);
	m_u64(m, size);
	m_u64(m, asec);
	m_u64(m, ansec);
	m_u64(m, msec);
	m_u64(m, mnsec);
	return c_rpc(c, m);
}

static inline int c_mkdir(struct client *c, uint32_t dfid, const char *name, uint32_t mode,
			  uint32_t gid, struct p9_qid *qid)
{
	struct msg *m = c_msg(c, P9_TMKDIR);
	int ret;

	m_u32(m, dfid);
	m_str(m, name);
	m_u32(m, mode);
	m_u32(m, gid);
	ret = c_rpc(c, m);
	if (!ret && qid)
		*qid = r_qid(c);
	return ret;
}

static inline int c_mknod(struct client *c, uint32_t dfid, const char *name, uint32_t mode,
			  uint32_t major, uint32_t minor, uint32_t gid)
{
	struct msg *m = c_msg(c, P9_TMKNOD);

	m_u32(m, dfid);
	m_str(m, name);
	m_u32(m, mode);
	m_u32(m, major);
	m_u32(m, minor);
	m_u32(m, gid);
	return c_rpc(c, m);
}

static inline int c_symlink(struct client *c, uint32_t dfid, const char *name, const char *target,
			    uint32_t gid, struct p9_qid *qid)
{
	struct msg *m = c_msg(c, P9_TSYMLINK);
	int ret;

	m_u32(m, dfid);
	m_str(m, name);
	m_str(m, target);
	m_u32(m, gid);
	ret = c_rpc(c, m);
	if (!ret && qid)
		*qid = r_qid(c);
	return ret;
}

static inline int c_readlink(struct client *c, uint32_t fid, char *out, size_t cap)
{
	int ret = c_fid_op(c, P9_TREADLINK, fid);

	if (!ret)
		r_str(c, out, cap);
	return ret;
}

static inline int c_link(struct client *c, uint32_t dfid, uint32_t fid, const char *name)
{
	struct msg *m = c_msg(c, P9_TLINK);

	m_u32(m, dfid);
	m_u32(m, fid);
	m_str(m, name);
	return c_rpc(c, m);
}

static inline int c_rename(struct client *c, uint32_t fid, uint32_t dfid, const char *name)
{
	struct msg *m = c_msg(c, P9_TRENAME);

	m_u32(m, fid);
	m_u32(m, dfid);
	m_str(m, name);
	return c_rpc(c, m);
}

static inline int c_renameat(struct client *c, uint32_t ofid, const char *oname, uint32_t nfid,
			     const char *nname)
{
	struct msg *m = c_msg(c, P9_TRENAMEAT);

	m_u32(m, ofid);
	m_str(m, oname);
	m_u32(m, nfid);
	m_str(m, nname);
	return c_rpc(c, m);
}

static inline int c_unlinkat(struct client *c, uint32_t dfid, const char *name, uint32_t flags)
{
	struct msg *m = c_msg(c, P9_TUNLINKAT);

	m_u32(m, dfid);
	m_str(m, name);
	m_u32(m, flags);
	return c_rpc(c, m);
}

static inline int c_fsync(struct client *c, uint32_t fid, uint32_t datasync)
{
	struct msg *m = c_msg(c, P9_TFSYNC);

	m_u32(m, fid);
	m_u32(m, datasync);
	return c_rpc(c, m);
}

static inline int c_lock(struct client *c, uint32_t fid, uint8_t type, uint64_t start,
			 uint64_t len, uint8_t *status)
{
	struct msg *m = c_msg(c, P9_TLOCK);
	int ret;

	m_u32(m, fid);
	m_u8(m, type);
	m_u32(m, 0);
	m_u64(m, start);
	m_u64(m, len);
	m_u32(m, 42);
	m_str(m, "guest");
	ret = c_rpc(c, m);
	if (!ret)
		*status = r_u8(c);
	return ret;
}

static inline int c_getlock(struct client *c, uint32_t fid, uint8_t type, uint64_t start,
			    uint64_t len, uint8_t *got_type, uint64_t *got_start, uint64_t *got_len)
{
	struct msg *m = c_msg(c, P9_TGETLOCK);
	int ret;

	m_u32(m, fid);
	m_u8(m, type);
	m_u64(m, start);
	m_u64(m, len);
	m_u32(m, 42);
	m_str(m, "guest");
	ret = c_rpc(c, m);
	if (!ret) {
		*got_type = r_u8(c);
		*got_start = r_u64(c);
		*got_len = r_u64(c);
	}
	return ret;
}

static inline int c_xattrwalk(struct client *c, uint32_t fid, uint32_t newfid, const char *name,
			      uint64_t *size)
{
	struct msg *m = c_msg(c, P9_TXATTRWALK);
	int ret;

	m_u32(m, fid);
	m_u32(m, newfid);
	m_str(m, name);
	ret = c_rpc(c, m);
	if (!ret)
		*size = r_u64(c);
	return ret;
}

static inline int c_xattrcreate(struct client *c, uint32_t fid, const char *name, uint64_t size,
				uint32_t flags)
{
	struct msg *m = c_msg(c, P9_TXATTRCREATE);

	m_u32(m, fid);
	m_str(m, name);
	m_u64(m, size);
	m_u32(m, flags);
	return c_rpc(c, m);
}

/* Readdir a whole directory in chunks of count bytes; names joined by '|'
 * into out (with a leading and trailing '|'); returns entry count or -errno. */
static inline int c_readdir_all(struct client *c, uint32_t fid, uint32_t count, char *out,
				size_t cap)
{
	uint64_t off = 0;
	int entries = 0;

	snprintf(out, cap, "|");
	for (int rounds = 0; rounds < 10000; rounds++) {
		struct msg *m = c_msg(c, P9_TREADDIR);
		uint32_t n;
		size_t end;
		int ret;

		m_u32(m, fid);
		m_u64(m, off);
		m_u32(m, count);
		ret = c_rpc(c, m);
		if (ret)
			return ret > 0 ? -ret : -1000;
		n = r_u32(c);
		if (n == 0)
			return entries;
		if (n > count || 11 + (size_t)n != c->resp_len)
			return -1000;
		end = c->rpos + n;
		while (c->rpos < end) {
			char name[300];
			size_t len = strlen(out);

			r_qid(c);
			off = r_u64(c);
			r_u8(c);
			r_str(c, name, sizeof(name));
			snprintf(out + len, cap - len, "%s|", name);
			entries++;
		}
	}
	return -1000;
}

/* ---- host fixture ---- */

struct share {
	char base[64];
	char root[128];
	char outside[128];
};

static inline void path_in(char *buf, size_t cap, const char *dir, const char *rel)
{
	snprintf(buf, cap, "%s/%s", dir, rel);
}

static inline void host_write(const char *dir, const char *rel, const char *text)
{
	char p[512];
	int fd;

	path_in(p, sizeof(p), dir, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		test_report(__FILE__, __LINE__, "host_write failed");
	if (fd >= 0)
		close(fd);
}

static inline void host_mkdir(const char *dir, const char *rel)
{
	char p[512];

	path_in(p, sizeof(p), dir, rel);
	if (mkdir(p, 0755) < 0)
		test_report(__FILE__, __LINE__, "host_mkdir failed");
}

static inline void host_symlink(const char *dir, const char *rel, const char *target)
{
	char p[512];

	path_in(p, sizeof(p), dir, rel);
	if (symlink(target, p) < 0)
		test_report(__FILE__, __LINE__, "host_symlink failed");
}

static inline bool host_exists(const char *dir, const char *rel)
{
	char p[512];
	struct stat st;

	path_in(p, sizeof(p), dir, rel);
	return lstat(p, &st) == 0;
}

static inline int host_lstat(const char *dir, const char *rel, struct stat *st)
{
	char p[512];

	path_in(p, sizeof(p), dir, rel);
	return lstat(p, st);
}

/* The outside folder still holds exactly its secret and nothing else. */
static inline bool outside_untouched(const struct share *sh)
{
	char p[512], buf[64] = "";
	int fd, n = 0;
	struct stat st;
	ssize_t k;

	path_in(p, sizeof(p), sh->outside, "secret");
	fd = open(p, O_RDONLY);
	if (fd < 0)
		return false;
	k = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (k != (ssize_t)strlen(SECRET_TEXT) || memcmp(buf, SECRET_TEXT, (size_t)k))
		return false;
	if (stat(p, &st) < 0 || (st.st_mode & 07777) != 0600 || st.st_nlink != 1)
		return false;
	{
		char cmd[600];
		FILE *f;

		snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", sh->outside);
		f = popen(cmd, "r");
		if (!f || fscanf(f, "%d", &n) != 1)
			n = -1;
		if (f)
			pclose(f);
	}
	return n == 1;
}

static inline void share_create(struct share *sh)
{
	snprintf(sh->base, sizeof(sh->base), "/tmp/p9test-XXXXXX");
	if (!mkdtemp(sh->base)) {
		perror("mkdtemp");
		exit(2);
	}
	path_in(sh->root, sizeof(sh->root), sh->base, "share");
	path_in(sh->outside, sizeof(sh->outside), sh->base, "outside");
	if (mkdir(sh->root, 0755) < 0 || mkdir(sh->outside, 0755) < 0) {
		perror("mkdir");
		exit(2);
	}
	host_write(sh->outside, "secret", SECRET_TEXT);
	{
		char p[512];

		path_in(p, sizeof(p), sh->outside, "secret");
		chmod(p, 0600);
	}
	host_write(sh->root, "hello.txt", "hello world\n");
	host_mkdir(sh->root, "sub");
	host_write(sh->root, "sub/inner.txt", "inner\n");
}

static inline int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	chmod(p, 0700);
	return remove(p) < 0 ? 0 : 0;
}

static inline void share_destroy(struct share *sh)
{
	nftw(sh->base, rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

/* A server with the share exported as "share" (and msize TMSIZE), attached
 * as ROOT_FID. */
static inline void client_start(struct client *c, struct share *sh, bool read_only)
{
	struct p9_export_config cfg = { .name = "share", .host_path = sh->root, .read_only = read_only };
	struct uvm_error err = { 0 };

	memset(c, 0, sizeof(*c));
	c->resp_cap = sizeof(c->resp);
	if (p9_server_create(TMSIZE, &c->s, &err) || p9_server_add_export(c->s, &cfg, &err)) {
		printf("# server: %s\n", err.msg);
		exit(2);
	}
	if (c_version(c, TMSIZE, P9_VERSION_L, NULL, NULL) || c_attach(c, ROOT_FID, "share"))
		test_report(__FILE__, __LINE__, "version/attach failed");
}

static inline void client_stop(struct client *c)
{
	p9_server_destroy(c->s);
	c->s = NULL;
}

#endif
