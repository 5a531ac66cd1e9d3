/* virtio-9p: the transport between the guest's v9fs client and the 9P2000.L
 * server (9p-server.h). One device has one mount tag and serves one or more
 * exports, picked by the Tattach aname, which can be added and removed while
 * the VM runs. Requests are served by a pool of worker threads (started with
 * the first request: an idle spare device costs none) so a slow file
 * operation does not stall the others; Tflush cancels queued requests and
 * waits for running ones. Per-export IOPS and bandwidth caps. */
#ifndef UVM_VIRTIO_9P_H
#define UVM_VIRTIO_9P_H

#include <stdbool.h>
#include <stdint.h>

#include "9p-server.h"
#include "virtio.h"

#define VIRTIO_9P_MAX_TAG 64
#define VIRTIO_9P_WORKERS 4
#define VIRTIO_9P_MAX_EXPORTS 32

struct virtio_9p_export {
	const char *name;        /* Tattach aname ("" for a lone export) */
	const char *host_path;   /* or NULL and: */
	int dir_fd;              /* the folder, open (the device keeps a duplicate) */
	bool read_only;
	uint64_t iops;           /* 0: unlimited */
	uint64_t bps;            /* bytes per second, 0: unlimited */
};

struct virtio_9p;

int virtio_9p_create(struct virtio_9p **out, const char *name, const char *tag,
		     const struct guest_memory *mem, struct uvm_error *err);
struct virtio_device *virtio_9p_device(struct virtio_9p *p9);

/* Exports may change while the VM runs. */
int virtio_9p_add_export(struct virtio_9p *p9, const struct virtio_9p_export *exp,
			 struct uvm_error *err);
int virtio_9p_remove_export(struct virtio_9p *p9, const char *name, struct uvm_error *err);

#endif
