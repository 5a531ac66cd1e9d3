/* virtio-vsock device (virtio-vsock.h), virtio 1.2 section 5.10. All work
 * happens on the device's service thread: guest packets from the tx queue,
 * packets to the guest into the rx queue, and the host sockets through one
 * epoll set. Queues: 0 rx, 1 tx, 2 event (unused: no migration). */
#include "virtio-vsock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "../vmm/bytes.h"
#include "rate-limit.h"
#include "vsock-conn.h"

#define VSOCK_QUEUE_SIZE 256
#define VSOCK_MAX_IOV 64
#define VSOCK_MAX_PKT (64 * 1024)     /* payload of one packet, as Linux sends */
#define VSOCK_MAX_ORPHANS 64
#define VSOCK_FIRST_LOCAL_PORT (1u << 30)
#define Q_RX 0
#define Q_TX 1

struct virtio_vsock {
	struct virtio_device vdev;
	char name[32];
	uint64_t guest_cid;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int listen_fd, epfd, timer_fd;
	int listen_tag;                  /* its address tags the listen socket in epoll */
	struct vsock_conn *conns[VSOCK_MAX_CONNS];
	unsigned nconns;
	unsigned rr;                     /* round-robin start for rx */
	uint32_t next_local_port;
	struct vsock_hdr orphans[VSOCK_MAX_ORPHANS];   /* RSTs for unknown connections */
	unsigned norphans;
	bool rx_starved;                 /* no rx buffers: stop watching sockets */
	bool rx_pushed;
	struct vq_chain *rx_chain, *tx_chain;
	struct {
		uint32_t port;
		char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	} routes[VSOCK_MAX_ROUTES];
	unsigned nroutes;
	uint8_t payload[VSOCK_MAX_PKT];
};

/* ---- connections ---- */

static struct vsock_conn *conn_find(struct virtio_vsock *vs, uint32_t local, uint32_t peer)
{
	for (unsigned i = 0; i < vs->nconns; i++)
		if (vs->conns[i]->local_port == local && vs->conns[i]->peer_port == peer)
			return vs->conns[i];
	return NULL;
}

static struct vsock_conn *conn_new(struct virtio_vsock *vs, int fd, enum vsock_conn_state state)
{
	struct vsock_conn *c;

	if (vs->nconns == VSOCK_MAX_CONNS)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->fd = fd;
	c->state = state;
	vs->conns[vs->nconns++] = c;
	return c;
}

