/* virtio-9p device (virtio-9p.h), virtio 1.2 section 5.15 (9P transport):
 * the service thread takes requests off the queue and hands them to the
 * workers (or holds them while their export is over its rate limit), or
 * answers Tflush; workers run the 9P server and return the replies. Memory held for a guest is bounded: each worker owns one request
 * and one reply buffer of msize, and queued requests are only descriptors. */
#include "virtio-9p.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "../vmm/bytes.h"
#include "9p-proto.h"
#include "rate-limit.h"

#define P9_QUEUE_SIZE 128
/* A request's segments: msize split in pages, plus headers. */
#define P9_MAX_IOV (P9_DEFAULT_MSIZE / 4096 + 8)
#define VIRTIO_9P_MOUNT_TAG 0

struct p9_job {
	struct vq_chain *chain;
	uint16_t tag;
	bool running;
	uint64_t cost;               /* bytes, for the export's rate limit */
	struct p9_job *next;         /* in a queue, or in a flush list */
	struct p9_job *flushes;      /* Tflush requests waiting for this one */
};

/* An export's caps, and the requests waiting for them. Waiting requests
 * hold no worker: the service thread releases them as tokens come. */
struct p9_limit {
	char name[128];
	struct rate_limit limit;     /* service thread only */
	struct p9_job *delayed_head, *delayed_tail;   /* under p9->lock */
};

struct virtio_9p {
	struct virtio_device vdev;
	struct p9_server *server;
	char name[32];
	char tag[VIRTIO_9P_MAX_TAG + 1];

	pthread_mutex_t lock;            /* queue, running jobs, free jobs */
	pthread_cond_t cond;
	struct p9_job *queue_head, *queue_tail;
	struct p9_job *running[VIRTIO_9P_WORKERS];
	struct p9_job *free_jobs;
	bool stopping;
	pthread_t workers[VIRTIO_9P_WORKERS];
	unsigned nworkers;
	bool workers_started;            /* at the first request */

	pthread_mutex_t used_lock;       /* the used ring: workers and service thread */

	pthread_mutex_t limits_lock;     /* the limits array */
	struct p9_limit *limits[VIRTIO_9P_MAX_EXPORTS];
	unsigned nlimits;
	int timer_fd;                    /* releases delayed requests */
};

/* ---- jobs ---- */

static struct p9_job *job_get(struct virtio_9p *p9)
{
	struct p9_job *job;

	pthread_mutex_lock(&p9->lock);
	job = p9->free_jobs;
	if (job)
		p9->free_jobs = job->next;
	pthread_mutex_unlock(&p9->lock);
	if (!job) {
		job = calloc(1, sizeof(*job));
		if (!job)
			return NULL;
		job->chain = vq_chain_alloc(P9_MAX_IOV);
		if (!job->chain) {
			free(job);
			return NULL;
		}
	}
	job->running = false;
	job->next = job->flushes = NULL;
	return job;
}

/* Lock held. */
static void job_put_locked(struct virtio_9p *p9, struct p9_job *job)
{
	job->next = p9->free_jobs;
	p9->free_jobs = job;
}

static void job_put(struct virtio_9p *p9, struct p9_job *job)
{
	pthread_mutex_lock(&p9->lock);
	job_put_locked(p9, job);
	pthread_mutex_unlock(&p9->lock);
}

/* Give a chain back with `len` reply bytes and tell the guest. */
static void p9_push(struct virtio_9p *p9, struct p9_job *job, uint32_t len)
{
	pthread_mutex_lock(&p9->used_lock);
	vq_push(&p9->vdev.vqs[0], job->chain->head, len);
	virtio_notify_queue(&p9->vdev, 0);
	pthread_mutex_unlock(&p9->used_lock);
}

/* A short reply built here: Rlerror(ecode) or Rflush. */
static void p9_reply_short(struct virtio_9p *p9, struct p9_job *job, uint8_t type, int ecode)
{
	uint8_t msg[11];
	size_t len = type == P9_RLERROR ? 11 : 7;

	put_le32(msg, (uint32_t)len);
	msg[4] = type;
	put_le16(msg + 5, job->tag);
	put_le32(msg + 7, (uint32_t)ecode);
	p9_push(p9, job, (uint32_t)vq_copy_to_chain(job->chain, 0, msg, len));
}

/* ---- rate limits ---- */

static struct p9_limit *limit_for(struct virtio_9p *p9, const char *export)
{
	struct p9_limit *found = NULL;

