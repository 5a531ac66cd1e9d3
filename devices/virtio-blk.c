/* virtio-blk device (virtio-blk.h), virtio 1.2 section 5.2. Everything runs
 * on the device's service thread: taking requests off the queue, mapping
 * them through the image, submitting libaio IO, completing it. */
#include "virtio-blk.h"

#include <errno.h>
#include <libaio.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "../vmm/bytes.h"
#include "disk-image.h"
#include "rate-limit.h"
#include "virtio-blk-internal.h"

#define BLK_QUEUE_SIZE 256
#define BLK_SEG_MAX    126                   /* data segments per request */
#define BLK_MAX_IOV    (BLK_SEG_MAX + 2)     /* plus header and status */
#define BLK_SECTOR     512ULL

#define VIRTIO_BLK_F_SEG_MAX  2
#define VIRTIO_BLK_F_RO       5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH    9

#define VIRTIO_BLK_T_IN     0
#define VIRTIO_BLK_T_OUT    1
#define VIRTIO_BLK_T_FLUSH  4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_S_OK     0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

#define BLK_CONFIG_LEN 36

/* ---- requests ---- */

static struct blk_req *req_get(struct virtio_blk *blk)
{
	struct blk_req *req = blk->free_reqs;

	if (req) {
		blk->free_reqs = req->next_free;
	} else {
		req = calloc(1, sizeof(*req));
		if (!req)
			return NULL;
		req->chain = vq_chain_alloc(BLK_MAX_IOV);
		if (!req->chain) {
			free(req);
			return NULL;
		}
		req->next_all = blk->all_reqs;
		blk->all_reqs = req;
	}
	req->status = NULL;
	req->used_len = 0;
	req->pending = 0;
	req->failed = false;
	return req;
}

static void req_release_ios(struct blk_req *req)
{
	for (unsigned i = 0; i < req->nios; i++)
		free(req->ios[i]);
	req->nios = 0;
}

static void req_put(struct virtio_blk *blk, struct blk_req *req)
{
	req_release_ios(req);
	req->next_free = blk->free_reqs;
	blk->free_reqs = req;
}

/* Free every request, in flight or not: only once no IO is outstanding. */
static void req_free_all(struct virtio_blk *blk)
{
	while (blk->all_reqs) {
		struct blk_req *req = blk->all_reqs;

		blk->all_reqs = req->next_all;
		req_release_ios(req);
		free(req->ios);
		free(req->chain);
		free(req);
	}
	blk->free_reqs = NULL;
}

/* Finish a request: status byte, used ring. */
static void req_complete(struct virtio_blk *blk, struct blk_req *req, uint8_t status)
{
	if (req->status)
		*req->status = status;
	vq_push(&blk->vdev.vqs[0], req->chain->head, req->used_len + (req->status ? 1 : 0));
	blk->pushed = true;
	req_put(blk, req);
}

static bool iov_aligned(const struct iovec *iov, int n, unsigned align)
{
	for (int i = 0; i < n; i++)
		if (((uintptr_t)iov[i].iov_base | iov[i].iov_len) & (align - 1))
			return false;
	return true;
}

static struct blk_io *req_add_io(struct blk_req *req, int niov)
{
	struct blk_io *io;

	if (req->nios == req->ios_cap) {
		unsigned cap = req->ios_cap ? req->ios_cap * 2 : 4;
		struct blk_io **ios = realloc(req->ios, cap * sizeof(*ios));

		if (!ios)
			return NULL;
		req->ios = ios;
		req->ios_cap = cap;
	}
	io = calloc(1, sizeof(*io) + (size_t)niov * sizeof(io->iov[0]));
	if (!io)
		return NULL;
	io->req = req;
	io->niov = niov;
	req->ios[req->nios++] = io;
	return io;
}

/* ---- read and write ---- */

/* Build the IOs for a read or write of data_len bytes at byte `offset`,
 * the data being [data_off, data_off+data_len) of iov[0..n). Holes read as
 * zeros at once. Returns false if the request must fail. */
