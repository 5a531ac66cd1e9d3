/* virtio-blk: a disk for the guest backed by a raw or VHD image (disk-image.h),
 * read-only or read-write, with a serial number the guest can find it by,
 * IO through libaio (O_DIRECT where the request allows), FLUSH made durable,
 * and optional IOPS and bandwidth caps. */
#ifndef UVM_VIRTIO_BLK_H
#define UVM_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio.h"

#define VIRTIO_BLK_SERIAL_LEN 20

struct virtio_blk_config {
	const char *path;
	bool read_only;
	char serial[VIRTIO_BLK_SERIAL_LEN + 1];  /* "" for none */
	uint64_t iops;                           /* 0: unlimited */
	uint64_t bps;                            /* bytes per second, 0: unlimited */
};

struct virtio_blk;

/* Open the image now, so a bad file is reported before the VM starts. */
int virtio_blk_create(struct virtio_blk **out, const char *name,
		      const struct virtio_blk_config *cfg, const struct guest_memory *mem,
		      struct uvm_error *err);
struct virtio_device *virtio_blk_device(struct virtio_blk *blk);

/* A spare disk (MappedVirtualDisks added while running): no medium, so a
 * capacity of 0 and every IO failing, until an image is put in. Read-write
 * as far as the driver knows; a read-only image refuses writes itself. */
int virtio_blk_create_spare(struct virtio_blk **out, const char *name,
			    const struct guest_memory *mem, struct uvm_error *err);
/* From another thread of a running VM: put an image in a spare (with its
 * serial, read-only flag and rate limits) or take it out (IO still in
 * flight finishes first; later IO fails). The driver hears a configuration
 * change (the new capacity); the serial is read fresh by the guest. Both
 * wait for the device's thread: -ETIMEDOUT after 10 s if it never ran. */
int virtio_blk_insert(struct virtio_blk *blk, const struct virtio_blk_config *cfg,
		      struct uvm_error *err);
int virtio_blk_eject(struct virtio_blk *blk, struct uvm_error *err);

#endif
