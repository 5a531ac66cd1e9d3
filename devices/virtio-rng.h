/* virtio-rng (entropy device): fills the guest's buffers from the host's
 * getrandom(2), so the guest's early userspace never waits for entropy. */
#ifndef UVM_VIRTIO_RNG_H
#define UVM_VIRTIO_RNG_H

#include "virtio.h"

struct virtio_rng;

int virtio_rng_create(struct virtio_rng **out, const char *name, const struct guest_memory *mem,
		      struct uvm_error *err);
struct virtio_device *virtio_rng_device(struct virtio_rng *rng);

#endif