static void conn_drop(struct virtio_vsock *vs, struct vsock_conn *c)
{
	for (unsigned i = 0; i < vs->nconns; i++) {
		if (vs->conns[i] != c)
			continue;
		vs->conns[i] = vs->conns[--vs->nconns];
		break;
	}
	if (c->epoll_events)
		epoll_ctl(vs->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	vsock_conn_free(c);
}

/* Watch the host socket for what we can act on now (level-triggered, so
 * only ask for what we will consume). */
static void conn_sync_epoll(struct virtio_vsock *vs, struct vsock_conn *c)
{
	uint32_t ev = 0;
	struct epoll_event e = { .data.ptr = c };

	if (c->state == CONN_HOST_LINE)
		ev = EPOLLIN;
	else if (c->state == CONN_ESTABLISHED) {
		if (!c->readable && !c->host_eof && !c->guest_done_receiving && !vs->rx_starved &&
		    vsock_conn_peer_credit(c) > 0)
			ev |= EPOLLIN;
		if (c->pending_len)
			ev |= EPOLLOUT;
	}
	if (ev == c->epoll_events)
		return;
	e.events = ev;
	if (!c->epoll_events)
		epoll_ctl(vs->epfd, EPOLL_CTL_ADD, c->fd, &e);
	else if (!ev)
		epoll_ctl(vs->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	else
		epoll_ctl(vs->epfd, EPOLL_CTL_MOD, c->fd, &e);
	c->epoll_events = ev;
}

/* The connection is over: tell the guest (RST) and forget it once said. */
static void conn_reset(struct virtio_vsock *vs, struct vsock_conn *c)
{
	c->state = CONN_CLOSING;
	c->owe = OWE_RST;
	c->readable = false;
	c->deadline_ns = rate_limit_now_ns() + VSOCK_HANDSHAKE_NS;
	conn_sync_epoll(vs, c);
}

static void orphan_rst(struct virtio_vsock *vs, const struct vsock_hdr *h)
{
	if (h->op == VSOCK_OP_RST || vs->norphans == VSOCK_MAX_ORPHANS)
		return;
	vs->orphans[vs->norphans++] = (struct vsock_hdr){
		.src_cid = VSOCK_HOST_CID, .dst_cid = vs->guest_cid,
		.src_port = h->dst_port, .dst_port = h->src_port,
		.type = VSOCK_TYPE_STREAM, .op = VSOCK_OP_RST,
	};
}

/* ---- packets to the guest (rx queue) ---- */

static void hdr_for(struct virtio_vsock *vs, struct vsock_conn *c, uint16_t op,
		    struct vsock_hdr *h)
{
	*h = (struct vsock_hdr){
		.src_cid = VSOCK_HOST_CID, .dst_cid = vs->guest_cid,
		.src_port = c->local_port, .dst_port = c->peer_port,
		.type = VSOCK_TYPE_STREAM, .op = op,
		.buf_alloc = VSOCK_CONN_BUF, .fwd_cnt = c->fwd_cnt,
	};
}

/* Whether a connection has a packet for the guest; checks the socket for
 * data without taking any. */
/* Whether host data may go to the guest now: established, the socket said
 * it is readable, neither side ended that direction, and the guest has
 * credit for at least a byte. */
static bool conn_may_send_data(struct vsock_conn *c)
{
	return c->state == CONN_ESTABLISHED && c->readable && !c->host_eof &&
	       !c->guest_done_receiving && vsock_conn_peer_credit(c) > 0;
}

static bool conn_has_rx(struct vsock_conn *c)
{
	char b;
	ssize_t n;

	if (c->owe)
		return true;
	if (!conn_may_send_data(c))
		return false;
	n = recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		c->readable = false;
		return false;
	}
	return true;   /* data, EOF or an error: each makes a packet */
}

/* Fill one rx chain for connection c; returns the bytes written (0: none). */
static uint32_t conn_fill(struct virtio_vsock *vs, struct vsock_conn *c, struct vq_chain *ch)
{
	uint8_t raw[VSOCK_HDR_SIZE];
	struct vsock_hdr h;
	size_t room = ch->write_len - VSOCK_HDR_SIZE;

	if (c->owe & OWE_RST) {
		hdr_for(vs, c, VSOCK_OP_RST, &h);
		c->owe = 0;
	} else if (c->owe & OWE_REQUEST) {
		hdr_for(vs, c, VSOCK_OP_REQUEST, &h);
		c->owe &= ~OWE_REQUEST;
	} else if (c->owe & OWE_RESPONSE) {
		hdr_for(vs, c, VSOCK_OP_RESPONSE, &h);
		c->owe &= ~OWE_RESPONSE;
	} else if (c->owe & OWE_SHUTDOWN) {
		hdr_for(vs, c, VSOCK_OP_SHUTDOWN, &h);
		h.flags = c->shutdown_flags;
		c->owe &= ~OWE_SHUTDOWN;
	} else if (room > 0 && conn_may_send_data(c)) {
		/* Only with room and credit: reading zero bytes would look like EOF. */
		struct iovec iov[VSOCK_MAX_IOV];
		size_t want = room;
		int cnt;
		ssize_t n;

		if (want > VSOCK_MAX_PKT)
			want = VSOCK_MAX_PKT;
		if (want > vsock_conn_peer_credit(c))
			want = vsock_conn_peer_credit(c);
		cnt = vq_iov_slice(ch->iov + ch->nread, ch->nwrite, VSOCK_HDR_SIZE, want, iov,
				   VSOCK_MAX_IOV);
		if (cnt <= 0)
			return 0;
		do
			n = readv(c->fd, iov, cnt);
		while (n < 0 && errno == EINTR);
		if (n < 0 && errno == EAGAIN) {
			c->readable = false;
			return 0;
		}
		if (n <= 0) {
			/* The host program is done sending (or gone). */
			c->host_eof = true;
			c->readable = false;
			hdr_for(vs, c, VSOCK_OP_SHUTDOWN, &h);
			h.flags = VSOCK_SHUTDOWN_SEND;
			if (n < 0)
				h.flags |= VSOCK_SHUTDOWN_RCV;
		} else {
			hdr_for(vs, c, VSOCK_OP_RW, &h);
			h.len = (uint32_t)n;
			c->tx_cnt += (uint32_t)n;
		}
	} else if (c->owe & OWE_CREDIT_UPDATE) {
		hdr_for(vs, c, VSOCK_OP_CREDIT_UPDATE, &h);
	} else {
		return 0;
	}
	/* Every packet carries our fwd_cnt: no separate update is owed now. */
	c->owe &= ~OWE_CREDIT_UPDATE;
	c->fwd_cnt_sent = c->fwd_cnt;
	vsock_hdr_encode(&h, raw);
	vq_copy_to_chain(ch, 0, raw, VSOCK_HDR_SIZE);
	return VSOCK_HDR_SIZE + h.len;
}

static void vsock_fill_rx(struct virtio_vsock *vs)
{
	struct virtqueue *vq = &vs->vdev.vqs[Q_RX];

	for (;;) {
		struct vsock_conn *c = NULL;
		enum vq_pop_result r;
		uint32_t len;

		if (!vs->norphans) {
			for (unsigned k = 0; k < vs->nconns && !c; k++) {
				struct vsock_conn *cand = vs->conns[(vs->rr + k) % vs->nconns];

				if (conn_has_rx(cand))
					c = cand;
			}
			if (!c)
				break;
		}
		r = vq_pop(vq, vs->rx_chain);
		if (r == VQ_EMPTY) {
			vs->rx_starved = true;
			break;
		}
		if (r == VQ_BROKEN) {
			virtio_device_broken(&vs->vdev, "malformed vsock rx queue");
			return;
		}
		if (r == VQ_BAD_CHAIN || vs->rx_chain->nread || vs->rx_chain->write_len < VSOCK_HDR_SIZE) {
			vq_push(vq, vs->rx_chain->head, 0);
			vs->rx_pushed = true;
			continue;
		}
		if (vs->norphans) {
			uint8_t raw[VSOCK_HDR_SIZE];

			vsock_hdr_encode(&vs->orphans[--vs->norphans], raw);
			vq_copy_to_chain(vs->rx_chain, 0, raw, VSOCK_HDR_SIZE);
			len = VSOCK_HDR_SIZE;
		} else {
			len = conn_fill(vs, c, vs->rx_chain);
			vs->rr++;
		}
		vq_push(vq, vs->rx_chain->head, len);
		vs->rx_pushed = true;
		if (c && c->state == CONN_CLOSING && !c->owe)
			conn_drop(vs, c);
		else if (c)
			conn_sync_epoll(vs, c);
	}
	if (vs->rx_pushed) {
		vs->rx_pushed = false;
		virtio_notify_queue(&vs->vdev, Q_RX);
	}
}

/* ---- packets from the guest (tx queue) ---- */

static void guest_request(struct virtio_vsock *vs, const struct vsock_hdr *h)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct vsock_conn *c;
	int fd, n = -1;

	for (unsigned i = 0; i < vs->nroutes && n < 0; i++)
		if (vs->routes[i].port == h->dst_port)
			n = snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", vs->routes[i].path);
	if (n < 0)
		n = snprintf(addr.sun_path, sizeof(addr.sun_path), "%s_%u", vs->path, h->dst_port);
	if (n < 0 || (size_t)n >= sizeof(addr.sun_path)) {
		orphan_rst(vs, h);
		return;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    !(c = conn_new(vs, fd, CONN_ESTABLISHED))) {
		if (fd >= 0)
			close(fd);
		orphan_rst(vs, h);
		return;
	}
	c->local_port = h->dst_port;
	c->peer_port = h->src_port;
	c->owe = OWE_RESPONSE;
	conn_sync_epoll(vs, c);
}