	pthread_mutex_lock(&p9->limits_lock);
	for (unsigned i = 0; i < p9->nlimits && !found; i++)
		if (!strcmp(p9->limits[i]->name, export))
			found = p9->limits[i];
	pthread_mutex_unlock(&p9->limits_lock);
	return found;
}

/* Lock held: append to a FIFO. */
static void fifo_push(struct p9_job **head, struct p9_job **tail, struct p9_job *job)
{
	job->next = NULL;
	if (*tail)
		(*tail)->next = job;
	else
		*head = job;
	*tail = job;
}

static void enqueue(struct virtio_9p *p9, struct p9_job *job)
{
	pthread_mutex_lock(&p9->lock);
	fifo_push(&p9->queue_head, &p9->queue_tail, job);
	pthread_cond_signal(&p9->cond);
	pthread_mutex_unlock(&p9->lock);
}

static void arm_timer(struct virtio_9p *p9, uint64_t wait_ns)
{
	struct itimerspec t = { .it_value = { .tv_sec = (time_t)(wait_ns / 1000000000ULL),
					      .tv_nsec = (long)(wait_ns % 1000000000ULL) } };

	if (!t.it_value.tv_sec && !t.it_value.tv_nsec)
		t.it_value.tv_nsec = 1;
	timerfd_settime(p9->timer_fd, 0, &t, NULL);
}

/* Release what the export's tokens allow, in order; returns how long until
 * the next one may go (0: none waiting). Service thread. */
static uint64_t limit_release(struct virtio_9p *p9, struct p9_limit *l)
{
	for (;;) {
		struct p9_job *job;
		uint64_t wait;

		pthread_mutex_lock(&p9->lock);
		job = l->delayed_head;
		pthread_mutex_unlock(&p9->lock);
		if (!job)
			return 0;
		wait = rate_limit_take(&l->limit, job->cost, rate_limit_now_ns());
		if (wait)
			return wait;
		pthread_mutex_lock(&p9->lock);
		l->delayed_head = job->next;
		if (!l->delayed_head)
			l->delayed_tail = NULL;
		fifo_push(&p9->queue_head, &p9->queue_tail, job);
		pthread_cond_signal(&p9->cond);
		pthread_mutex_unlock(&p9->lock);
	}
}

