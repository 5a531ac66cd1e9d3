/* The virtio device model shared by every device and transport: feature
 * bits and status, the queues, one eventfd per queue that fires when the
 * guest notifies it, and one service thread per device that waits on those
 * (and on any extra fds the device adds) and calls the device. A device is
 * a struct virtio_device plus its ops; the transport (virtio-pci.c) knows
 * nothing of blk or 9p, and devices know nothing of PCI. */
#ifndef UVM_VIRTIO_H
#define UVM_VIRTIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "../vmm/error.h"
#include "../vmm/memory.h"
#include "virtqueue.h"

#define VIRTIO_MAX_QUEUES 16
#define VIRTIO_MAX_EXTRA_FDS 4

/* Feature bits owned by the transport and the ring layout. */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX     29
#define VIRTIO_F_VERSION_1     32

#define VIRTIO_STATUS_ACKNOWLEDGE 0x01
#define VIRTIO_STATUS_DRIVER      0x02
#define VIRTIO_STATUS_DRIVER_OK   0x04
#define VIRTIO_STATUS_FEATURES_OK 0x08
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED      0x80

/* Virtio device type ids (virtio 1.2, section 5). */
#define VIRTIO_ID_BLOCK   2
#define VIRTIO_ID_RNG     4
#define VIRTIO_ID_9P      9
#define VIRTIO_ID_VSOCK  19

struct virtio_device;

struct virtio_device_ops {
	/* Device configuration space (offsets from its start). */
	void (*config_read)(struct virtio_device *vdev, uint64_t offset, void *data, unsigned size);
	void (*config_write)(struct virtio_device *vdev, uint64_t offset, const void *data,
			     unsigned size);
	/* The driver is ready (DRIVER_OK): queues are set up. Called before
	 * the service thread starts. */
	int (*start)(struct virtio_device *vdev, struct uvm_error *err);
	/* The guest notified queue q: serve it. On the service thread. */
	void (*queue_notify)(struct virtio_device *vdev, unsigned q);
	/* Reset or teardown, after the service thread has stopped: drop
	 * everything in flight; nothing may touch guest memory afterwards. */
	void (*stop)(struct virtio_device *vdev);
	void (*destroy)(struct virtio_device *vdev);
};

/* What the transport does for the device. */
struct virtio_transport_ops {
	void (*signal_queue)(void *transport, unsigned q);  /* interrupt for queue q */
	void (*signal_config)(void *transport);             /* config changed */
	void (*needs_reset)(void *transport);               /* device broken */
};

/* An extra fd the service thread waits on, e.g. IO completions or a timer. */
struct virtio_extra_fd {
	int fd;
	void (*ready)(struct virtio_device *vdev, void *ctx);
	void *ctx;
};

struct virtio_device {
	const char *name;                /* "blk0", for threads and messages */
	uint16_t device_id;              /* VIRTIO_ID_* */
	uint64_t device_features;        /* offered: device bits + transport bits */
	uint64_t driver_features;        /* accepted by the driver */
	unsigned nqueues;
	uint16_t queue_max_size;
	struct virtqueue vqs[VIRTIO_MAX_QUEUES];
	int kick_fd[VIRTIO_MAX_QUEUES];  /* eventfd: the guest notified queue q */
	const struct guest_memory *mem;
	const struct virtio_device_ops *ops;
	void *priv;

	const struct virtio_transport_ops *transport_ops;
	void *transport;

	struct virtio_extra_fd extra[VIRTIO_MAX_EXTRA_FDS];
	unsigned nextra;
	pthread_t thread;
	bool running;
	int stop_fd;
	bool reported_broken;
};

/* Set up the common part: queues, kick eventfds. `features` are the
 * device-specific bits; VERSION_1, EVENT_IDX and INDIRECT_DESC are added. */
int virtio_device_init(struct virtio_device *vdev, const char *name, uint16_t device_id,
		       uint64_t features, unsigned nqueues, uint16_t queue_max_size,
		       const struct guest_memory *mem, const struct virtio_device_ops *ops,
		       void *priv, struct uvm_error *err);
/* Stop, then free the common part and call ops->destroy. */
void virtio_device_destroy(struct virtio_device *vdev);

/* Extra fd for the service thread; only before the device starts. */
int virtio_device_add_fd(struct virtio_device *vdev, int fd,
			 void (*ready)(struct virtio_device *vdev, void *ctx), void *ctx);

/* Transport side: the driver set DRIVER_OK / wrote status 0. */
int virtio_device_start(struct virtio_device *vdev, struct uvm_error *err);
void virtio_device_reset(struct virtio_device *vdev);

/* Device side: tell the driver about used buffers on queue q when it
 * wants to hear (EVENT_IDX / NO_INTERRUPT respected). */
void virtio_notify_queue(struct virtio_device *vdev, unsigned q);
void virtio_notify_config(struct virtio_device *vdev);
/* The driver broke a queue or the device failed: ask for a reset. */
void virtio_device_broken(struct virtio_device *vdev, const char *why);

static inline bool virtio_has_feature(const struct virtio_device *vdev, unsigned bit)
{
	return (vdev->driver_features >> bit) & 1;
}

#endif