static void guest_response(struct virtio_vsock *vs, struct vsock_conn *c)
{
	char line[32];
	int n;

	if (c->state != CONN_HOST_REQUESTED) {
		conn_reset(vs, c);
		return;
	}
	c->state = CONN_ESTABLISHED;
	c->deadline_ns = 0;
	n = snprintf(line, sizeof(line), "OK %u\n", c->local_port);
	if (write(c->fd, line, (size_t)n) != n)
		conn_reset(vs, c);
}

static void guest_shutdown(struct virtio_vsock *vs, struct vsock_conn *c, uint32_t flags)
{
	if (flags & VSOCK_SHUTDOWN_SEND)
		c->guest_done_sending = true;
	if (flags & VSOCK_SHUTDOWN_RCV)
		c->guest_done_receiving = true;
	if (c->guest_done_sending && c->guest_done_receiving) {
		/* The guest closed: give the host what we hold, then RST. */
		vsock_conn_flush(c);
		conn_reset(vs, c);
		return;
	}
	if (c->guest_done_sending && !c->pending_len)
		shutdown(c->fd, SHUT_WR);
}

static void guest_packet(struct virtio_vsock *vs, const struct vsock_hdr *h, const uint8_t *data)
{
	struct vsock_conn *c;

	if (h->src_cid != vs->guest_cid || h->dst_cid != VSOCK_HOST_CID)
		return;    /* not from the guest to us: nothing sensible to answer */
	if (h->type != VSOCK_TYPE_STREAM) {
		orphan_rst(vs, h);
		return;
	}
	c = conn_find(vs, h->dst_port, h->src_port);
	if (h->op == VSOCK_OP_REQUEST) {
		if (c)
			conn_reset(vs, c);
		else
			guest_request(vs, h);
		c = conn_find(vs, h->dst_port, h->src_port);
		if (c) {
			c->peer_buf_alloc = h->buf_alloc;
			c->peer_fwd_cnt = h->fwd_cnt;
		}
		return;
	}
	if (!c || c->state == CONN_CLOSING) {
		if (!c)
			orphan_rst(vs, h);
		return;
	}
	c->peer_buf_alloc = h->buf_alloc;
	c->peer_fwd_cnt = h->fwd_cnt;
	switch (h->op) {
	case VSOCK_OP_RESPONSE:
		guest_response(vs, c);
		break;
	case VSOCK_OP_RW:
		if (c->state != CONN_ESTABLISHED || c->guest_done_sending ||
		    vsock_conn_from_guest(c, data, h->len) < 0) {
			conn_reset(vs, c);
			break;
		}
		if (c->fwd_cnt - c->fwd_cnt_sent >= VSOCK_CONN_BUF / 2)
			c->owe |= OWE_CREDIT_UPDATE;
		break;
	case VSOCK_OP_CREDIT_UPDATE:
		break;     /* the header already updated the credit */
	case VSOCK_OP_CREDIT_REQUEST:
		c->owe |= OWE_CREDIT_UPDATE;
		break;
	case VSOCK_OP_SHUTDOWN:
		guest_shutdown(vs, c, h->flags);
		break;
	case VSOCK_OP_RST:
		conn_drop(vs, c);
		return;
	default:
		conn_reset(vs, c);
		break;
	}
	if (c->state != CONN_CLOSING)
		conn_sync_epoll(vs, c);
}

