/* The driver side of a split virtqueue, for tests: rings laid out in a test
 * guest memory, chains built from arbitrary (also malformed) descriptors,
 * and waiting for the device to return them. Test equipment. */
#ifndef UVM_TEST_VQ_DRIVER_H
#define UVM_TEST_VQ_DRIVER_H

#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "../../devices/virtqueue.h"
#include "../../vmm/bytes.h"
#include "test.h"

struct test_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vq_driver {
	struct guest_memory *gm;
	uint16_t size;
	uint64_t desc, avail, used;
	uint16_t avail_idx;
	uint16_t used_seen;
	uint16_t next_free;   /* next descriptor slot to use (round robin) */
	uint64_t heap;        /* bump allocator for buffers */
};

static inline void vqd_init(struct vq_driver *d, struct guest_memory *gm, uint16_t size,
			    uint64_t base)
{
	memset(d, 0, sizeof(*d));
	d->gm = gm;
	d->size = size;
	d->desc = base;
	d->avail = base + 16ULL * size;
	d->used = (d->avail + 6 + 2ULL * size + 4095) & ~4095ULL;
	d->heap = (d->used + 6 + 8ULL * size + 4095) & ~4095ULL;
	memset(gm_ptr(gm, base, d->heap - base), 0, d->heap - base);
}

static inline uint64_t vqd_alloc(struct vq_driver *d, uint64_t len)
{
	uint64_t a = d->heap;

	d->heap = (d->heap + len + 4095) & ~4095ULL;
	return a;
}

static inline void vqd_write_desc(struct vq_driver *d, uint64_t table, unsigned i,
				  const struct test_desc *t)
{
	uint8_t *p = gm_ptr(d->gm, table + 16ULL * i, 16);

	put_le64(p, t->addr);
	put_le32(p + 8, t->len);
	put_le16(p + 12, t->flags);
	put_le16(p + 14, t->next);
}

/* Put n descriptors in consecutive slots, chained with NEXT unless the
 * caller set flags/next itself (raw=1); publish the head. Returns the head. */
static inline uint16_t vqd_add(struct vq_driver *d, const struct test_desc *descs, unsigned n,
			       int raw)
{
	uint16_t head = d->next_free;

	for (unsigned i = 0; i < n; i++) {
		struct test_desc t = descs[i];
		uint16_t slot = (uint16_t)((head + i) % d->size);

		if (!raw) {
			if (i + 1 < n) {
				t.flags |= VIRTQ_DESC_F_NEXT;
				t.next = (uint16_t)((head + i + 1) % d->size);
			}
		}
		vqd_write_desc(d, d->desc, slot, &t);
	}
	d->next_free = (uint16_t)((head + n) % d->size);
	put_le16(gm_ptr(d->gm, d->avail + 4 + 2ULL * (d->avail_idx % d->size), 2), head);
	d->avail_idx++;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	put_le16(gm_ptr(d->gm, d->avail + 2, 2), d->avail_idx);
	return head;
}

/* Publish an arbitrary head index (may be out of range). */
static inline void vqd_publish_head(struct vq_driver *d, uint16_t head)
{
	put_le16(gm_ptr(d->gm, d->avail + 4 + 2ULL * (d->avail_idx % d->size), 2), head);
	d->avail_idx++;
	put_le16(gm_ptr(d->gm, d->avail + 2, 2), d->avail_idx);
}

static inline uint16_t vqd_used_idx(struct vq_driver *d)
{
	uint16_t v;

	__atomic_load((uint16_t *)gm_ptr(d->gm, d->used + 2, 2), &v, __ATOMIC_ACQUIRE);
	return v;
}

/* Wait (up to timeout_ms) for the next used entry; returns 0 and its id and
 * length, or -1 on timeout. */
static inline int vqd_wait_used(struct vq_driver *d, unsigned timeout_ms, uint32_t *id,
				uint32_t *len)
{
	for (unsigned waited = 0; vqd_used_idx(d) == d->used_seen; waited++) {
		if (waited >= timeout_ms)
			return -1;
		usleep(1000);
	}
	{
		uint8_t *e = gm_ptr(d->gm, d->used + 4 + 8ULL * (d->used_seen % d->size), 8);

		*id = get_le32(e);
		*len = get_le32(e + 4);
	}
	d->used_seen++;
	return 0;
}

#endif
