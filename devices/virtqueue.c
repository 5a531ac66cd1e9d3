/* Split virtqueue chain walking and used-ring updates (virtqueue.h). Guest
 * memory may change under us at any time: every field is read once into a
 * local and checked there. */
#include "virtqueue.h"

#include <stdlib.h>
#include <string.h>

#include "../vmm/bytes.h"

#define DESC_SIZE 16

static inline void vq_acquire(void)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
}

static inline void vq_release(void)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void vq_full_barrier(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static uint16_t load16(const void *p)
{
	uint16_t v;

	__atomic_load((const uint16_t *)p, &v, __ATOMIC_RELAXED);
	return v;
}

static void store16(void *p, uint16_t v)
{
	__atomic_store((uint16_t *)p, &v, __ATOMIC_RELAXED);
}

struct vq_chain *vq_chain_alloc(unsigned max_iov)
{
	struct vq_chain *c = calloc(1, sizeof(*c) + (size_t)max_iov * sizeof(c->iov[0]));

	if (c)
		c->max_iov = max_iov;
	return c;
}

bool vq_setup(struct virtqueue *vq, const struct guest_memory *mem, uint16_t size,
	      uint64_t desc, uint64_t avail, uint64_t used, bool event_idx)
{
	memset(vq, 0, sizeof(*vq));
	if (size == 0 || size > VIRTQ_MAX_SIZE || (size & (size - 1)))
		return false;
	/* Descriptor table, avail ring (flags, idx, ring, used_event) and used
	 * ring (flags, idx, ring, avail_event) must all be guest RAM, with the
	 * alignments the spec requires. */
	if ((desc & 15) || (avail & 1) || (used & 3) ||
	    !gm_ptr(mem, desc, (uint64_t)size * DESC_SIZE) ||
	    !gm_ptr(mem, avail, 6 + 2 * (uint64_t)size) ||
	    !gm_ptr(mem, used, 6 + 8 * (uint64_t)size))
		return false;
	vq->mem = mem;
	vq->size = size;
	vq->desc_gpa = desc;
	vq->avail_gpa = avail;
	vq->used_gpa = used;
	vq->event_idx = event_idx;
	vq->ready = true;
	return true;
}

void vq_reset(struct virtqueue *vq)
{
	memset(vq, 0, sizeof(*vq));
}

static uint8_t *vq_avail(const struct virtqueue *vq)
{
	return gm_ptr(vq->mem, vq->avail_gpa, 6 + 2 * (uint64_t)vq->size);
}

static uint8_t *vq_used(const struct virtqueue *vq)
{
	return gm_ptr(vq->mem, vq->used_gpa, 6 + 8 * (uint64_t)vq->size);
}

struct raw_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

static void read_desc(const uint8_t *table, unsigned i, struct raw_desc *d)
{
	uint8_t copy[DESC_SIZE];

	memcpy(copy, table + (size_t)i * DESC_SIZE, DESC_SIZE);
	d->addr = get_le64(copy);
	d->len = get_le32(copy + 8);
	d->flags = get_le16(copy + 12);
	d->next = get_le16(copy + 14);
}

/* Add one buffer descriptor to the chain; false when it is unacceptable. */
static bool chain_add(const struct virtqueue *vq, struct vq_chain *chain, const struct raw_desc *d)
{
	unsigned n = chain->nread + chain->nwrite;
	void *p;

	if (d->len == 0 || n >= chain->max_iov)
		return false;
	p = gm_ptr(vq->mem, d->addr, d->len);
	if (!p)
		return false;
	if (d->flags & VIRTQ_DESC_F_WRITE) {
		chain->nwrite++;
		chain->write_len += d->len;
	} else {
		/* Readable after writable is a driver error (spec 2.7.4.2). */
		if (chain->nwrite)
			return false;
		chain->nread++;
		chain->read_len += d->len;
	}
	chain->iov[n].iov_base = p;
	chain->iov[n].iov_len = d->len;
	return true;
}

/* Walk an indirect table; false when anything in it is wrong. */
static bool walk_indirect(const struct virtqueue *vq, struct vq_chain *chain,
			  const struct raw_desc *ind)
{
	unsigned count = ind->len / DESC_SIZE, i = 0, steps = 0;
	const uint8_t *table;
	struct raw_desc d;

	if (ind->len == 0 || ind->len % DESC_SIZE || count > VIRTQ_MAX_SIZE)
		return false;
	table = gm_ptr(vq->mem, ind->addr, ind->len);
	if (!table)
		return false;
	for (;;) {
		if (i >= count || ++steps > count)
			return false;
		read_desc(table, i, &d);
		/* No nested indirection. */
		if (d.flags & VIRTQ_DESC_F_INDIRECT)
			return false;
		if (!chain_add(vq, chain, &d))
			return false;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return true;
		i = d.next;
	}
}

enum vq_pop_result vq_pop(struct virtqueue *vq, struct vq_chain *chain)
{
	const uint8_t *avail, *table;
	unsigned i, steps = 0;
	uint16_t avail_idx, head;
	struct raw_desc d;

	if (!vq->ready || vq->broken)
		return VQ_EMPTY;
	avail = vq_avail(vq);
	table = gm_ptr(vq->mem, vq->desc_gpa, (uint64_t)vq->size * DESC_SIZE);
	if (!avail || !table) {
		vq->broken = true;
		return VQ_BROKEN;
	}
	avail_idx = load16(avail + 2);
	if (avail_idx == vq->last_avail)
		return VQ_EMPTY;
	/* More entries than the ring holds: the driver is broken. */
	if ((uint16_t)(avail_idx - vq->last_avail) > vq->size) {
		vq->broken = true;
		return VQ_BROKEN;
	}
	vq_acquire();
	head = load16(avail + 4 + 2 * (vq->last_avail % vq->size));
	if (head >= vq->size) {
		vq->broken = true;
		return VQ_BROKEN;
	}
	vq->last_avail++;

	chain->nread = chain->nwrite = 0;
	chain->read_len = chain->write_len = 0;
	chain->head = head;
	i = head;
	for (;;) {
		if (i >= vq->size || ++steps > vq->size)
			return VQ_BAD_CHAIN;
		read_desc(table, i, &d);
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			/* An indirect descriptor is the whole chain (2.7.5.3.1). */
			if ((d.flags & VIRTQ_DESC_F_NEXT) || chain->nread + chain->nwrite)
				return VQ_BAD_CHAIN;
			return walk_indirect(vq, chain, &d) ? VQ_CHAIN : VQ_BAD_CHAIN;
		}
		if (!chain_add(vq, chain, &d))
			return VQ_BAD_CHAIN;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return VQ_CHAIN;
		i = d.next;
	}
}

