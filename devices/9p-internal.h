/* Internals shared by the 9P server's files: exports, nodes (host objects
 * held by O_PATH descriptors), fids, the qid map, and the request handlers.
 * Not for use outside devices/9p-*.c; the public API is 9p-server.h. */
#ifndef UVM_9P_INTERNAL_H
#define UVM_9P_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "9p-proto.h"
#include "9p-server.h"

#define P9_FID_BUCKETS   4096u
#define P9_PROC_PATH_MAX 32
#define P9_NAME_BUF      (NAME_MAX + 1)
#define P9_DOTDOT_DEPTH  4096         /* deepest ".." containment check */

struct p9_node;

/* A count of something a guest makes the server hold (host descriptors,
 * xattr buffer bytes), refused past max. */
struct p9_budget {
	atomic_long used;
	atomic_long max;
};

static inline bool p9_budget_take(struct p9_budget *b, long n)
{
	if (atomic_fetch_add(&b->used, n) + n > atomic_load(&b->max)) {
		atomic_fetch_sub(&b->used, n);
		return false;
	}
	return true;
}

static inline void p9_budget_give(struct p9_budget *b, long n)
{
	atomic_fetch_sub(&b->used, n);
}

/* One shared host directory. Referenced by the server's list and by fids. */
struct p9_export {
	atomic_int refs;
	char *name;                /* "" when configured NULL or "" */
	bool read_only;
	atomic_bool removed;
	struct p9_node *root;      /* its O_PATH directory */
	struct p9_server *srv;     /* for its budgets */
	struct p9_export *next;
};

/* A host object reached by a confined walk: an O_PATH|O_NOFOLLOW descriptor,
 * never a path that is resolved again. Shared by cloned fids. parent and
 * name (how it was reached, for Tremove/Trename) are guarded by the server's
 * node_lock and are NULL for an export root or a node reached by "..". */
struct p9_node {
	atomic_int refs;
	int fd;
	mode_t type;               /* S_IFMT bits */
	dev_t dev;
	ino_t ino;
	struct p9_node *parent;
	char *name;
	struct p9_budget *fds;     /* charged one descriptor */
};

enum p9_fid_kind {
	P9_FID_PATH,               /* names a node */
	P9_FID_OPEN,               /* node plus an open descriptor (Tlopen/Tlcreate) */
	P9_FID_XATTR_READ,         /* a value or list read by Txattrwalk */
	P9_FID_XATTR_WRITE,        /* a value being written after Txattrcreate */
};

struct p9_fid {
	uint32_t num;
	atomic_int refs;           /* the table's, plus one per running request */
	struct p9_fid *hnext;
	struct p9_export *exp;     /* counted reference, fixed for the fid's life */
	uint32_t uid;              /* Tattach n_uname, owner of what it creates */
	pthread_mutex_t lock;      /* kind, node, open_fd, xattr, readdir position */
	enum p9_fid_kind kind;
	struct p9_node *node;
	int open_fd;
	int open_flags;            /* host O_ flags it was opened with */
	uint8_t *xbuf;
	size_t xsize;
	size_t xfilled;
	char *xname;
	int xflags;
};

/* qid.path = device index << 48 | st_ino, or a sequence number (bit 63 set)
 * for inode numbers of 48 bits or more. */
struct p9_qid_map {
	pthread_mutex_t lock;
	dev_t *devs;
	unsigned ndevs, cap_devs;
	struct p9_qid_big *big;
	size_t nbig, cap_big;
};

struct p9_server {
	pthread_mutex_t lock;      /* exports, fid table, session */
	pthread_mutex_t node_lock; /* p9_node parent/name */
	uint32_t max_msize;
	_Atomic uint32_t msize;
	struct p9_export *exports;
	struct p9_fid **buckets;
	unsigned nfids;
	struct p9_qid_map qids;
	struct p9_budget fds;      /* node and open descriptors */
	struct p9_budget xattr_mem;
};

/* What a handler holds while it works on a fid: a fid reference, and a
 * snapshot of its node and open descriptor (both stay valid until put). */
