/* The virtio-blk device driven through its queue by a test driver, with its
 * real service thread and libaio, on raw and dynamic VHD images: reads,
 * multi-segment writes, flush, serial, read-only refusal, range checks,
 * malformed requests, many requests in flight, a spare disk's image put in
 * and taken out. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>

#include "../../devices/disk-image.h"
#include "../../devices/virtio-blk.h"
#include "../../vmm/layout.h"
#include "vq-driver.h"

#define QSIZE 256
#define DISK_SIZE (1 * MiB)

struct rig {
	struct guest_memory gm;
	struct vq_driver d;
	struct virtio_blk *blk;
	struct virtio_device *vdev;
	char dir[64], path[128];
	int signals;
	int resets;
	int config_changes;
};

static void fake_signal(void *t, unsigned q)
{
	(void)q;
	__atomic_add_fetch(&((struct rig *)t)->signals, 1, __ATOMIC_RELAXED);
}

static void fake_config(void *t)
{
	__atomic_add_fetch(&((struct rig *)t)->config_changes, 1, __ATOMIC_RELAXED);
}

static void fake_reset(void *t)
{
	__atomic_add_fetch(&((struct rig *)t)->resets, 1, __ATOMIC_RELAXED);
}

static const struct virtio_transport_ops fake_transport = { fake_signal, fake_config, fake_reset };

/* A raw disk whose sector s is filled with the byte (s & 0xff). */
static void make_raw(struct rig *r)
{
	uint8_t sector[512];
	int fd = open(r->path, O_CREAT | O_WRONLY | O_TRUNC, 0644);

	for (unsigned s = 0; s < DISK_SIZE / 512; s++) {
		memset(sector, (int)(s & 0xff), sizeof(sector));
		CHECK_EQ(write(fd, sector, sizeof(sector)), 512);
	}
	close(fd);
}

/* spare: a device with no medium (the image is made, not put in). */
static int rig_setup_as(struct rig *r, bool read_only, bool vhd, bool spare)
{
	struct virtio_blk_config cfg = { .read_only = read_only, .serial = "layer-1234" };
	struct uvm_error err = { 0 };
	int ret;

	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "/tmp/blk-test.XXXXXX");
	CHECK(mkdtemp(r->dir) != NULL);
	snprintf(r->path, sizeof(r->path), "%s/disk.img", r->dir);
	if (vhd)
		CHECK_EQ(disk_image_create_vhd(r->path, DISK_SIZE, true, &err), 0);
	else
		make_raw(r);
	cfg.path = r->path;
	CHECK_EQ(guest_memory_create(&r->gm, 8 * MiB, NULL), 0);
	if (spare)
		ret = virtio_blk_create_spare(&r->blk, "blk-test", &r->gm, &err);
	else
		ret = virtio_blk_create(&r->blk, "blk-test", &cfg, &r->gm, &err);
	if (ret < 0) {
		printf("#   %s\n", err.msg);
		return -1;
	}
	r->vdev = virtio_blk_device(r->blk);
	r->vdev->transport_ops = &fake_transport;
	r->vdev->transport = r;
	r->vdev->driver_features = 1ULL << VIRTIO_F_VERSION_1;
	vqd_init(&r->d, &r->gm, QSIZE, 0x10000);
	CHECK(vq_setup(&r->vdev->vqs[0], &r->gm, QSIZE, r->d.desc, r->d.avail, r->d.used, false));
	CHECK_EQ(virtio_device_start(r->vdev, &err), 0);
	return 0;
}

static int rig_setup(struct rig *r, bool read_only, bool vhd)
{
	return rig_setup_as(r, read_only, vhd, false);
}

static void rig_teardown(struct rig *r)
{
	char cmd[128];

	if (r->vdev)
		virtio_device_destroy(r->vdev);
	guest_memory_destroy(&r->gm);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", r->dir);
	CHECK_EQ(system(cmd), 0);
}

static void kick(struct rig *r)
{
	uint64_t one = 1;

	CHECK_EQ(write(r->vdev->kick_fd[0], &one, 8), 8);
}

struct req {
	uint64_t hdr, data, status;
	uint16_t head;
};

/* Queue a request of `type` at `sector` with `nseg` data segments of
 * seg_len bytes each (device-writable for reads and GET_ID). */
