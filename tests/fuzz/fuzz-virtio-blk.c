/* Fuzz target: virtio-blk requests. Each input is one request: up to 8 raw
 * descriptors (the fuzzer picks addresses, lengths, flags and links) and the
 * bytes of a request area they may point into; the device serves it through
 * its real service thread and libaio against a raw image. The device must
 * return every request and stay within guest memory. */
#include <fcntl.h>
#include <stdio.h>

#include "../../devices/virtio-blk.h"
#include "fuzz-rig.h"

#define MEM (4u << 20)
#define AREA 0x100000
#define AREA_SIZE 0x40000

static struct guest_memory gm;
static struct virtio_device *vdev;
static struct fuzz_queue q;
static uint16_t returned;

/* (Re)start the device with a fresh queue, as a driver does after a reset. */
static void start_queue(void)
{
	virtio_device_reset(vdev);
	vdev->driver_features = 1ULL << VIRTIO_F_VERSION_1;
	memset(gm_ptr(&gm, 0x10000, 0x8000), 0, 0x8000);
	fq_init(&q, &gm, 64, 0x10000);
	returned = 0;
	fuzz_needs_reset = 0;
	if (!vq_setup(&vdev->vqs[0], &gm, 64, q.desc, q.avail, q.used, false) ||
	    virtio_device_start(vdev, NULL) < 0)
		abort();
}

static void setup(void)
{
	static char path[] = "/tmp/fuzz-blk.XXXXXX";
	struct virtio_blk_config cfg = { .serial = "fuzz" };
	struct virtio_blk *blk;
	int fd = mkstemp(path);

	if (fd < 0 || ftruncate(fd, 1 << 20) < 0)
		abort();
	close(fd);
	cfg.path = path;
	if (guest_memory_create(&gm, MEM, NULL) < 0 || virtio_blk_create(&blk, "blk-fuzz", &cfg, &gm, NULL) < 0)
		abort();
	vdev = virtio_blk_device(blk);
	vdev->transport_ops = &fuzz_transport;
	start_queue();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned n;

	if (!vdev)
		setup();
	if (size < 1)
		return 0;
	n = 1 + data[0] % 8;
	if (size < 1 + 16 * n)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *d = data + 1 + 16 * i;
		/* Mostly inside the request area, sometimes anywhere. */
		uint64_t addr = d[15] & 1 ? get_le64(d) : AREA + get_le64(d) % AREA_SIZE;

		fq_desc(&q, i, addr, get_le32(d + 8) % (AREA_SIZE * 2), get_le16(d + 12) & 7,
			get_le16(d + 14) % 16);
	}
	memset(gm_ptr(&gm, AREA, AREA_SIZE), 0, AREA_SIZE);
	memcpy(gm_ptr(&gm, AREA, AREA_SIZE), data + 1 + 16 * n,
	       size - 1 - 16 * n < AREA_SIZE ? size - 1 - 16 * n : AREA_SIZE);
	/* Buffers may point at the rings themselves: the device then finds
	 * a ring it cannot trust and asks for a reset, which we do. */
	fq_publish(&q, 0);
	fq_kick(vdev, 0);
	fq_wait(&q, ++returned);
	if (fuzz_needs_reset)
		start_queue();
	return 0;
}