static bool req_build_rw(struct virtio_blk *blk, struct blk_req *req, bool write, uint64_t offset,
			 const struct iovec *iov, unsigned n, size_t data_off, size_t data_len)
{
	struct iovec slice[BLK_MAX_IOV];
	size_t pos = 0;

	while (pos < data_len) {
		struct disk_extent ext;
		struct blk_io *io;
		int cnt, fd;

		if (disk_image_map(blk->img, offset + pos, data_len - pos, write, &ext, NULL) < 0)
			return false;
		if (ext.length > data_len - pos)
			ext.length = data_len - pos;
		cnt = vq_iov_slice(iov, n, data_off + pos, ext.length, slice, BLK_MAX_IOV);
		if (cnt < 0)
			return false;
		if (ext.hole) {
			for (int i = 0; i < cnt; i++)
				memset(slice[i].iov_base, 0, slice[i].iov_len);
			pos += ext.length;
			continue;
		}
		io = req_add_io(req, cnt);
		if (!io)
			return false;
		memcpy(io->iov, slice, (size_t)cnt * sizeof(slice[0]));
		io->expect = ext.length;
		fd = disk_image_fd(blk->img);
		if (blk->dio_align && !(ext.file_offset & (blk->dio_align - 1)) &&
		    iov_aligned(io->iov, cnt, blk->dio_align))
			fd = disk_image_direct_fd(blk->img);
		if (write)
			io_prep_pwritev(&io->iocb, fd, io->iov, cnt, (long long)ext.file_offset);
		else
			io_prep_preadv(&io->iocb, fd, io->iov, cnt, (long long)ext.file_offset);
		io_set_eventfd(&io->iocb, blk->aio_efd);
		io->iocb.data = io;
		pos += ext.length;
	}
	return true;
}

/* Submit a request's IOs; those that cannot be submitted fail it. */
static void req_submit(struct virtio_blk *blk, struct blk_req *req)
{
	struct iocb *iocbs[64];
	unsigned done = 0;

	while (done < req->nios) {
		unsigned batch = req->nios - done < 64 ? req->nios - done : 64;
		int ret;

		for (unsigned i = 0; i < batch; i++)
			iocbs[i] = &req->ios[done + i]->iocb;
		ret = io_submit(blk->aio, (long)batch, iocbs);
		if (ret == -EINTR || ret == -EAGAIN)
			continue;
		if (ret <= 0) {
			req->failed = true;
			break;
		}
		req->pending += (unsigned)ret;
		done += (unsigned)ret;
	}
	if (req->pending)
		blk->inflight++;
	else
		req_complete(blk, req, req->failed ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK);
}

static void req_flush(struct virtio_blk *blk, struct blk_req *req)
{
	struct blk_io *io;
	struct iocb *iocb;

	if (blk->fdsync_works && (io = req_add_io(req, 0))) {
		io_prep_fdsync(&io->iocb, disk_image_fd(blk->img));
		io_set_eventfd(&io->iocb, blk->aio_efd);
		io->iocb.data = io;
		iocb = &io->iocb;
		if (io_submit(blk->aio, 1, &iocb) == 1) {
			req->pending = 1;
			blk->inflight++;
			return;
		}
		/* The kernel cannot fsync asynchronously here: do it inline. */
		blk->fdsync_works = false;
		req_release_ios(req);
	}
	req_complete(blk, req, disk_image_flush(blk->img, NULL) < 0 ? VIRTIO_BLK_S_IOERR :
		     VIRTIO_BLK_S_OK);
}