static struct req submit(struct rig *r, uint32_t type, uint64_t sector, unsigned nseg,
			 uint32_t seg_len)
{
	struct test_desc descs[16];
	struct req q;
	bool dev_writes = type == 0 || type == 8;
	unsigned n = 0;

	q.hdr = vqd_alloc(&r->d, 16);
	q.data = vqd_alloc(&r->d, (uint64_t)nseg * seg_len);
	q.status = vqd_alloc(&r->d, 1);
	put_le32(gm_ptr(&r->gm, q.hdr, 4), type);
	put_le32(gm_ptr(&r->gm, q.hdr + 4, 4), 0);
	put_le64(gm_ptr(&r->gm, q.hdr + 8, 8), sector);
	*(uint8_t *)gm_ptr(&r->gm, q.status, 1) = 0xee;
	descs[n++] = (struct test_desc){ q.hdr, 16, 0, 0 };
	for (unsigned i = 0; i < nseg; i++)
		descs[n++] = (struct test_desc){ q.data + (uint64_t)i * seg_len, seg_len,
						 dev_writes ? VIRTQ_DESC_F_WRITE : 0, 0 };
	descs[n++] = (struct test_desc){ q.status, 1, VIRTQ_DESC_F_WRITE, 0 };
	q.head = vqd_add(&r->d, descs, n, 0);
	return q;
}

static uint8_t complete(struct rig *r, const struct req *q, uint32_t *len)
{
	uint32_t id = 0, l = 0;

	kick(r);
	if (vqd_wait_used(&r->d, 5000, &id, &l) < 0) {
		CHECK(!"request completed within 5 s");
		return 0xff;
	}
	CHECK_EQ(id, q->head);
	if (len)
		*len = l;
	return *(uint8_t *)gm_ptr(&r->gm, q->status, 1);
}

static void reads_return_the_disk(void)
{
	struct rig r;
	struct req q;
	uint32_t len;

	if (rig_setup(&r, true, false) == 0) {
		q = submit(&r, 0, 7, 3, 512);          /* three segments: sectors 7, 8, 9 */
		CHECK_EQ(complete(&r, &q, &len), 0);
		CHECK_EQ(len, 3 * 512 + 1);
		CHECK_EQ(*(uint8_t *)gm_ptr(&r.gm, q.data, 1), 7);
		CHECK_EQ(*(uint8_t *)gm_ptr(&r.gm, q.data + 512, 1), 8);
		CHECK_EQ(*(uint8_t *)gm_ptr(&r.gm, q.data + 1535, 1), 9);
	}
	rig_teardown(&r);
}

static void writes_land_in_the_file_and_flush_succeeds(void)
{
	struct rig r;
	struct req q;
	uint8_t back[1024];
	int fd;

	if (rig_setup(&r, false, false) == 0) {
		q = submit(&r, 1, 100, 2, 512);
		memset(gm_ptr(&r.gm, q.data, 1024), 0xab, 1024);
		CHECK_EQ(complete(&r, &q, NULL), 0);
		q = submit(&r, 4, 0, 0, 0);
		CHECK_EQ(complete(&r, &q, NULL), 0);
		fd = open(r.path, O_RDONLY);
		CHECK_EQ(pread(fd, back, sizeof(back), 100 * 512), (ssize_t)sizeof(back));
		close(fd);
		CHECK_EQ(back[0], 0xab);
		CHECK_EQ(back[1023], 0xab);
		CHECK(r.signals > 0);
	}
	rig_teardown(&r);
}

static void serial_is_the_configured_id(void)
{
	struct rig r;
	struct req q;

	if (rig_setup(&r, true, false) == 0) {
		q = submit(&r, 8, 0, 1, 20);
		CHECK_EQ(complete(&r, &q, NULL), 0);
		CHECK(memcmp(gm_ptr(&r.gm, q.data, 11), "layer-1234\0", 11) == 0);
	}
	rig_teardown(&r);
}

static void read_only_disk_refuses_writes(void)
{
	struct rig r;
	struct req q;
	uint8_t back[512];
	int fd;

	if (rig_setup(&r, true, false) == 0) {
		q = submit(&r, 1, 3, 1, 512);
		memset(gm_ptr(&r.gm, q.data, 512), 0xcd, 512);
		CHECK_EQ(complete(&r, &q, NULL), 1);       /* VIRTIO_BLK_S_IOERR */
		fd = open(r.path, O_RDONLY);
		CHECK_EQ(pread(fd, back, 512, 3 * 512), 512);
		close(fd);
		CHECK_EQ(back[0], 3);                      /* unchanged */
	}
	rig_teardown(&r);
}

