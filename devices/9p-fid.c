/* 9P server bookkeeping: the fid table, reference-counted nodes and exports,
 * and the qid map that keeps qid.path unique across host file systems.
 * No protocol parsing and no path resolution here (see 9p-path.c). */
#include "9p-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- qid map ---- */

#define P9_QID_DEV_MAX  0x7fffu                 /* device indexes use bits 48..62 */
#define P9_QID_INO_MASK ((1ull << 48) - 1)
#define P9_QID_BIG      (1ull << 63)
#define P9_QID_HASHED   (1ull << 62)
#define P9_QID_BIG_MAX  (1u << 18)              /* remembered wide inodes (8 MiB) */

struct p9_qid_big {
	dev_t dev;
	ino_t ino;
	uint64_t seq;
	bool used;
};

int p9_qid_map_init(struct p9_qid_map *m)
{
	int ret;

	memset(m, 0, sizeof(*m));
	ret = pthread_mutex_init(&m->lock, NULL);
	return ret ? -ret : 0;
}

void p9_qid_map_destroy(struct p9_qid_map *m)
{
	free(m->devs);
	free(m->big);
	pthread_mutex_destroy(&m->lock);
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/* Index of dev, adding it; -1 when the table is full or memory is short. */
static int qid_dev_index(struct p9_qid_map *m, dev_t dev)
{
	for (unsigned i = 0; i < m->ndevs; i++)
		if (m->devs[i] == dev)
			return (int)i;
	if (m->ndevs >= P9_QID_DEV_MAX)
		return -1;
	if (m->ndevs == m->cap_devs) {
		unsigned cap = m->cap_devs ? m->cap_devs * 2 : 8;
		dev_t *devs = realloc(m->devs, cap * sizeof(*devs));

		if (!devs)
			return -1;
		m->devs = devs;
		m->cap_devs = cap;
	}
	m->devs[m->ndevs] = dev;
	return (int)m->ndevs++;
}

static bool qid_big_grow(struct p9_qid_map *m)
{
	size_t cap = m->cap_big ? m->cap_big * 2 : 256;
	struct p9_qid_big *big = calloc(cap, sizeof(*big));

	if (!big)
		return false;
	for (size_t i = 0; i < m->cap_big; i++) {
		size_t j;

		if (!m->big[i].used)
			continue;
		j = mix64(m->big[i].ino ^ mix64(m->big[i].dev)) & (cap - 1);
		while (big[j].used)
			j = (j + 1) & (cap - 1);
		big[j] = m->big[i];
	}
	free(m->big);
	m->big = big;
	m->cap_big = cap;
	return true;
}

/* A sequence number for (dev, ino); a hash once the table is full. */
static uint64_t qid_big_path(struct p9_qid_map *m, dev_t dev, ino_t ino)
{
	uint64_t h = mix64(ino ^ mix64(dev));
	size_t j;

	if (m->nbig * 2 >= m->cap_big) {
		if (m->nbig >= P9_QID_BIG_MAX || !qid_big_grow(m))
			goto hashed;
	}
	j = h & (m->cap_big - 1);
	while (m->big[j].used) {
		if (m->big[j].dev == dev && m->big[j].ino == ino)
			return P9_QID_BIG | m->big[j].seq;
		j = (j + 1) & (m->cap_big - 1);
	}
	m->big[j] = (struct p9_qid_big){ dev, ino, m->nbig, true };
	return P9_QID_BIG | m->nbig++;
hashed:
	/* Table full: look it up if known, else a hash (may collide; documented). */
	if (m->cap_big) {
		j = h & (m->cap_big - 1);
		while (m->big[j].used) {
			if (m->big[j].dev == dev && m->big[j].ino == ino)
				return P9_QID_BIG | m->big[j].seq;
			j = (j + 1) & (m->cap_big - 1);
		}
	}
	return P9_QID_BIG | P9_QID_HASHED | (h & (P9_QID_HASHED - 1));
}

void p9_qid_from_stat(struct p9_server *s, const struct stat *st, struct p9_qid *qid)
{
	struct p9_qid_map *m = &s->qids;
	int idx;

	if (S_ISDIR(st->st_mode))
		qid->type = P9_QTDIR;
	else if (S_ISLNK(st->st_mode))
		qid->type = P9_QTSYMLINK;
	else
		qid->type = P9_QTFILE;
	qid->version = 0;
	pthread_mutex_lock(&m->lock);
	idx = qid_dev_index(m, st->st_dev);
	if (idx >= 0 && (uint64_t)st->st_ino <= P9_QID_INO_MASK)
		qid->path = (uint64_t)idx << 48 | (uint64_t)st->st_ino;
	else
		qid->path = qid_big_path(m, st->st_dev, st->st_ino);
	pthread_mutex_unlock(&m->lock);
}

/* ---- nodes ---- */

struct p9_node *p9_node_new(int fd, const struct stat *st, struct p9_budget *fds,
			    struct p9_node *parent, const char *name)
{
	struct p9_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	if (parent && name) {
		n->name = strdup(name);
		if (!n->name) {
			free(n);
			return NULL;
		}
		n->parent = p9_node_get(parent);
	}
	atomic_init(&n->refs, 1);
	n->fds = fds;
	n->fd = fd;
	n->type = st->st_mode & S_IFMT;
	n->dev = st->st_dev;
	n->ino = st->st_ino;
	return n;
}

struct p9_node *p9_node_get(struct p9_node *n)
{
	atomic_fetch_add(&n->refs, 1);
	return n;
}

/* Iterative, so a long chain of parents cannot exhaust the stack. */
void p9_node_put(struct p9_node *n)
{
	while (n && atomic_fetch_sub(&n->refs, 1) == 1) {
		struct p9_node *parent = n->parent;

		close(n->fd);
		if (n->fds)
			p9_budget_give(n->fds, 1);
		free(n->name);
		free(n);
		n = parent;
	}
}

void p9_export_put(struct p9_export *e)
{
	if (!e || atomic_fetch_sub(&e->refs, 1) != 1)
		return;
	p9_node_put(e->root);
	free(e->name);
	free(e);
}

/* ---- fids ---- */

static unsigned fid_bucket(uint32_t num)
{
	return (uint32_t)(num * 2654435761u) >> 20;   /* top 12 bits: 4096 buckets */
}

struct p9_fid *p9_fid_new(uint32_t num, struct p9_export *exp, uint32_t uid,
			  struct p9_node *node)
{
	struct p9_fid *fid = calloc(1, sizeof(*fid));

	if (!fid)
		return NULL;
	if (pthread_mutex_init(&fid->lock, NULL)) {
		free(fid);
		return NULL;
	}
	atomic_init(&fid->refs, 1);
	fid->num = num;
	fid->exp = exp;
	atomic_fetch_add(&exp->refs, 1);
	fid->uid = uid;
	fid->kind = P9_FID_PATH;
	fid->node = p9_node_get(node);
	fid->open_fd = -1;
	return fid;
}

static struct p9_fid *fid_find_locked(struct p9_server *s, uint32_t num)
{
	struct p9_fid *f;

	for (f = s->buckets[fid_bucket(num)]; f; f = f->hnext)
		if (f->num == num)
			return f;
	return NULL;
}

int p9_fid_insert(struct p9_server *s, struct p9_fid *fid)
{
	unsigned b = fid_bucket(fid->num);
	int ret = 0;

	pthread_mutex_lock(&s->lock);
	if (fid->num == P9_NOFID || fid_find_locked(s, fid->num))
		ret = -EINVAL;
	else if (s->nfids >= P9_MAX_FIDS)
		ret = -EMFILE;
	else if (atomic_load(&fid->exp->removed))
		ret = -EIO;
	if (!ret) {
		atomic_fetch_add(&fid->refs, 1);
		fid->hnext = s->buckets[b];
		s->buckets[b] = fid;
		s->nfids++;
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

int p9_fid_get(struct p9_server *s, uint32_t num, struct p9_fid **out)
{
	struct p9_fid *f;
	int ret = 0;

	pthread_mutex_lock(&s->lock);
	f = fid_find_locked(s, num);
	if (!f)
		ret = -EBADF;
	else if (atomic_load(&f->exp->removed))
		ret = -EIO;
	else
		atomic_fetch_add(&f->refs, 1);
	pthread_mutex_unlock(&s->lock);
	*out = ret ? NULL : f;
	return ret;
}

bool p9_fid_exists(struct p9_server *s, uint32_t num)
{
	bool found;

	pthread_mutex_lock(&s->lock);
	found = fid_find_locked(s, num) != NULL;
	pthread_mutex_unlock(&s->lock);
	return found;
}

struct p9_fid *p9_fid_take(struct p9_server *s, uint32_t num)
{
	struct p9_fid **pp, *f = NULL;

	pthread_mutex_lock(&s->lock);
	for (pp = &s->buckets[fid_bucket(num)]; *pp; pp = &(*pp)->hnext) {
		if ((*pp)->num == num) {
			f = *pp;
			*pp = f->hnext;
			f->hnext = NULL;
			s->nfids--;
			break;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return f;
}

void p9_fid_put(struct p9_fid *fid)
{
	if (!fid || atomic_fetch_sub(&fid->refs, 1) != 1)
		return;
	if (fid->open_fd >= 0) {
		close(fid->open_fd);
		p9_budget_give(&fid->exp->srv->fds, 1);
	}
	if (fid->xbuf)
		p9_budget_give(&fid->exp->srv->xattr_mem, (long)fid->xsize);
	p9_node_put(fid->node);
	p9_export_put(fid->exp);
	free(fid->xbuf);
	free(fid->xname);
	pthread_mutex_destroy(&fid->lock);
	free(fid);
}

void p9_fid_drop_all(struct p9_server *s)
{
	struct p9_fid *list = NULL;

	pthread_mutex_lock(&s->lock);
	for (unsigned b = 0; b < P9_FID_BUCKETS; b++) {
		while (s->buckets[b]) {
			struct p9_fid *f = s->buckets[b];

			s->buckets[b] = f->hnext;
			f->hnext = list;
			list = f;
		}
	}
	s->nfids = 0;
	pthread_mutex_unlock(&s->lock);
	while (list) {
		struct p9_fid *next = list->hnext;

		p9_fid_put(list);
		list = next;
	}
}

int p9_ref_get(struct p9_server *s, uint32_t num, struct p9_ref *ref)
{
	int ret = p9_fid_get(s, num, &ref->fid);

	ref->node = NULL;
	ref->open_fd = -1;
	ref->open_flags = 0;
	if (ret)
		return ret;
	pthread_mutex_lock(&ref->fid->lock);
	if (ref->fid->kind == P9_FID_PATH || ref->fid->kind == P9_FID_OPEN) {
		ref->node = p9_node_get(ref->fid->node);
		ref->open_fd = ref->fid->open_fd;
		ref->open_flags = ref->fid->open_flags;
	} else {
		ret = -EBADF;
	}
	pthread_mutex_unlock(&ref->fid->lock);
	if (ret) {
		p9_fid_put(ref->fid);
		ref->fid = NULL;
	}
	return ret;
}

void p9_ref_put(struct p9_ref *ref)
{
	p9_node_put(ref->node);
	p9_fid_put(ref->fid);
	ref->node = NULL;
	ref->fid = NULL;
}
