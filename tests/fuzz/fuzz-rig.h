/* Shared by the fuzz targets that drive a virtio device through a queue:
 * guest memory, a queue laid out in it, a kick, and waiting for the device
 * to return the request. Fuzzing equipment. */
#ifndef UVM_FUZZ_RIG_H
#define UVM_FUZZ_RIG_H

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../devices/virtio.h"
#include "../../vmm/bytes.h"

struct fuzz_queue {
	struct guest_memory *gm;
	uint16_t size;
	uint64_t desc, avail, used;
	uint16_t avail_idx;
};

static inline void fq_init(struct fuzz_queue *q, struct guest_memory *gm, uint16_t size,
			   uint64_t base)
{
	q->gm = gm;
	q->size = size;
	q->desc = base;
	q->avail = base + 16ULL * size;
	q->used = (q->avail + 6 + 2ULL * size + 4095) & ~4095ULL;
	q->avail_idx = 0;
}

static inline void fq_desc(struct fuzz_queue *q, unsigned i, uint64_t addr, uint32_t len,
			   uint16_t flags, uint16_t next)
{
	uint8_t *p = gm_ptr(q->gm, q->desc + 16ULL * (i % q->size), 16);

	put_le64(p, addr);
	put_le32(p + 8, len);
	put_le16(p + 12, flags);
	put_le16(p + 14, next);
}

static inline void fq_publish(struct fuzz_queue *q, uint16_t head)
{
	put_le16(gm_ptr(q->gm, q->avail + 4 + 2ULL * (q->avail_idx % q->size), 2), head);
	q->avail_idx++;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	put_le16(gm_ptr(q->gm, q->avail + 2, 2), q->avail_idx);
}

static inline uint16_t fq_used_idx(struct fuzz_queue *q)
{
	uint16_t v;

	__atomic_load((uint16_t *)gm_ptr(q->gm, q->used + 2, 2), &v, __ATOMIC_ACQUIRE);
	return v;
}

static inline void fq_kick(struct virtio_device *vdev, unsigned q)
{
	uint64_t one = 1;

	if (write(vdev->kick_fd[q], &one, 8) != 8)
		abort();
}

/* Set when the device asks for a reset (a guest that broke its own ring,
 * e.g. by pointing a buffer at it: the device is right to give up). */
static int fuzz_needs_reset;

/* Wait until the device has returned `want` buffers in total; a device
 * that never answers, unless it asked for a reset, is a finding. */
static inline void fq_wait(struct fuzz_queue *q, uint16_t want)
{
	for (int i = 0; i < 80000 && (uint16_t)(fq_used_idx(q) - want) > 0x8000; i++) {
		struct timespec ts = { 0, 100000 };

		if (__atomic_load_n(&fuzz_needs_reset, __ATOMIC_RELAXED))
			return;
		nanosleep(&ts, NULL);
	}
	if ((uint16_t)(fq_used_idx(q) - want) > 0x8000 &&
	    !__atomic_load_n(&fuzz_needs_reset, __ATOMIC_RELAXED))
		abort();
}

static void fuzz_signal(void *t, unsigned q)
{
	(void)t;
	(void)q;
}

static void fuzz_other(void *t)
{
	(void)t;
}

static void fuzz_reset(void *t)
{
	(void)t;
	__atomic_store_n(&fuzz_needs_reset, 1, __ATOMIC_RELAXED);
}

static const struct virtio_transport_ops fuzz_transport = { fuzz_signal, fuzz_other, fuzz_reset };

#endif