static void vsock_process_tx(struct virtio_vsock *vs)
{
	struct virtqueue *vq = &vs->vdev.vqs[Q_TX];
	bool pushed = false;

	do {
		enum vq_pop_result r;

		vq_set_notification(vq, false);
		while ((r = vq_pop(vq, vs->tx_chain)) != VQ_EMPTY) {
			uint8_t raw[VSOCK_HDR_SIZE];
			struct vsock_hdr h;

			if (r == VQ_BROKEN) {
				virtio_device_broken(&vs->vdev, "malformed vsock tx queue");
				return;
			}
			pushed = true;
			if (r == VQ_BAD_CHAIN || vs->tx_chain->read_len < VSOCK_HDR_SIZE) {
				vq_push(vq, vs->tx_chain->head, 0);
				continue;
			}
			vq_copy_from_chain(vs->tx_chain, 0, raw, VSOCK_HDR_SIZE);
			vsock_hdr_decode(raw, &h);
			/* The payload must be there and no larger than a packet. */
			if (h.len > VSOCK_MAX_PKT || h.len > vs->tx_chain->read_len - VSOCK_HDR_SIZE) {
				struct vsock_conn *c = conn_find(vs, h.dst_port, h.src_port);

				if (c)
					conn_reset(vs, c);
				vq_push(vq, vs->tx_chain->head, 0);
				continue;
			}
			if (h.op == VSOCK_OP_RW)
				vq_copy_from_chain(vs->tx_chain, VSOCK_HDR_SIZE, vs->payload, h.len);
			vq_push(vq, vs->tx_chain->head, 0);
			guest_packet(vs, &h, vs->payload);
		}
		vq_set_notification(vq, true);
	} while (vq_has_avail(vq));
	if (pushed)
		virtio_notify_queue(&vs->vdev, Q_TX);
}