static void p9_timer_ready(struct virtio_device *vdev, void *ctx)
{
	struct virtio_9p *p9 = ctx;
	uint64_t ticks, next = 0;

	(void)vdev;
	if (read(p9->timer_fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&p9->limits_lock);
	for (unsigned i = 0; i < p9->nlimits; i++) {
		uint64_t wait = limit_release(p9, p9->limits[i]);

		if (wait && (!next || wait < next))
			next = wait;
	}
	pthread_mutex_unlock(&p9->limits_lock);
	if (next)
		arm_timer(p9, next);
}

/* Bytes a request moves: the count of reads, writes and readdirs. */
static uint64_t request_cost(const uint8_t *hdr, size_t len)
{
	uint8_t type = len > 4 ? hdr[4] : 0;

	if ((type == P9_TREAD || type == P9_TWRITE || type == P9_TREADDIR) && len >= 23)
		return get_le32(hdr + 19);
	return 0;
}

/* Hold the request back when its export is over its caps; false if it may
 * go now. Service thread. */
static bool throttled(struct virtio_9p *p9, struct p9_job *job, const uint8_t *hdr, size_t len)
{
	char export[128];
	struct p9_limit *l;
	uint64_t wait;
	bool waiting;

	if (!p9->nlimits || p9_server_request_export(p9->server, hdr, len, export, sizeof(export)) < 0 ||
	    !(l = limit_for(p9, export)))
		return false;
	job->cost = request_cost(hdr, len);
	pthread_mutex_lock(&p9->lock);
	waiting = l->delayed_head != NULL;
	if (waiting)
		fifo_push(&l->delayed_head, &l->delayed_tail, job);
	pthread_mutex_unlock(&p9->lock);
	if (waiting)
		return true;     /* behind others: keeps the export's order */
	wait = rate_limit_take(&l->limit, job->cost, rate_limit_now_ns());
	if (!wait)
		return false;
	pthread_mutex_lock(&p9->lock);
	fifo_push(&l->delayed_head, &l->delayed_tail, job);
	pthread_mutex_unlock(&p9->lock);
	arm_timer(p9, wait);
	return true;
}

/* ---- workers ---- */

static void *p9_worker(void *arg)
{
	struct virtio_9p *p9 = arg;
	uint32_t msize = P9_DEFAULT_MSIZE;
	uint8_t *req = malloc(msize), *resp = malloc(msize);
	unsigned slot;

	pthread_setname_np(pthread_self(), "9p-worker");
	pthread_mutex_lock(&p9->lock);
	slot = p9->nworkers++;
	while (req && resp) {
		struct p9_job *job, *flush;
		size_t req_len, cap, resp_len;
		uint8_t type;
		uint16_t tag;

		while (!p9->stopping && !p9->queue_head)
			pthread_cond_wait(&p9->cond, &p9->lock);
		if (p9->stopping)
			break;
		job = p9->queue_head;
		p9->queue_head = job->next;
		if (!p9->queue_head)
			p9->queue_tail = NULL;
		job->running = true;
		p9->running[slot] = job;
		pthread_mutex_unlock(&p9->lock);

		req_len = vq_copy_from_chain(job->chain, 0, req, msize);
		if (p9_peek_header(req, req_len, &type, &tag) == 0 && get_le32(req) < req_len)
			req_len = get_le32(req);
		cap = job->chain->write_len < msize ? job->chain->write_len : msize;
		resp_len = p9_server_handle(p9->server, req, req_len, resp, cap);
		p9_push(p9, job, (uint32_t)vq_copy_to_chain(job->chain, 0, resp, resp_len));

		pthread_mutex_lock(&p9->lock);
		p9->running[slot] = NULL;
		flush = job->flushes;
		job_put_locked(p9, job);
		pthread_mutex_unlock(&p9->lock);
		/* Flushes of this request are answered after its reply. */
		while (flush) {
			struct p9_job *next = flush->next;

			p9_reply_short(p9, flush, P9_RFLUSH, 0);
			job_put(p9, flush);
			flush = next;
		}
		pthread_mutex_lock(&p9->lock);
	}
	pthread_mutex_unlock(&p9->lock);
	free(req);
	free(resp);
	return NULL;
}

/* ---- the queue ---- */

/* Lock held: take the job with `tag` out of a FIFO; NULL if not there. */
static struct p9_job *fifo_remove(struct p9_job **head, struct p9_job **tail, uint16_t tag)
{
	struct p9_job *prev = NULL, *job;

	for (job = *head; job; prev = job, job = job->next) {
		if (job->tag != tag)
			continue;
		if (prev)
			prev->next = job->next;
		else
			*head = job->next;
		if (*tail == job)
			*tail = prev;
		return job;
	}
	return NULL;
}

/* Tflush(oldtag): a request still waiting (queued, or held by a rate limit)
 * is dropped with EINTR and the flush answered now; a running one is
 * answered when it finishes. */
static void p9_flush(struct virtio_9p *p9, struct p9_job *flush, uint16_t oldtag)
{
	struct p9_job *job;

	pthread_mutex_lock(&p9->limits_lock);
	pthread_mutex_lock(&p9->lock);
	job = fifo_remove(&p9->queue_head, &p9->queue_tail, oldtag);
	for (unsigned i = 0; !job && i < p9->nlimits; i++)
		job = fifo_remove(&p9->limits[i]->delayed_head, &p9->limits[i]->delayed_tail, oldtag);
	pthread_mutex_unlock(&p9->limits_lock);
	if (job) {
		pthread_mutex_unlock(&p9->lock);
		p9_reply_short(p9, job, P9_RLERROR, EINTR);
		job_put(p9, job);
		p9_reply_short(p9, flush, P9_RFLUSH, 0);
		job_put(p9, flush);
		return;
	}
	for (unsigned i = 0; i < VIRTIO_9P_WORKERS; i++) {
		job = p9->running[i];
		if (job && job->tag == oldtag) {
			flush->next = job->flushes;
			job->flushes = flush;
			pthread_mutex_unlock(&p9->lock);
			return;
		}
	}
	pthread_mutex_unlock(&p9->lock);
	p9_reply_short(p9, flush, P9_RFLUSH, 0);
	job_put(p9, flush);
}

static void p9_dispatch(struct virtio_9p *p9, struct p9_job *job)
{
	uint8_t hdr[32];
	size_t got = vq_copy_from_chain(job->chain, 0, hdr, sizeof(hdr));
	uint8_t type = 0;

	job->tag = P9_NOTAG;
	job->cost = 0;
	if (got >= P9_HDR_SIZE) {
		type = hdr[4];
		job->tag = get_le16(hdr + 5);
	}
	if (type == P9_TFLUSH && got >= P9_HDR_SIZE + 2 && get_le32(hdr) == P9_HDR_SIZE + 2) {
		p9_flush(p9, job, get_le16(hdr + 7));
		return;
	}
	if (throttled(p9, job, hdr, got))
		return;
	enqueue(p9, job);
}

/* The workers start with the first request, so a device nothing is
 * mounted from (a spare waiting for a folder) costs no threads. Service
 * thread. */
static int start_workers(struct virtio_9p *p9)
{
	for (unsigned i = 0; i < VIRTIO_9P_WORKERS; i++) {
		int ret = pthread_create(&p9->workers[i], NULL, p9_worker, p9);

		if (ret) {
			pthread_mutex_lock(&p9->lock);
			p9->stopping = true;
			pthread_cond_broadcast(&p9->cond);
			pthread_mutex_unlock(&p9->lock);
			for (unsigned j = 0; j < i; j++)
				pthread_join(p9->workers[j], NULL);
			return -ret;
		}
	}
	p9->workers_started = true;
	return 0;
}

static void p9_queue_notify(struct virtio_device *vdev, unsigned q)
{
	struct virtio_9p *p9 = vdev->priv;
	struct virtqueue *vq = &vdev->vqs[q];

	do {
		vq_set_notification(vq, false);
		for (;;) {
			struct p9_job *job = job_get(p9);
			enum vq_pop_result r;

			if (!job)
				return;
			r = vq_pop(vq, job->chain);
			if (r == VQ_EMPTY) {
				job_put(p9, job);
				break;
			}
			if (r == VQ_BROKEN) {
				job_put(p9, job);
				virtio_device_broken(vdev, "malformed 9P request queue");
				return;
			}
			if (r == VQ_BAD_CHAIN) {
				p9_push(p9, job, 0);
				job_put(p9, job);
				continue;
			}
			if (!p9->workers_started && start_workers(p9) < 0) {
				job_put(p9, job);
				virtio_device_broken(vdev, "cannot start the 9P worker threads");
				return;
			}
			p9_dispatch(p9, job);
		}
		vq_set_notification(vq, true);
	} while (vq_has_avail(vq));
}

/* ---- device ---- */

static void p9_config_read(struct virtio_device *vdev, uint64_t offset, void *data, unsigned size)
{
	struct virtio_9p *p9 = vdev->priv;
	uint8_t cfg[2 + VIRTIO_9P_MAX_TAG] = { 0 };
	size_t len = strlen(p9->tag);

	put_le16(cfg, (uint16_t)len);
	memcpy(cfg + 2, p9->tag, len);
	memset(data, 0, size);
	if (offset < 2 + len)
		memcpy(data, cfg + offset, offset + size <= 2 + len ? size : 2 + len - offset);
}

static int p9_start(struct virtio_device *vdev, struct uvm_error *err)
{
	struct virtio_9p *p9 = vdev->priv;

	(void)err;
	p9->stopping = false;
	p9->nworkers = 0;
	p9->workers_started = false;
	return 0;
}

static void p9_stop(struct virtio_device *vdev)
{
	struct virtio_9p *p9 = vdev->priv;

	pthread_mutex_lock(&p9->lock);
	p9->stopping = true;
	pthread_cond_broadcast(&p9->cond);
	pthread_mutex_unlock(&p9->lock);
	for (unsigned i = 0; p9->workers_started && i < VIRTIO_9P_WORKERS; i++)
		pthread_join(p9->workers[i], NULL);
	p9->workers_started = false;
	/* Waiting requests die with the queue (the driver reset it). */
	timerfd_settime(p9->timer_fd, 0, &(struct itimerspec){ 0 }, NULL);
	pthread_mutex_lock(&p9->limits_lock);
	pthread_mutex_lock(&p9->lock);
	while (p9->queue_head) {
		struct p9_job *job = p9->queue_head;

		p9->queue_head = job->next;
		job_put_locked(p9, job);
	}
	p9->queue_tail = NULL;
	for (unsigned i = 0; i < p9->nlimits; i++) {
		struct p9_limit *l = p9->limits[i];

		while (l->delayed_head) {
			struct p9_job *job = l->delayed_head;

			l->delayed_head = job->next;
			job_put_locked(p9, job);
		}
		l->delayed_tail = NULL;
	}
	pthread_mutex_unlock(&p9->lock);
	pthread_mutex_unlock(&p9->limits_lock);
}

static void p9_destroy(struct virtio_device *vdev)
{
	struct virtio_9p *p9 = vdev->priv;

	while (p9->free_jobs) {
		struct p9_job *job = p9->free_jobs;

		p9->free_jobs = job->next;
		free(job->chain);
		free(job);
	}
	for (unsigned i = 0; i < p9->nlimits; i++)
		free(p9->limits[i]);
	if (p9->timer_fd >= 0)
		close(p9->timer_fd);
	p9_server_destroy(p9->server);
	pthread_mutex_destroy(&p9->lock);
	pthread_mutex_destroy(&p9->used_lock);
	pthread_mutex_destroy(&p9->limits_lock);
	pthread_cond_destroy(&p9->cond);
	free(p9);
}

static const struct virtio_device_ops p9_ops = {
	.config_read = p9_config_read,
	.start = p9_start,
	.queue_notify = p9_queue_notify,
	.stop = p9_stop,
	.destroy = p9_destroy,
};

int virtio_9p_create(struct virtio_9p **out, const char *name, const char *tag,
		     const struct guest_memory *mem, struct uvm_error *err)
{
	struct virtio_9p *p9;
	int ret;

	if (!tag || !*tag || strlen(tag) > VIRTIO_9P_MAX_TAG)
		return uvm_err(err, -EINVAL, "9p mount tag '%s' must be 1 to %d bytes", tag ? tag : "",
			       VIRTIO_9P_MAX_TAG);
	p9 = calloc(1, sizeof(*p9));
	if (!p9)
		return uvm_err(err, -ENOMEM, "%s: out of memory", name);
	p9->timer_fd = -1;
	snprintf(p9->name, sizeof(p9->name), "%s", name);
	snprintf(p9->tag, sizeof(p9->tag), "%s", tag);
	pthread_mutex_init(&p9->lock, NULL);
	pthread_mutex_init(&p9->used_lock, NULL);
	pthread_mutex_init(&p9->limits_lock, NULL);
	pthread_cond_init(&p9->cond, NULL);
	p9->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (p9->timer_fd < 0) {
		ret = uvm_err_sys(err, -errno, "%s: timerfd_create", name);
		goto fail;
	}
	ret = p9_server_create(P9_DEFAULT_MSIZE, &p9->server, err);
	if (ret < 0)
		goto fail;
	ret = virtio_device_init(&p9->vdev, p9->name, VIRTIO_ID_9P, 1ULL << VIRTIO_9P_MOUNT_TAG, 1,
				 P9_QUEUE_SIZE, mem, &p9_ops, p9, err);
	if (ret < 0)
		goto fail;
	virtio_device_add_fd(&p9->vdev, p9->timer_fd, p9_timer_ready, p9);
	*out = p9;
	return 0;
fail:
	if (p9->timer_fd >= 0)
		close(p9->timer_fd);
	p9_server_destroy(p9->server);
	pthread_mutex_destroy(&p9->lock);
	pthread_mutex_destroy(&p9->used_lock);
	pthread_mutex_destroy(&p9->limits_lock);
	pthread_cond_destroy(&p9->cond);
	free(p9);
	return ret;
}

struct virtio_device *virtio_9p_device(struct virtio_9p *p9)
{
	return &p9->vdev;
}

int virtio_9p_add_export(struct virtio_9p *p9, const struct virtio_9p_export *exp,
			 struct uvm_error *err)
{
	struct p9_export_config cfg = {
		.name = exp->name, .host_path = exp->host_path, .dir_fd = exp->dir_fd,
		.read_only = exp->read_only,
	};
	struct p9_limit *l;
	int ret;

	if ((exp->iops || exp->bps) && strlen(exp->name ? exp->name : "") >= sizeof(l->name))
		return uvm_err(err, -ENAMETOOLONG, "share name too long");
	ret = p9_server_add_export(p9->server, &cfg, err);
	if (ret < 0 || (!exp->iops && !exp->bps))
		return ret;
	l = calloc(1, sizeof(*l));
	if (!l) {
		p9_server_remove_export(p9->server, exp->name, NULL);
		return uvm_err(err, -ENOMEM, "out of memory");
	}
	snprintf(l->name, sizeof(l->name), "%s", exp->name ? exp->name : "");
	rate_limit_init(&l->limit, exp->iops, exp->bps, rate_limit_now_ns());
	pthread_mutex_lock(&p9->limits_lock);
	if (p9->nlimits == VIRTIO_9P_MAX_EXPORTS) {
		pthread_mutex_unlock(&p9->limits_lock);
		free(l);
		p9_server_remove_export(p9->server, exp->name, NULL);
		return uvm_err(err, -ENOSPC, "at most %d rate-limited shares per device",
			       VIRTIO_9P_MAX_EXPORTS);
	}
	p9->limits[p9->nlimits++] = l;
	pthread_mutex_unlock(&p9->limits_lock);
	return 0;
}

int virtio_9p_remove_export(struct virtio_9p *p9, const char *name, struct uvm_error *err)
{
	/* A removed export's limit stays until the device goes: requests in
	 * flight may still look it up. */
	return p9_server_remove_export(p9->server, name, err);
}