static void bad_requests_fail_and_the_device_goes_on(void)
{
	struct rig r;
	struct req q;
	uint32_t id, len;

	if (rig_setup(&r, false, false) == 0) {
		q = submit(&r, 0, DISK_SIZE / 512, 1, 512);        /* past the end */
		CHECK_EQ(complete(&r, &q, NULL), 1);
		q = submit(&r, 0, DISK_SIZE / 512 - 1, 2, 512);    /* runs past the end */
		CHECK_EQ(complete(&r, &q, NULL), 1);
		q = submit(&r, 0, UINT64_MAX / 256, 1, 512);       /* sector * 512 overflows */
		CHECK_EQ(complete(&r, &q, NULL), 1);
		q = submit(&r, 0, 0, 1, 100);                      /* not whole sectors */
		CHECK_EQ(complete(&r, &q, NULL), 1);
		q = submit(&r, 99, 0, 0, 0);                       /* unknown type */
		CHECK_EQ(complete(&r, &q, NULL), 2);               /* VIRTIO_BLK_S_UNSUPP */
		/* A malformed chain: zero-length descriptor. */
		vqd_add(&r.d, (struct test_desc[]){ { 0x90000, 0, 0, 0 }, { 0x90010, 1, VIRTQ_DESC_F_WRITE, 0 } }, 2, 0);
		kick(&r);
		CHECK_EQ(vqd_wait_used(&r.d, 5000, &id, &len), 0);
		CHECK_EQ(len, 0);
		/* A header shorter than 16 bytes. */
		vqd_add(&r.d, (struct test_desc[]){ { 0x90000, 8, 0, 0 }, { 0x90010, 1, VIRTQ_DESC_F_WRITE, 0 } }, 2, 0);
		kick(&r);
		CHECK_EQ(vqd_wait_used(&r.d, 5000, &id, &len), 0);
		CHECK_EQ(len, 0);
		/* Still serving. */
		q = submit(&r, 0, 5, 1, 512);
		CHECK_EQ(complete(&r, &q, NULL), 0);
		CHECK_EQ(*(uint8_t *)gm_ptr(&r.gm, q.data, 1), 5);
		CHECK_EQ(r.resets, 0);
	}
	rig_teardown(&r);
}

static void broken_ring_asks_for_a_reset(void)
{
	struct rig r;

	if (rig_setup(&r, false, false) == 0) {
		vqd_publish_head(&r.d, QSIZE + 7);
		kick(&r);
		for (int i = 0; i < 5000 && !__atomic_load_n(&r.resets, __ATOMIC_RELAXED); i++)
			usleep(1000);
		CHECK_EQ(r.resets, 1);
	}
	rig_teardown(&r);
}

static void many_requests_in_flight(void)
{
	struct rig r;
	struct req qs[64];
	unsigned done = 0;

	if (rig_setup(&r, false, false) == 0) {
		for (int i = 0; i < 64; i++) {
			qs[i] = submit(&r, 1, (uint64_t)i * 8, 1, 4096);
			memset(gm_ptr(&r.gm, qs[i].data, 4096), i, 4096);
		}
		kick(&r);
		for (; done < 64; done++) {
			uint32_t id, len;

			if (vqd_wait_used(&r.d, 5000, &id, &len) < 0)
				break;
		}
		CHECK_EQ(done, 64);
		for (int i = 0; i < 64; i++)
			CHECK_EQ(*(uint8_t *)gm_ptr(&r.gm, qs[i].status, 1), 0);
		for (int i = 0; i < 64; i++) {
			struct req q = submit(&r, 0, (uint64_t)i * 8 + 7, 1, 512);

			CHECK_EQ(complete(&r, &q, NULL), 0);
			CHECK_EQ(*(uint8_t *)gm_ptr(&r.gm, q.data + 511, 1), i);
		}
	}
	rig_teardown(&r);
}

