/* Fuzz target: virtio-vsock packets from the guest. Each input is one tx
 * chain (header and payload, possibly split or malformed); the device
 * answers through the rx queue, for which buffers are kept posted. The
 * device must return every packet, keep its state bounded, and never touch
 * memory outside the guest. */
#include <stdio.h>

#include "../../devices/virtio-vsock.h"
#include "fuzz-rig.h"

#define MEM (4u << 20)
#define AREA 0x200000
#define AREA_SIZE 0x20000
#define RXBUF 4096

static struct guest_memory gm;
static struct virtio_device *vdev;
static struct fuzz_queue rx, tx;
static uint16_t tx_returned;

static void post_rx(void)
{
	/* Keep the rx ring full of fresh buffers (recycled round robin). */
	while ((uint16_t)(rx.avail_idx - fq_used_idx(&rx)) < 32) {
		unsigned slot = rx.avail_idx % rx.size;

		fq_desc(&rx, slot, 0x300000 + (uint64_t)slot * RXBUF, RXBUF, 2, 0);
		fq_publish(&rx, (uint16_t)slot);
	}
	fq_kick(vdev, 0);
}

/* (Re)start the device with fresh queues, as a driver does after a reset. */
static void start_queues(void)
{
	virtio_device_reset(vdev);
	vdev->driver_features = 1ULL << VIRTIO_F_VERSION_1;
	memset(gm_ptr(&gm, 0x10000, 0x20000), 0, 0x20000);
	fq_init(&rx, &gm, 64, 0x10000);
	fq_init(&tx, &gm, 64, 0x20000);
	tx_returned = 0;
	fuzz_needs_reset = 0;
	if (!vq_setup(&vdev->vqs[0], &gm, 64, rx.desc, rx.avail, rx.used, false) ||
	    !vq_setup(&vdev->vqs[1], &gm, 64, tx.desc, tx.avail, tx.used, false) ||
	    virtio_device_start(vdev, NULL) < 0)
		abort();
	post_rx();
}

static void setup(void)
{
	static char dir[] = "/tmp/fuzz-vsock.XXXXXX";
	char path[128];
	struct virtio_vsock *vs;

	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/v.sock", dir);
	if (guest_memory_create(&gm, MEM, NULL) < 0 ||
	    virtio_vsock_create(&vs, "vsock-fuzz", 3, path, &gm, NULL) < 0)
		abort();
	vdev = virtio_vsock_device(vs);
	vdev->transport_ops = &fuzz_transport;
	start_queues();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned split;

	if (!vdev)
		setup();
	if (size < 2)
		return 0;
	/* The packet, with the guest's CID and mostly a stream type, so the
	 * fuzzer gets past the first checks often. */
	memset(gm_ptr(&gm, AREA, AREA_SIZE), 0, AREA_SIZE);
	memcpy(gm_ptr(&gm, AREA, AREA_SIZE), data + 1, size - 1 < AREA_SIZE ? size - 1 : AREA_SIZE);
	if (data[0] & 1) {
		uint8_t *h = gm_ptr(&gm, AREA, 44);

		put_le64(h, 3);
		put_le64(h + 8, 2);
		put_le16(h + 28, 1);
	}
	split = data[0] >> 1;     /* header and payload in one or two descriptors */
	if (split && split < size) {
		fq_desc(&tx, 0, AREA, split, 1, 1);
		fq_desc(&tx, 1, AREA + split, (uint32_t)(size - split), 0, 0);
	} else {
		fq_desc(&tx, 0, AREA, (uint32_t)size, 0, 0);
	}
	fq_publish(&tx, 0);
	fq_kick(vdev, 1);
	fq_wait(&tx, ++tx_returned);
	if (fuzz_needs_reset)
		start_queues();
	else
		post_rx();
	return 0;
}
