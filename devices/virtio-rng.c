/* virtio-rng (virtio-rng.h): one queue of device-writable buffers. */
#include "virtio-rng.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#define RNG_QUEUE_SIZE 64
#define RNG_MAX_SEGMENTS 64
/* Bytes handed out per request at most; the guest asks again for more. */
#define RNG_MAX_PER_REQUEST 4096

struct virtio_rng {
	struct virtio_device vdev;
	struct vq_chain *chain;
};

static void rng_queue_notify(struct virtio_device *vdev, unsigned q)
{
	struct virtio_rng *rng = vdev->priv;
	struct virtqueue *vq = &vdev->vqs[q];
	bool pushed = false;

	do {
		enum vq_pop_result r;

		vq_set_notification(vq, false);
		while ((r = vq_pop(vq, rng->chain)) != VQ_EMPTY) {
			uint32_t written = 0;

			if (r == VQ_BROKEN) {
				virtio_device_broken(vdev, "malformed rng queue");
				return;
			}
			for (unsigned i = rng->chain->nread; r == VQ_CHAIN &&
			     i < rng->chain->nread + rng->chain->nwrite && written < RNG_MAX_PER_REQUEST; i++) {
				size_t want = rng->chain->iov[i].iov_len;
				ssize_t got;

				if (want > RNG_MAX_PER_REQUEST - written)
					want = RNG_MAX_PER_REQUEST - written;
				got = getrandom(rng->chain->iov[i].iov_base, want, 0);
				if (got <= 0)
					break;
				written += (uint32_t)got;
			}
			vq_push(vq, rng->chain->head, written);
			pushed = true;
		}
		vq_set_notification(vq, true);
	} while (vq_has_avail(vq));
	if (pushed)
		virtio_notify_queue(vdev, q);
}

static void rng_destroy(struct virtio_device *vdev)
{
	struct virtio_rng *rng = vdev->priv;

	free(rng->chain);
	free(rng);
}

static const struct virtio_device_ops rng_ops = {
	.queue_notify = rng_queue_notify,
	.destroy = rng_destroy,
};

int virtio_rng_create(struct virtio_rng **out, const char *name, const struct guest_memory *mem,
		      struct uvm_error *err)
{
	struct virtio_rng *rng = calloc(1, sizeof(*rng));
	int ret;

	if (!rng || !(rng->chain = vq_chain_alloc(RNG_MAX_SEGMENTS))) {
		free(rng);
		return uvm_err(err, -ENOMEM, "%s: out of memory", name);
	}
	ret = virtio_device_init(&rng->vdev, name, VIRTIO_ID_RNG, 0, 1, RNG_QUEUE_SIZE, mem,
				 &rng_ops, rng, err);
	if (ret < 0) {
		free(rng->chain);
		free(rng);
		return ret;
	}
	*out = rng;
	return 0;
}

struct virtio_device *virtio_rng_device(struct virtio_rng *rng)
{
	return &rng->vdev;
}