static void dynamic_vhd_allocates_on_write(void)
{
	struct rig r;
	struct req q;
	struct disk_image *img;
	struct disk_extent ext;

	if (rig_setup(&r, false, true) == 0) {
		q = submit(&r, 0, 10, 1, 512);              /* a hole reads as zeros */
		memset(gm_ptr(&r.gm, q.data, 512), 0x77, 512);
		CHECK_EQ(complete(&r, &q, NULL), 0);
		CHECK_EQ(*(uint8_t *)gm_ptr(&r.gm, q.data + 100, 1), 0);
		q = submit(&r, 1, 10, 2, 512);
		memset(gm_ptr(&r.gm, q.data, 1024), 0x5e, 1024);
		CHECK_EQ(complete(&r, &q, NULL), 0);
		q = submit(&r, 4, 0, 0, 0);
		CHECK_EQ(complete(&r, &q, NULL), 0);
		q = submit(&r, 0, 11, 1, 512);
		CHECK_EQ(complete(&r, &q, NULL), 0);
		CHECK_EQ(*(uint8_t *)gm_ptr(&r.gm, q.data + 511, 1), 0x5e);
		/* Another opener sees the allocation. */
		CHECK_EQ(disk_image_open(r.path, true, &img, NULL), 0);
		CHECK_EQ(disk_image_map(img, 10 * 512, 512, false, &ext, NULL), 0);
		CHECK(!ext.hole);
		disk_image_close(img);
	}
	rig_teardown(&r);
}

static uint64_t config_capacity(struct rig *r)
{
	uint8_t cfg[8];

	r->vdev->ops->config_read(r->vdev, 0, cfg, sizeof(cfg));
	return get_le64(cfg);
}

/* A spare disk: no medium until an image is put in, then the image's
 * sectors and serial; taken out, nothing again. */
static void spare_disk_takes_an_image_and_gives_it_back(void)
{
	struct virtio_blk_config cfg = { .serial = "hotdisk7" };
	struct uvm_error err = { 0 };
	struct rig r;
	struct req q;

	if (rig_setup_as(&r, false, false, true) == 0) {
		CHECK_EQ(config_capacity(&r), 0);
		q = submit(&r, 0, 0, 1, 512);
		CHECK_EQ(complete(&r, &q, NULL), 1);                  /* IOERR: no medium */
		q = submit(&r, 4, 0, 0, 0);
		CHECK_EQ(complete(&r, &q, NULL), 1);
		CHECK_EQ(virtio_blk_eject(r.blk, &err), -ENXIO);
		cfg.path = r.path;
		CHECK_EQ(virtio_blk_insert(r.blk, &cfg, &err), 0);
		CHECK_EQ(config_capacity(&r), DISK_SIZE / 512);
		CHECK(r.config_changes >= 1);
		q = submit(&r, 0, 7, 1, 512);
		CHECK_EQ(complete(&r, &q, NULL), 0);
		CHECK_EQ(*(uint8_t *)gm_ptr(&r.gm, q.data, 1), 7);
		q = submit(&r, 8, 0, 1, 20);
		CHECK_EQ(complete(&r, &q, NULL), 0);
		CHECK(memcmp(gm_ptr(&r.gm, q.data, 9), "hotdisk7\0", 9) == 0);
		CHECK_EQ(virtio_blk_insert(r.blk, &cfg, &err), -EBUSY);
		CHECK_EQ(virtio_blk_eject(r.blk, &err), 0);
		CHECK_EQ(config_capacity(&r), 0);
		CHECK(r.config_changes >= 2);
		q = submit(&r, 0, 7, 1, 512);
		CHECK_EQ(complete(&r, &q, NULL), 1);
		/* Read-only this time: writes refused by the device itself. */
		cfg.read_only = true;
		CHECK_EQ(virtio_blk_insert(r.blk, &cfg, &err), 0);
		q = submit(&r, 1, 3, 1, 512);
		CHECK_EQ(complete(&r, &q, NULL), 1);
		cfg.path = "/nonexistent-disk";
		CHECK_EQ(virtio_blk_eject(r.blk, &err), 0);
		CHECK_EQ(virtio_blk_insert(r.blk, &cfg, &err), -ENOENT);
	}
	rig_teardown(&r);
	/* A disk made with its image does not change. */
	if (rig_setup(&r, true, false) == 0) {
		cfg.path = r.path;
		CHECK_EQ(virtio_blk_eject(r.blk, &err), -EINVAL);
		CHECK_EQ(virtio_blk_insert(r.blk, &cfg, &err), -EINVAL);
	}
	rig_teardown(&r);
}

TEST_LIST(T(reads_return_the_disk), T(spare_disk_takes_an_image_and_gives_it_back), T(writes_land_in_the_file_and_flush_succeeds),
	  T(serial_is_the_configured_id), T(read_only_disk_refuses_writes),
	  T(bad_requests_fail_and_the_device_goes_on), T(broken_ring_asks_for_a_reset),
	  T(many_requests_in_flight), T(dynamic_vhd_allocates_on_write));
TEST_MAIN("virtio-blk")
