/* Internals of the virtio-blk device shared by its files: virtio-blk.c
 * (requests, IO, the device) and virtio-blk-swap.c (an image put in or
 * taken out of a spare disk while the VM runs). */
#ifndef UVM_VIRTIO_BLK_INTERNAL_H
#define UVM_VIRTIO_BLK_INTERNAL_H

#include <libaio.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "disk-image.h"
#include "rate-limit.h"
#include "virtio-blk.h"

#define BLK_SWAP_TIMEOUT_S 10

struct blk_req;

/* One IO submitted for part of a request (a request split at VHD block
 * boundaries becomes several). */
struct blk_io {
	struct iocb iocb;
	struct blk_req *req;
	size_t expect;           /* bytes the IO must transfer */
	int niov;
	struct iovec iov[];
};

struct blk_req {
	struct vq_chain *chain;
	uint8_t *status;
	uint32_t used_len;
	unsigned pending;        /* IOs in flight */
	bool failed;
	struct blk_io **ios;
	unsigned nios, ios_cap;
	struct blk_req *next_free;
	struct blk_req *next_all;    /* every request allocated, free or not */
};

/* An image put in or taken out by another thread (virtio_blk_insert,
 * virtio_blk_eject), done by the service thread. */
enum blk_swap_op { SWAP_NONE, SWAP_INSERT, SWAP_EJECT };

struct virtio_blk {
	struct virtio_device vdev;
	struct virtio_blk_config cfg;
	char name[32];
	struct disk_image *img;  /* NULL: no medium (a spare disk) */
	uint64_t capacity;       /* bytes; atomic: config reads come from vCPUs */
	unsigned dio_align;      /* 0: no O_DIRECT */

	io_context_t aio;
	int aio_efd;
	unsigned inflight;       /* requests with IO outstanding */
	bool fdsync_works;

	struct rate_limit limit;
	int timer_fd;
	struct blk_req *throttled;   /* waiting for the rate limit */

	struct blk_req *free_reqs;
	struct blk_req *all_reqs;
	bool pushed;             /* used buffers not yet signalled */

	pthread_mutex_t swap_lock;
	pthread_cond_t swap_cond;
	int swap_efd;            /* -1 unless the disk can change (a spare) */
	enum blk_swap_op swap_op;
	struct disk_image *swap_img;
	struct virtio_blk_config swap_cfg;
	unsigned swap_dio_align;
	bool swap_taken;         /* the service thread is doing it */
	bool swap_done;
	int swap_ret;
};

/* The O_DIRECT alignment this file accepts: 512, 4096, or 0 for none. */
unsigned blk_probe_dio_align(struct disk_image *img);

/* virtio-blk-swap.c, on the service thread: the swap eventfd fired; an eject
 * waiting for the IO in flight; finishing it once none is. */
void blk_swap_ready(struct virtio_device *vdev, void *ctx);
bool blk_eject_waiting(struct virtio_blk *blk);
void blk_finish_eject(struct virtio_blk *blk);

#endif