/* ---- host sockets ---- */

static void host_accept(struct virtio_vsock *vs)
{
	for (;;) {
		int fd = accept4(vs->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct vsock_conn *c;

		if (fd < 0)
			return;
		c = conn_new(vs, fd, CONN_HOST_LINE);
		if (!c) {
			close(fd);     /* too many connections */
			continue;
		}
		c->deadline_ns = rate_limit_now_ns() + VSOCK_HANDSHAKE_NS;
		conn_sync_epoll(vs, c);
	}
}

/* Read the CONNECT line without taking any of the stream after it. */
static void host_line(struct virtio_vsock *vs, struct vsock_conn *c)
{
	char buf[sizeof(c->line)];
	ssize_t n = recv(c->fd, buf, sizeof(buf) - 1, MSG_PEEK | MSG_DONTWAIT);
	const char *nl;
	uint32_t port;
	int ret;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_drop(vs, c);
		return;
	}
	ret = vsock_parse_connect_line(buf, (size_t)n, &port);
	if (ret == -EAGAIN)
		return;
	nl = memchr(buf, '\n', (size_t)n);
	if (ret < 0 || !nl || recv(c->fd, buf, (size_t)(nl - buf + 1), MSG_DONTWAIT) != nl - buf + 1) {
		conn_drop(vs, c);
		return;
	}
	do
		c->local_port = vs->next_local_port++;
	while (c->local_port < VSOCK_FIRST_LOCAL_PORT || conn_find(vs, c->local_port, port));
	if (vs->next_local_port < VSOCK_FIRST_LOCAL_PORT)
		vs->next_local_port = VSOCK_FIRST_LOCAL_PORT;
	c->peer_port = port;
	c->state = CONN_HOST_REQUESTED;
	c->owe = OWE_REQUEST;
	c->deadline_ns = rate_limit_now_ns() + VSOCK_HANDSHAKE_NS;
	conn_sync_epoll(vs, c);
}

