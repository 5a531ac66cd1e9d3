/* Split virtqueues (virtio 1.x, section 2.7): walking the guest's descriptor
 * chains, direct and indirect, with every index, length and address checked
 * against the queue and guest memory, and returning used buffers with
 * notification suppression (VIRTIO_F_EVENT_IDX). One thread serves a queue
 * at a time; the guest is assumed hostile. No device logic here. */
#ifndef UVM_VIRTQUEUE_H
#define UVM_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "../vmm/memory.h"

#define VIRTQ_MAX_SIZE      1024
#define VIRTQ_DESC_F_NEXT     1
#define VIRTQ_DESC_F_WRITE    2
#define VIRTQ_DESC_F_INDIRECT 4
#define VIRTQ_USED_F_NO_NOTIFY  1
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

struct virtqueue {
	const struct guest_memory *mem;
	uint16_t size;           /* entries, a power of two; 0: not set up */
	uint64_t desc_gpa;
	uint64_t avail_gpa;
	uint64_t used_gpa;
	bool ready;              /* the driver enabled it */
	bool event_idx;          /* VIRTIO_F_EVENT_IDX negotiated */
	bool broken;             /* the driver broke the queue; stop serving it */
	uint16_t last_avail;     /* next avail ring entry to take */
	uint16_t used_idx;       /* our copy of used->idx */
	uint16_t signalled_used; /* used->idx when we last notified */
	bool signalled_valid;
};

/* One request: its segments as host pointers into guest memory, readable
 * (driver-to-device) ones first, then writable ones. A device allocates
 * chains for the longest request it accepts; longer ones are bad chains. */
struct vq_chain {
	uint16_t head;           /* to give back with vq_push() */
	unsigned nread, nwrite;
	size_t read_len, write_len;
	unsigned max_iov;
	struct iovec iov[];
};

/* A chain with room for max_iov segments (free() it). */
struct vq_chain *vq_chain_alloc(unsigned max_iov);

enum vq_pop_result {
	VQ_EMPTY = 0,            /* nothing available */
	VQ_CHAIN = 1,            /* *chain holds a request */
	VQ_BAD_CHAIN = 2,        /* a malformed request: give chain->head back with len 0 */
	VQ_BROKEN = -1,          /* the ring itself is unusable; the device needs a reset */
};

/* Set up a queue from the transport's registers; returns false (and leaves
 * the queue unusable) when the rings do not lie in guest memory. */
bool vq_setup(struct virtqueue *vq, const struct guest_memory *mem, uint16_t size,
	      uint64_t desc, uint64_t avail, uint64_t used, bool event_idx);
void vq_reset(struct virtqueue *vq);

/* Take the next available chain. Never reads outside guest memory or the
 * queue; a chain that loops, has more than chain->max_iov segments, has a
 * zero-length or out-of-range descriptor, nests indirect tables, or puts a
 * readable descriptor after a writable one is VQ_BAD_CHAIN. */
enum vq_pop_result vq_pop(struct virtqueue *vq, struct vq_chain *chain);

/* Return a chain with `len` bytes written into its writable part. */
void vq_push(struct virtqueue *vq, uint16_t head, uint32_t len);

/* Whether the driver wants an interrupt for what was pushed since the last
 * notification (EVENT_IDX or the NO_INTERRUPT flag). Call after pushing. */
bool vq_should_notify(struct virtqueue *vq);

/* Ask the driver to notify us of new buffers (or not), and tell whether
 * buffers arrived meanwhile: re-check before sleeping. */
void vq_set_notification(struct virtqueue *vq, bool enable);
bool vq_has_avail(struct virtqueue *vq);

/* The part [off, off+len) of an iovec list, as up to max entries of out[];
 * returns the count, or -1 when it does not fit or the list is too short. */
int vq_iov_slice(const struct iovec *iov, unsigned n, size_t off, size_t len,
		 struct iovec *out, unsigned max);

/* Copy between a chain's segments and a flat buffer. */
size_t vq_copy_from_chain(const struct vq_chain *chain, size_t offset, void *dst, size_t len);
size_t vq_copy_to_chain(const struct vq_chain *chain, size_t offset, const void *src, size_t len);

#endif