/* Parse and start one request. */
static void req_start(struct virtio_blk *blk, struct blk_req *req)
{
	struct vq_chain *c = req->chain;
	uint8_t hdr[16];
	const struct iovec *last;
	uint32_t type;
	uint64_t sector, offset;
	size_t data_len;
	bool write;

	/* The status byte is the last byte the device may write. */
	if (c->nwrite == 0 || vq_copy_from_chain(c, 0, hdr, sizeof(hdr)) != sizeof(hdr)) {
		req_complete(blk, req, 0);
		return;
	}
	last = &c->iov[c->nread + c->nwrite - 1];
	req->status = (uint8_t *)last->iov_base + last->iov_len - 1;
	type = get_le32(hdr);
	sector = get_le64(hdr + 8);
	if (!blk->img && (type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_OUT ||
			  type == VIRTIO_BLK_T_FLUSH)) {
		req_complete(blk, req, VIRTIO_BLK_S_IOERR);    /* no medium */
		return;
	}

	switch (type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		write = type == VIRTIO_BLK_T_OUT;
		data_len = write ? c->read_len - sizeof(hdr) : c->write_len - 1;
		if (write && blk->cfg.read_only) {
			req_complete(blk, req, VIRTIO_BLK_S_IOERR);
			return;
		}
		if (data_len % BLK_SECTOR || sector > blk->capacity / BLK_SECTOR ||
		    data_len > blk->capacity - sector * BLK_SECTOR) {
			req_complete(blk, req, VIRTIO_BLK_S_IOERR);
			return;
		}
		offset = sector * BLK_SECTOR;
		if (!write)
			req->used_len = (uint32_t)data_len;
		if (!req_build_rw(blk, req, write, offset, write ? c->iov : c->iov + c->nread,
				  write ? c->nread : c->nwrite, write ? sizeof(hdr) : 0, data_len)) {
			req->used_len = 0;
			req_complete(blk, req, VIRTIO_BLK_S_IOERR);
			return;
		}
		req_submit(blk, req);
		return;
	case VIRTIO_BLK_T_FLUSH:
		req_flush(blk, req);
		return;
	case VIRTIO_BLK_T_GET_ID: {
		char id[VIRTIO_BLK_SERIAL_LEN] = { 0 };

		memcpy(id, blk->cfg.serial, strnlen(blk->cfg.serial, sizeof(id)));
		req->used_len = (uint32_t)vq_copy_to_chain(c, 0, id,
			c->write_len - 1 < sizeof(id) ? c->write_len - 1 : sizeof(id));
		req_complete(blk, req, VIRTIO_BLK_S_OK);
		return;
	}
	default:
		req_complete(blk, req, VIRTIO_BLK_S_UNSUPP);
	}
}

/* Bytes a request will move, for the rate limit. */
static uint64_t req_cost(const struct blk_req *req)
{
	return req->chain->read_len + req->chain->write_len;
}

/* Start a request unless the rate limit says wait; false when throttled. */
static bool req_admit(struct virtio_blk *blk, struct blk_req *req)
{
	uint64_t wait = 0;

	if (rate_limit_enabled(&blk->limit))
		wait = rate_limit_take(&blk->limit, req_cost(req), rate_limit_now_ns());
	if (wait) {
		struct itimerspec t = { .it_value = { .tv_sec = (time_t)(wait / 1000000000ULL),
						      .tv_nsec = (long)(wait % 1000000000ULL) } };

		blk->throttled = req;
		if (timerfd_settime(blk->timer_fd, 0, &t, NULL) < 0) {
			blk->throttled = NULL;
			req_start(blk, req);
			return true;
		}
		return false;
	}
	req_start(blk, req);
	return true;
}

static void blk_signal(struct virtio_blk *blk)
{
	if (blk->pushed) {
		blk->pushed = false;
		virtio_notify_queue(&blk->vdev, 0);
	}
}

static void blk_queue_notify(struct virtio_device *vdev, unsigned q)
{
	struct virtio_blk *blk = vdev->priv;
	struct virtqueue *vq = &vdev->vqs[q];

	if (blk->throttled)
		return;     /* the timer resumes the queue */
	do {
		vq_set_notification(vq, false);
		for (;;) {
			struct blk_req *req = req_get(blk);
			enum vq_pop_result r;

			if (!req)
				goto out;    /* out of memory: retry on the next event */
			r = vq_pop(vq, req->chain);
			if (r == VQ_EMPTY) {
				req_put(blk, req);
				break;
			}
			if (r == VQ_BROKEN) {
				req_put(blk, req);
				virtio_device_broken(vdev, "malformed request queue");
				goto out;
			}
			if (r == VQ_BAD_CHAIN) {
				req_complete(blk, req, 0);
				continue;
			}
			if (!req_admit(blk, req))
				goto out;
		}
		vq_set_notification(vq, true);
	} while (vq_has_avail(vq));
out:
	blk_signal(blk);
}

