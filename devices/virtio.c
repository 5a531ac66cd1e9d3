/* Virtio device core and the per-device service thread (virtio.h). */
#include "virtio.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

static void virtio_device_close_fds(struct virtio_device *vdev)
{
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		if (vdev->kick_fd[q] >= 0)
			close(vdev->kick_fd[q]);
		vdev->kick_fd[q] = -1;
	}
	if (vdev->stop_fd >= 0)
		close(vdev->stop_fd);
	vdev->stop_fd = -1;
}

int virtio_device_init(struct virtio_device *vdev, const char *name, uint16_t device_id,
		       uint64_t features, unsigned nqueues, uint16_t queue_max_size,
		       const struct guest_memory *mem, const struct virtio_device_ops *ops,
		       void *priv, struct uvm_error *err)
{
	memset(vdev, 0, sizeof(*vdev));
	vdev->name = name;
	vdev->device_id = device_id;
	vdev->device_features = features | (1ULL << VIRTIO_F_VERSION_1) |
				(1ULL << VIRTIO_F_EVENT_IDX) | (1ULL << VIRTIO_F_INDIRECT_DESC);
	vdev->nqueues = nqueues;
	vdev->queue_max_size = queue_max_size;
	vdev->mem = mem;
	vdev->ops = ops;
	vdev->priv = priv;
	vdev->stop_fd = -1;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
		vdev->kick_fd[q] = -1;
	if (nqueues == 0 || nqueues > VIRTIO_MAX_QUEUES)
		return uvm_err(err, -EINVAL, "%s: %u queues is outside 1..%d", name, nqueues,
			       VIRTIO_MAX_QUEUES);
	vdev->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vdev->stop_fd < 0)
		return uvm_err_sys(err, -errno, "%s: eventfd", name);
	for (unsigned q = 0; q < nqueues; q++) {
		vdev->kick_fd[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vdev->kick_fd[q] < 0) {
			int ret = uvm_err_sys(err, -errno, "%s: eventfd", name);

			virtio_device_close_fds(vdev);
			return ret;
		}
	}
	return 0;
}

int virtio_device_add_fd(struct virtio_device *vdev, int fd,
			 void (*ready)(struct virtio_device *vdev, void *ctx), void *ctx)
{
	if (vdev->running || vdev->nextra == VIRTIO_MAX_EXTRA_FDS)
		return -EBUSY;
	vdev->extra[vdev->nextra++] = (struct virtio_extra_fd){ fd, ready, ctx };
	return 0;
}

static void drain_eventfd(int fd)
{
	uint64_t n;

	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
}

static void *virtio_service_thread(void *arg)
{
	struct virtio_device *vdev = arg;
	struct pollfd fds[1 + VIRTIO_MAX_QUEUES + VIRTIO_MAX_EXTRA_FDS];
	unsigned n = 0;
	char name[16];

	snprintf(name, sizeof(name), "%s", vdev->name);
	pthread_setname_np(pthread_self(), name);
	fds[n++] = (struct pollfd){ .fd = vdev->stop_fd, .events = POLLIN };
	for (unsigned q = 0; q < vdev->nqueues; q++)
		fds[n++] = (struct pollfd){ .fd = vdev->kick_fd[q], .events = POLLIN };
	for (unsigned i = 0; i < vdev->nextra; i++)
		fds[n++] = (struct pollfd){ .fd = vdev->extra[i].fd, .events = POLLIN };

	/* Serve once at start: the driver may have queued buffers before the
	 * notification path existed. */
	for (unsigned q = 0; q < vdev->nqueues; q++)
		if (vdev->vqs[q].ready)
			vdev->ops->queue_notify(vdev, q);
	for (;;) {
		if (poll(fds, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			virtio_device_broken(vdev, "poll failed");
			break;
		}
		if (fds[0].revents)
			break;
		for (unsigned q = 0; q < vdev->nqueues; q++) {
			if (!fds[1 + q].revents)
				continue;
			drain_eventfd(vdev->kick_fd[q]);
			if (vdev->vqs[q].ready)
				vdev->ops->queue_notify(vdev, q);
		}
		for (unsigned i = 0; i < vdev->nextra; i++)
			if (fds[1 + vdev->nqueues + i].revents)
				vdev->extra[i].ready(vdev, vdev->extra[i].ctx);
	}
	return NULL;
}

int virtio_device_start(struct virtio_device *vdev, struct uvm_error *err)
{
	int ret;

	if (vdev->running)
		return 0;
	drain_eventfd(vdev->stop_fd);
	if (vdev->ops->start && (ret = vdev->ops->start(vdev, err)) < 0)
		return ret;
	ret = pthread_create(&vdev->thread, NULL, virtio_service_thread, vdev);
	if (ret) {
		if (vdev->ops->stop)
			vdev->ops->stop(vdev);
		return uvm_err_sys(err, -ret, "%s: cannot start its thread", vdev->name);
	}
	vdev->running = true;
	return 0;
}

static void virtio_device_stop_thread(struct virtio_device *vdev)
{
	uint64_t one = 1;

	if (!vdev->running)
		return;
	if (write(vdev->stop_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return;   /* cannot signal the thread; leave it rather than hang */
	pthread_join(vdev->thread, NULL);
	vdev->running = false;
}

void virtio_device_reset(struct virtio_device *vdev)
{
	bool was_running = vdev->running;

	virtio_device_stop_thread(vdev);
	if (was_running && vdev->ops->stop)
		vdev->ops->stop(vdev);
	for (unsigned q = 0; q < vdev->nqueues; q++) {
		vq_reset(&vdev->vqs[q]);
		drain_eventfd(vdev->kick_fd[q]);
	}
	vdev->driver_features = 0;
}

void virtio_device_destroy(struct virtio_device *vdev)
{
	virtio_device_reset(vdev);
	virtio_device_close_fds(vdev);
	if (vdev->ops && vdev->ops->destroy)
		vdev->ops->destroy(vdev);
}

void virtio_notify_queue(struct virtio_device *vdev, unsigned q)
{
	if (q < vdev->nqueues && vq_should_notify(&vdev->vqs[q]) && vdev->transport_ops)
		vdev->transport_ops->signal_queue(vdev->transport, q);
}

void virtio_notify_config(struct virtio_device *vdev)
{
	if (vdev->transport_ops)
		vdev->transport_ops->signal_config(vdev->transport);
}

void virtio_device_broken(struct virtio_device *vdev, const char *why)
{
	/* Said once: a hostile guest must not flood the VMM's stderr. */
	if (!__atomic_exchange_n(&vdev->reported_broken, true, __ATOMIC_RELAXED))
		fprintf(stderr, "uvmrun: %s: %s; the device needs a reset\n", vdev->name, why);
	if (vdev->transport_ops)
		vdev->transport_ops->needs_reset(vdev->transport);
}
