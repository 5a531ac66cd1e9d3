/* A spare virtio-blk disk's image put in and taken out while the VM runs
 * (virtio-blk.h): another thread hands the change over through an eventfd
 * and waits; the device's service thread makes it, between requests, so
 * the request path never sees an image change under it. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "virtio-blk-internal.h"

static void swap_finish(struct virtio_blk *blk, int ret)
{
	pthread_mutex_lock(&blk->swap_lock);
	blk->swap_op = SWAP_NONE;
	blk->swap_taken = false;
	blk->swap_ret = ret;
	blk->swap_done = true;
	pthread_cond_broadcast(&blk->swap_cond);
	pthread_mutex_unlock(&blk->swap_lock);
}

/* Service thread: an eject it took is waiting for the IO in flight. */
bool blk_eject_waiting(struct virtio_blk *blk)
{
	bool waiting;

	if (blk->swap_efd < 0)
		return false;
	pthread_mutex_lock(&blk->swap_lock);
	waiting = blk->swap_taken && blk->swap_op == SWAP_EJECT;
	pthread_mutex_unlock(&blk->swap_lock);
	return waiting && blk->img;
}

/* No IO in flight any more: close the image, tell the driver. */
void blk_finish_eject(struct virtio_blk *blk)
{
	disk_image_close(blk->img);
	blk->img = NULL;
	memset(blk->cfg.serial, 0, sizeof(blk->cfg.serial));
	virtio_notify_config(&blk->vdev);
	swap_finish(blk, 0);
}

void blk_swap_ready(struct virtio_device *vdev, void *ctx)
{
	struct virtio_blk *blk = ctx;
	struct disk_image *img;
	enum blk_swap_op op;
	uint64_t n;

	(void)vdev;
	if (read(blk->swap_efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	/* Take the request: from here the requester waits for the end. */
	pthread_mutex_lock(&blk->swap_lock);
	op = blk->swap_taken ? SWAP_NONE : blk->swap_op;
	img = blk->swap_img;
	blk->swap_img = NULL;
	blk->swap_taken = op != SWAP_NONE;
	pthread_mutex_unlock(&blk->swap_lock);
	if (op == SWAP_INSERT) {
		if (blk->img) {
			disk_image_close(img);
			swap_finish(blk, -EBUSY);
			return;
		}
		blk->img = img;
		blk->cfg = blk->swap_cfg;
		blk->dio_align = blk->swap_dio_align;
		rate_limit_init(&blk->limit, blk->cfg.iops, blk->cfg.bps, rate_limit_now_ns());
		__atomic_store_n(&blk->capacity, disk_image_size(img), __ATOMIC_RELAXED);
		virtio_notify_config(&blk->vdev);
		swap_finish(blk, 0);
	} else if (op == SWAP_EJECT) {
		if (!blk->img) {
			swap_finish(blk, -ENXIO);
			return;
		}
		/* New requests fail from now; the ones in flight finish first. */
		__atomic_store_n(&blk->capacity, 0, __ATOMIC_RELAXED);
		if (!blk->inflight)
			blk_finish_eject(blk);
	}
}

/* Another thread's side: hand the change over and wait for it. A change
 * not taken within the timeout is withdrawn; one taken always ends (an
 * eject ends when the IO in flight does). */
static int swap_request(struct virtio_blk *blk, enum blk_swap_op op, struct disk_image *img,
			const struct virtio_blk_config *cfg, unsigned dio_align,
			struct uvm_error *err)
{
	struct timespec deadline;
	uint64_t one = 1;
	int ret = 0;

	if (blk->swap_efd < 0) {
		disk_image_close(img);
		return uvm_err(err, -EINVAL, "%s: not a disk that can change", blk->name);
	}
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += BLK_SWAP_TIMEOUT_S;
	pthread_mutex_lock(&blk->swap_lock);
	if (blk->swap_op != SWAP_NONE) {
		pthread_mutex_unlock(&blk->swap_lock);
		disk_image_close(img);
		return uvm_err(err, -EBUSY, "%s: another change is under way", blk->name);
	}
	blk->swap_op = op;
	blk->swap_img = img;
	blk->swap_taken = false;
	if (cfg)
		blk->swap_cfg = *cfg;
	blk->swap_dio_align = dio_align;
	blk->swap_done = false;
	if (write(blk->swap_efd, &one, sizeof(one)) != sizeof(one))
		ret = -errno;
	while (ret == 0 && !blk->swap_done) {
		if (pthread_cond_timedwait(&blk->swap_cond, &blk->swap_lock, &deadline) != ETIMEDOUT ||
		    blk->swap_taken)
			continue;
		ret = -ETIMEDOUT;
	}
	if (ret == 0) {
		ret = blk->swap_ret;
		img = NULL;
	} else {
		img = blk->swap_img;          /* withdrawn: never taken */
		blk->swap_img = NULL;
		blk->swap_op = SWAP_NONE;
	}
	pthread_mutex_unlock(&blk->swap_lock);
	disk_image_close(img);
	if (ret == -ETIMEDOUT)
		return uvm_err(err, ret, "%s: the device did not take the change within %d s "
			       "(is the guest's driver running?)", blk->name, BLK_SWAP_TIMEOUT_S);
	if (ret == -EBUSY)
		return uvm_err(err, ret, "%s: already holds a disk", blk->name);
	if (ret == -ENXIO)
		return uvm_err(err, ret, "%s: holds no disk", blk->name);
	return ret < 0 ? uvm_err_sys(err, ret, "%s", blk->name) : 0;
}

int virtio_blk_insert(struct virtio_blk *blk, const struct virtio_blk_config *cfg,
		      struct uvm_error *err)
{
	struct disk_image *img;
	int ret = disk_image_open(cfg->path, cfg->read_only, &img, err);

	if (ret < 0)
		return ret;
	return swap_request(blk, SWAP_INSERT, img, cfg, blk_probe_dio_align(img), err);
}

int virtio_blk_eject(struct virtio_blk *blk, struct uvm_error *err)
{
	return swap_request(blk, SWAP_EJECT, NULL, NULL, 0, err);
}