static void vsock_sockets_ready(struct virtio_device *vdev, void *ctx)
{
	struct virtio_vsock *vs = ctx;
	struct epoll_event ev[32];
	int n = epoll_wait(vs->epfd, ev, 32, 0);

	(void)vdev;
	for (int i = 0; i < n; i++) {
		struct vsock_conn *c = ev[i].data.ptr;
		bool live = false;

		if ((void *)c == &vs->listen_tag) {
			host_accept(vs);
			continue;
		}
		/* A connection dropped earlier in this batch is not in the table. */
		for (unsigned k = 0; k < vs->nconns && !live; k++)
			live = vs->conns[k] == c;
		if (!live)
			continue;
		if (c->state == CONN_HOST_LINE) {
			host_line(vs, c);
			continue;
		}
		if (ev[i].events & EPOLLOUT) {
			if (vsock_conn_flush(c) < 0) {
				conn_reset(vs, c);
				continue;
			}
			if (c->guest_done_sending && !c->pending_len)
				shutdown(c->fd, SHUT_WR);
			if (c->fwd_cnt - c->fwd_cnt_sent >= VSOCK_CONN_BUF / 2)
				c->owe |= OWE_CREDIT_UPDATE;
		}
		if (ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			c->readable = true;
		conn_sync_epoll(vs, c);
	}
	vsock_fill_rx(vs);
}

static void vsock_timer_ready(struct virtio_device *vdev, void *ctx)
{
	struct virtio_vsock *vs = ctx;
	uint64_t ticks, now = rate_limit_now_ns();

	(void)vdev;
	if (read(vs->timer_fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return;
	/* Handshakes and closes that took too long. */
	for (unsigned i = 0; i < vs->nconns;) {
		struct vsock_conn *c = vs->conns[i];

		if (c->deadline_ns && now > c->deadline_ns &&
		    (c->state != CONN_ESTABLISHED)) {
			if (c->state == CONN_HOST_REQUESTED)
				conn_reset(vs, c);
			else {
				conn_drop(vs, c);
				continue;
			}
		}
		i++;
	}
	vsock_fill_rx(vs);
}

static void vsock_queue_notify(struct virtio_device *vdev, unsigned q)
{
	struct virtio_vsock *vs = vdev->priv;

	if (q == Q_TX)
		vsock_process_tx(vs);
	if (q == Q_RX && vs->rx_starved) {
		vs->rx_starved = false;
		for (unsigned i = 0; i < vs->nconns; i++)
			conn_sync_epoll(vs, vs->conns[i]);
	}
	vsock_fill_rx(vs);
}

/* ---- device ---- */

static void vsock_config_read(struct virtio_device *vdev, uint64_t offset, void *data,
			      unsigned size)
{
	struct virtio_vsock *vs = vdev->priv;
	uint8_t cfg[8];

	put_le64(cfg, vs->guest_cid);
	memset(data, 0, size);
	if (offset < sizeof(cfg))
		memcpy(data, cfg + offset, offset + size <= sizeof(cfg) ? size : sizeof(cfg) - offset);
}

static int vsock_start(struct virtio_device *vdev, struct uvm_error *err)
{
	struct virtio_vsock *vs = vdev->priv;
	struct itimerspec t = { .it_value = { 1, 0 }, .it_interval = { 1, 0 } };

	vs->rx_starved = false;
	vs->norphans = 0;
	if (timerfd_settime(vs->timer_fd, 0, &t, NULL) < 0)
		return uvm_err_sys(err, -errno, "%s: timerfd_settime", vs->name);
	return 0;
}

/* Reset: every connection is gone for the guest; close the host ends. */
static void vsock_stop(struct virtio_device *vdev)
{
	struct virtio_vsock *vs = vdev->priv;
	struct itimerspec off = { 0 };

	while (vs->nconns)
		conn_drop(vs, vs->conns[0]);
	vs->norphans = 0;
	timerfd_settime(vs->timer_fd, 0, &off, NULL);
}

static void vsock_free(struct virtio_vsock *vs)
{
	while (vs->nconns)
		conn_drop(vs, vs->conns[0]);
	if (vs->listen_fd >= 0) {
		close(vs->listen_fd);
		unlink(vs->path);
	}
	if (vs->epfd >= 0)
		close(vs->epfd);
	if (vs->timer_fd >= 0)
		close(vs->timer_fd);
	free(vs->rx_chain);
	free(vs->tx_chain);
	free(vs);
}

static void vsock_destroy(struct virtio_device *vdev)
{
	vsock_free(vdev->priv);
}

static const struct virtio_device_ops vsock_ops = {
	.config_read = vsock_config_read,
	.start = vsock_start,
	.queue_notify = vsock_queue_notify,
	.stop = vsock_stop,
	.destroy = vsock_destroy,
};

static int vsock_listen(struct virtio_vsock *vs, struct uvm_error *err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = &vs->listen_tag };
	struct stat st;

	/* PATH_<port> must fit too: keep 11 bytes for "_4294967295". */
	if (strlen(vs->path) + 11 >= sizeof(addr.sun_path))
		return uvm_err(err, -ENAMETOOLONG, "vsock socket path %s is too long (at most %zu bytes)",
			       vs->path, sizeof(addr.sun_path) - 12);
	if (lstat(vs->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return uvm_err(err, -EEXIST, "vsock socket path %s exists and is not a socket",
				       vs->path);
		unlink(vs->path);
	}
	strcpy(addr.sun_path, vs->path);
	vs->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (vs->listen_fd < 0)
		return uvm_err_sys(err, -errno, "vsock: socket");
	if (bind(vs->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(vs->listen_fd, 64) < 0) {
		int e2 = -errno;

		close(vs->listen_fd);
		vs->listen_fd = -1;
		return uvm_err_sys(err, e2, "vsock socket %s", vs->path);
	}
	if (epoll_ctl(vs->epfd, EPOLL_CTL_ADD, vs->listen_fd, &e) < 0)
		return uvm_err_sys(err, -errno, "vsock: epoll_ctl");
	return 0;
}

int virtio_vsock_create(struct virtio_vsock **out, const char *name, uint64_t guest_cid,
			const char *path, const struct guest_memory *mem, struct uvm_error *err)
{
	struct virtio_vsock *vs;
	int ret;

	/* CIDs 0-2 are reserved (hypervisor, local, host); -1U is "any". */
	if (guest_cid < 3 || guest_cid >= 0xffffffffULL)
		return uvm_err(err, -EINVAL, "vsock guest CID %llu is outside 3..4294967294",
			       (unsigned long long)guest_cid);
	vs = calloc(1, sizeof(*vs));
	if (!vs)
		return uvm_err(err, -ENOMEM, "%s: out of memory", name);
	snprintf(vs->name, sizeof(vs->name), "%s", name);
	vs->guest_cid = guest_cid;
	vs->listen_fd = vs->timer_fd = -1;
	vs->next_local_port = VSOCK_FIRST_LOCAL_PORT;
	if (strlen(path) >= sizeof(vs->path)) {
		free(vs);
		return uvm_err(err, -ENAMETOOLONG, "vsock socket path %s is too long", path);
	}
	strcpy(vs->path, path);
	vs->epfd = epoll_create1(EPOLL_CLOEXEC);
	vs->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	vs->rx_chain = vq_chain_alloc(VSOCK_MAX_IOV);
	vs->tx_chain = vq_chain_alloc(VSOCK_MAX_IOV);
	if (vs->epfd < 0 || vs->timer_fd < 0 || !vs->rx_chain || !vs->tx_chain) {
		ret = uvm_err(err, -ENOMEM, "%s: cannot set up", name);
		goto fail;
	}
	if ((ret = vsock_listen(vs, err)) < 0)
		goto fail;
	ret = virtio_device_init(&vs->vdev, vs->name, VIRTIO_ID_VSOCK, 0, 3, VSOCK_QUEUE_SIZE, mem,
				 &vsock_ops, vs, err);
	if (ret < 0)
		goto fail;
	virtio_device_add_fd(&vs->vdev, vs->epfd, vsock_sockets_ready, vs);
	virtio_device_add_fd(&vs->vdev, vs->timer_fd, vsock_timer_ready, vs);
	*out = vs;
	return 0;
fail:
	vsock_free(vs);
	return ret;
}

int virtio_vsock_add_route(struct virtio_vsock *vs, uint32_t port, const char *socket_path,
			   struct uvm_error *err)
{
	if (vs->nroutes == VSOCK_MAX_ROUTES)
		return uvm_err(err, -E2BIG, "vsock: at most %d routed ports", VSOCK_MAX_ROUTES);
	if (strlen(socket_path) >= sizeof(vs->routes[0].path))
		return uvm_err(err, -ENAMETOOLONG, "vsock: socket path %s is too long", socket_path);
	for (unsigned i = 0; i < vs->nroutes; i++)
		if (vs->routes[i].port == port)
			return uvm_err(err, -EEXIST, "vsock: port %u is routed twice", port);
	vs->routes[vs->nroutes].port = port;
	strcpy(vs->routes[vs->nroutes++].path, socket_path);
	return 0;
}

struct virtio_device *virtio_vsock_device(struct virtio_vsock *vs)
{
	return &vs->vdev;
}