static void blk_timer_ready(struct virtio_device *vdev, void *ctx)
{
	struct virtio_blk *blk = ctx;
	struct blk_req *req = blk->throttled;
	uint64_t n;

	if (read(blk->timer_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	if (!req)
		return;
	blk->throttled = NULL;
	if (!req_admit(blk, req))
		return;
	blk_queue_notify(vdev, 0);
}

static void blk_aio_ready(struct virtio_device *vdev, void *ctx)
{
	struct virtio_blk *blk = ctx;
	struct io_event events[64];
	uint64_t n;
	int got;

	(void)vdev;
	if (read(blk->aio_efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	do {
		struct timespec zero = { 0, 0 };

		got = io_getevents(blk->aio, 0, 64, events, &zero);
		for (int i = 0; i < got; i++) {
			struct blk_io *io = events[i].data;
			struct blk_req *req = io->req;
			long res = (long)events[i].res;

			if (res < 0 || (io->expect && (size_t)res != io->expect))
				req->failed = true;
			if (--req->pending == 0) {
				blk->inflight--;
				if (req->failed)
					req->used_len = 0;
				req_complete(blk, req, req->failed ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK);
			}
		}
	} while (got == 64);
	blk_signal(blk);
	if (!blk->inflight && blk_eject_waiting(blk))
		blk_finish_eject(blk);
}

/* ---- device ---- */

static void blk_config_read(struct virtio_device *vdev, uint64_t offset, void *data, unsigned size)
{
	struct virtio_blk *blk = vdev->priv;
	uint8_t cfg[BLK_CONFIG_LEN] = { 0 };

	put_le64(cfg, __atomic_load_n(&blk->capacity, __ATOMIC_RELAXED) / BLK_SECTOR);
	put_le32(cfg + 12, BLK_SEG_MAX);
	put_le32(cfg + 20, (uint32_t)BLK_SECTOR);
	put_le16(cfg + 34, 1);
	memset(data, 0, size);
	if (offset < sizeof(cfg))
		memcpy(data, cfg + offset, offset + size <= sizeof(cfg) ? size : sizeof(cfg) - offset);
}

static int blk_start(struct virtio_device *vdev, struct uvm_error *err)
{
	struct virtio_blk *blk = vdev->priv;
	int ret;

	memset(&blk->aio, 0, sizeof(blk->aio));
	ret = io_setup(BLK_QUEUE_SIZE * 4, &blk->aio);
	if (ret < 0)
		return uvm_err_sys(err, ret, "%s: io_setup", blk->name);
	rate_limit_init(&blk->limit, blk->cfg.iops, blk->cfg.bps, rate_limit_now_ns());
	blk->fdsync_works = true;
	return 0;
}

static void blk_stop(struct virtio_device *vdev)
{
	struct virtio_blk *blk = vdev->priv;
	struct itimerspec off = { 0 };

	/* io_destroy waits for the IO in flight; its requests die with the
	 * queue (the driver reset it). */
	io_destroy(blk->aio);
	blk->inflight = 0;
	if (blk_eject_waiting(blk))
		blk_finish_eject(blk);
	timerfd_settime(blk->timer_fd, 0, &off, NULL);
	blk->throttled = NULL;
	req_free_all(blk);
	blk->pushed = false;
}

static void blk_free(struct virtio_blk *blk)
{
	req_free_all(blk);
	if (blk->img)
		disk_image_close(blk->img);
	if (blk->aio_efd >= 0)
		close(blk->aio_efd);
	if (blk->timer_fd >= 0)
		close(blk->timer_fd);
	if (blk->swap_efd >= 0)
		close(blk->swap_efd);
	disk_image_close(blk->swap_img);
	pthread_mutex_destroy(&blk->swap_lock);
	pthread_cond_destroy(&blk->swap_cond);
	free(blk);
}

static void blk_destroy(struct virtio_device *vdev)
{
	blk_free(vdev->priv);
}

static const struct virtio_device_ops blk_ops = {
	.config_read = blk_config_read,
	.start = blk_start,
	.queue_notify = blk_queue_notify,
	.stop = blk_stop,
	.destroy = blk_destroy,
};

/* The O_DIRECT alignment this file accepts: 512, 4096, or 0 for none. */
unsigned blk_probe_dio_align(struct disk_image *img)
{
	int fd = disk_image_direct_fd(img);
	void *buf;
	unsigned align = 0;

	if (fd < 0 || disk_image_size(img) < 4096 || posix_memalign(&buf, 4096, 4096))
		return 0;
	if (pread(fd, buf, 512, 0) == 512)
		align = 512;
	else if (pread(fd, buf, 4096, 0) == 4096)
		align = 4096;
	free(buf);
	return align;
}

/* The device around an open image, or none (a spare). */
static int blk_new(struct virtio_blk **out, const char *name, const struct virtio_blk_config *cfg,
		   struct disk_image *img, const struct guest_memory *mem, struct uvm_error *err)
{
	struct virtio_blk *blk = calloc(1, sizeof(*blk));
	uint64_t features = (1ULL << VIRTIO_BLK_F_SEG_MAX) | (1ULL << VIRTIO_BLK_F_BLK_SIZE) |
			    (1ULL << VIRTIO_BLK_F_FLUSH);
	int ret;

	if (!blk) {
		disk_image_close(img);
		return uvm_err(err, -ENOMEM, "%s: out of memory", name);
	}
	blk->cfg = *cfg;
	blk->aio_efd = blk->timer_fd = blk->swap_efd = -1;
	pthread_mutex_init(&blk->swap_lock, NULL);
	pthread_cond_init(&blk->swap_cond, NULL);
	snprintf(blk->name, sizeof(blk->name), "%s", name);
	blk->img = img;
	if (img) {
		blk->capacity = disk_image_size(img);
		blk->dio_align = blk_probe_dio_align(img);
	} else {
		blk->swap_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	}
	blk->aio_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	blk->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (blk->aio_efd < 0 || blk->timer_fd < 0 || (!img && blk->swap_efd < 0)) {
		ret = uvm_err_sys(err, -errno, "%s: eventfd/timerfd", name);
		goto fail;
	}
	if (cfg->read_only)
		features |= 1ULL << VIRTIO_BLK_F_RO;
	ret = virtio_device_init(&blk->vdev, blk->name, VIRTIO_ID_BLOCK, features, 1,
				 BLK_QUEUE_SIZE, mem, &blk_ops, blk, err);
	if (ret < 0)
		goto fail;
	virtio_device_add_fd(&blk->vdev, blk->aio_efd, blk_aio_ready, blk);
	virtio_device_add_fd(&blk->vdev, blk->timer_fd, blk_timer_ready, blk);
	if (blk->swap_efd >= 0)
		virtio_device_add_fd(&blk->vdev, blk->swap_efd, blk_swap_ready, blk);
	*out = blk;
	return 0;
fail:
	blk_free(blk);
	return ret;
}

int virtio_blk_create(struct virtio_blk **out, const char *name,
		      const struct virtio_blk_config *cfg, const struct guest_memory *mem,
		      struct uvm_error *err)
{
	struct disk_image *img;
	int ret = disk_image_open(cfg->path, cfg->read_only, &img, err);

	if (ret < 0)
		return ret;
	return blk_new(out, name, cfg, img, mem, err);
}

int virtio_blk_create_spare(struct virtio_blk **out, const char *name,
			    const struct guest_memory *mem, struct uvm_error *err)
{
	return blk_new(out, name, &(struct virtio_blk_config){ 0 }, NULL, mem, err);
}

struct virtio_device *virtio_blk_device(struct virtio_blk *blk)
{
	return &blk->vdev;
}