void vq_push(struct virtqueue *vq, uint16_t head, uint32_t len)
{
	uint8_t *used = vq_used(vq);
	uint8_t *elem;

	if (!used)
		return;
	elem = used + 4 + 8 * (size_t)(vq->used_idx % vq->size);
	put_le32(elem, head);
	put_le32(elem + 4, len);
	vq->used_idx++;
	/* The entry must be visible before the index that publishes it. */
	vq_release();
	store16(used + 2, vq->used_idx);
}

bool vq_should_notify(struct virtqueue *vq)
{
	const uint8_t *avail = vq_avail(vq);
	uint16_t old, event;
	bool valid;

	if (!avail)
		return false;
	/* Our used->idx store must be visible before we read the driver's
	 * suppression state. */
	vq_full_barrier();
	if (!vq->event_idx)
		return !(load16(avail) & VIRTQ_AVAIL_F_NO_INTERRUPT);
	old = vq->signalled_used;
	valid = vq->signalled_valid;
	vq->signalled_used = vq->used_idx;
	vq->signalled_valid = true;
	if (!valid)
		return true;
	event = load16(avail + 4 + 2 * (size_t)vq->size);    /* used_event */
	/* Notify when used_event lies in (old, new]. */
	return (uint16_t)(vq->used_idx - event - 1) < (uint16_t)(vq->used_idx - old);
}

void vq_set_notification(struct virtqueue *vq, bool enable)
{
	uint8_t *used = vq_used(vq);

	if (!used)
		return;
	if (vq->event_idx) {
		if (enable)
			store16(used + 4 + 8 * (size_t)vq->size, vq->last_avail);   /* avail_event */
	} else {
		store16(used, enable ? 0 : VIRTQ_USED_F_NO_NOTIFY);
	}
	vq_full_barrier();
}

bool vq_has_avail(struct virtqueue *vq)
{
	const uint8_t *avail;

	if (!vq->ready || vq->broken)
		return false;
	avail = vq_avail(vq);
	return avail && load16(avail + 2) != vq->last_avail;
}

size_t vq_copy_from_chain(const struct vq_chain *chain, size_t offset, void *dst, size_t len)
{
	uint8_t *out = dst;
	size_t done = 0;

	for (unsigned i = 0; i < chain->nread && done < len; i++) {
		size_t seg = chain->iov[i].iov_len, n;

		if (offset >= seg) {
			offset -= seg;
			continue;
		}
		n = seg - offset < len - done ? seg - offset : len - done;
		memcpy(out + done, (uint8_t *)chain->iov[i].iov_base + offset, n);
		done += n;
		offset = 0;
	}
	return done;
}

size_t vq_copy_to_chain(const struct vq_chain *chain, size_t offset, const void *src, size_t len)
{
	const uint8_t *in = src;
	size_t done = 0;

	for (unsigned i = chain->nread; i < chain->nread + chain->nwrite && done < len; i++) {
		size_t seg = chain->iov[i].iov_len, n;

		if (offset >= seg) {
			offset -= seg;
			continue;
		}
		n = seg - offset < len - done ? seg - offset : len - done;
		memcpy((uint8_t *)chain->iov[i].iov_base + offset, in + done, n);
		done += n;
		offset = 0;
	}
	return done;
}

int vq_iov_slice(const struct iovec *iov, unsigned n, size_t off, size_t len,
		 struct iovec *out, unsigned max)
{
	unsigned count = 0;

	for (unsigned i = 0; i < n && len; i++) {
		size_t seg = iov[i].iov_len, take;

		if (off >= seg) {
			off -= seg;
			continue;
		}
		if (count == max)
			return -1;
		take = seg - off < len ? seg - off : len;
		out[count].iov_base = (uint8_t *)iov[i].iov_base + off;
		out[count].iov_len = take;
		count++;
		len -= take;
		off = 0;
	}
	return len ? -1 : (int)count;
}