struct p9_ref {
	struct p9_fid *fid;
	struct p9_node *node;
	int open_fd;
	int open_flags;
};

/* 9p-fid.c */
int p9_qid_map_init(struct p9_qid_map *m);
void p9_qid_map_destroy(struct p9_qid_map *m);
void p9_qid_from_stat(struct p9_server *s, const struct stat *st, struct p9_qid *qid);

struct p9_node *p9_node_new(int fd, const struct stat *st, struct p9_budget *fds,
			    struct p9_node *parent, const char *name);
struct p9_node *p9_node_get(struct p9_node *n);
void p9_node_put(struct p9_node *n);

void p9_export_put(struct p9_export *e);

struct p9_fid *p9_fid_new(uint32_t num, struct p9_export *exp, uint32_t uid,
			  struct p9_node *node);
int p9_fid_insert(struct p9_server *s, struct p9_fid *fid);
int p9_fid_get(struct p9_server *s, uint32_t num, struct p9_fid **out);
bool p9_fid_exists(struct p9_server *s, uint32_t num);
struct p9_fid *p9_fid_take(struct p9_server *s, uint32_t num);
void p9_fid_put(struct p9_fid *fid);
void p9_fid_drop_all(struct p9_server *s);
int p9_ref_get(struct p9_server *s, uint32_t num, struct p9_ref *ref);
void p9_ref_put(struct p9_ref *ref);

/* 9p-path.c */
int p9_name_copy(const struct p9_str *in, char out[P9_NAME_BUF], bool allow_dotdot);
void p9_proc_path(int fd, char buf[P9_PROC_PATH_MAX]);
/* A node for fd (an O_PATH descriptor it takes over, closing it on failure),
 * charged to the fds budget: -ENFILE when the budget is spent. */
int p9_node_from_fd(int fd, struct p9_budget *fds, struct p9_node *parent, const char *name,
		    struct p9_node **out);
int p9_lookup(struct p9_export *exp, struct p9_node *dir, const char *name,
	      struct p9_node **out);
int p9_lookup_child(struct p9_node *dir, const char *name, struct p9_node **out);
int p9_reopen(struct p9_node *node, int flags, int *out_fd);
int p9_node_locate(struct p9_server *s, struct p9_node *node, struct p9_node **parent,
		   char name[P9_NAME_BUF]);
void p9_node_moved(struct p9_server *s, struct p9_node *node, struct p9_node *parent,
		   const char *name);
int p9_node_qid(struct p9_server *s, struct p9_node *node, struct p9_qid *qid);
/* chown to uid/gid (P9_NONUNAME / ~0 leave them; EPERM is ignored, as when
 * the VMM is not root), then set *mode exactly if given (keeping a
 * directory's inherited setgid bit). */
int p9_fix_owner_mode(int fd, uint32_t uid, uint32_t gid, const mode_t *mode);

/* Request handlers: read the request's fields from r, append the response's
 * fields to w (its header is already there), return 0 or -errno. */
typedef int p9_handler(struct p9_server *s, struct p9_reader *r, struct p9_writer *w);

p9_handler p9_op_walk, p9_op_mkdir, p9_op_mknod, p9_op_symlink, p9_op_link,
	p9_op_rename, p9_op_renameat, p9_op_unlinkat, p9_op_remove, p9_op_readlink;
p9_handler p9_op_lopen, p9_op_lcreate, p9_op_read, p9_op_write, p9_op_fsync,
	p9_op_getattr, p9_op_setattr, p9_op_statfs, p9_op_readdir, p9_op_lock,
	p9_op_getlock;
p9_handler p9_op_xattrwalk, p9_op_xattrcreate;

/* 9p-xattr.c: Tread/Twrite on xattr fids (fid->lock held), commit at clunk. */
int p9_xattr_read(struct p9_fid *fid, uint64_t off, uint32_t count, struct p9_writer *w);
int p9_xattr_write(struct p9_fid *fid, uint64_t off, const uint8_t *data, uint32_t count);
int p9_xattr_commit(struct p9_fid *fid);

#endif
