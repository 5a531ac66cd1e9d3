/* virtio-vsock driven by a test "guest" through its rx and tx queues, with
 * its real service thread and real Unix sockets on the host side: host- and
 * guest-initiated connections (Firecracker's CONNECT/OK convention), data
 * both ways, credit exhaustion and resume, a host reader that stalls,
 * resets and shutdowns both ways, malformed packets, refused connects. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "../../devices/virtio-vsock.h"
#include "../../devices/vsock-conn.h"
#include "../../vmm/layout.h"
#include "vq-driver.h"

#define QSIZE 64
#define GUEST_CID 3
#define RXBUF 4096

struct rig {
	struct guest_memory gm;
	struct vq_driver rx, tx;
	struct virtio_vsock *vs;
	struct virtio_device *vdev;
	char dir[64], path[128];
	int resets;
};

static void fake_signal(void *t, unsigned q)
{
	(void)t;
	(void)q;
}

static void fake_config(void *t)
{
	(void)t;
}

static void fake_reset(void *t)
{
	__atomic_add_fetch(&((struct rig *)t)->resets, 1, __ATOMIC_RELAXED);
}

static const struct virtio_transport_ops fake_transport = { fake_signal, fake_config, fake_reset };

static void kick(struct rig *r, unsigned q)
{
	uint64_t one = 1;

	CHECK_EQ(write(r->vdev->kick_fd[q], &one, 8), 8);
}

static void post_rx(struct rig *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t buf = vqd_alloc(&r->rx, RXBUF);

		vqd_add(&r->rx, &(struct test_desc){ buf, RXBUF, VIRTQ_DESC_F_WRITE, 0 }, 1, 0);
	}
	kick(r, 0);
}

static int rig_setup(struct rig *r)
{
	struct uvm_error err = { 0 };

	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "/tmp/vsock-test.XXXXXX");
	CHECK(mkdtemp(r->dir) != NULL);
	snprintf(r->path, sizeof(r->path), "%s/v.sock", r->dir);
	CHECK_EQ(guest_memory_create(&r->gm, 32 * MiB, NULL), 0);
	if (virtio_vsock_create(&r->vs, "vsock-test", GUEST_CID, r->path, &r->gm, &err) < 0) {
		printf("#   %s\n", err.msg);
		return -1;
	}
	r->vdev = virtio_vsock_device(r->vs);
	r->vdev->transport_ops = &fake_transport;
	r->vdev->transport = r;
	r->vdev->driver_features = 1ULL << VIRTIO_F_VERSION_1;
	vqd_init(&r->rx, &r->gm, QSIZE, 0x10000);
	vqd_init(&r->tx, &r->gm, QSIZE, 0x20000);
	r->tx.heap = 8 * MiB;
	r->rx.heap = 16 * MiB;
	CHECK(vq_setup(&r->vdev->vqs[0], &r->gm, QSIZE, r->rx.desc, r->rx.avail, r->rx.used, false));
	CHECK(vq_setup(&r->vdev->vqs[1], &r->gm, QSIZE, r->tx.desc, r->tx.avail, r->tx.used, false));
	CHECK_EQ(virtio_device_start(r->vdev, &err), 0);
	post_rx(r, 32);
	return 0;
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

/* The guest sends a packet. */
static void guest_send(struct rig *r, uint32_t src_port, uint32_t dst_port, uint16_t op,
		       uint32_t flags, const void *data, uint32_t len, uint32_t buf_alloc,
		       uint32_t fwd_cnt)
{
	struct vsock_hdr h = {
		.src_cid = GUEST_CID, .dst_cid = VSOCK_HOST_CID, .src_port = src_port,
		.dst_port = dst_port, .len = len, .type = VSOCK_TYPE_STREAM, .op = op,
		.flags = flags, .buf_alloc = buf_alloc, .fwd_cnt = fwd_cnt,
	};
	uint64_t hdr = vqd_alloc(&r->tx, VSOCK_HDR_SIZE), payload = 0;
	uint32_t id, used_len;

	vsock_hdr_encode(&h, gm_ptr(&r->gm, hdr, VSOCK_HDR_SIZE));
	if (len) {
		payload = vqd_alloc(&r->tx, len);
		memcpy(gm_ptr(&r->gm, payload, len), data, len);
		vqd_add(&r->tx, (struct test_desc[]){ { hdr, VSOCK_HDR_SIZE, 0, 0 }, { payload, len, 0, 0 } }, 2, 0);
	} else {
		vqd_add(&r->tx, &(struct test_desc){ hdr, VSOCK_HDR_SIZE, 0, 0 }, 1, 0);
	}
	kick(r, 1);
	CHECK_EQ(vqd_wait_used(&r->tx, 5000, &id, &used_len), 0);
}

/* The next packet for the guest; -1 if none within timeout_ms. */
static int guest_recv(struct rig *r, struct vsock_hdr *h, uint8_t *data, unsigned timeout_ms)
{
	uint32_t id, len;
	uint64_t addr;

	if (vqd_wait_used(&r->rx, timeout_ms, &id, &len) < 0)
		return -1;
	addr = get_le64(gm_ptr(&r->gm, r->rx.desc + 16ULL * id, 8));
	if (len < VSOCK_HDR_SIZE) {
		memset(h, 0, sizeof(*h));
		return 0;
	}
	vsock_hdr_decode(gm_ptr(&r->gm, addr, VSOCK_HDR_SIZE), h);
	if (data && h->len)
		memcpy(data, gm_ptr(&r->gm, addr + VSOCK_HDR_SIZE, h->len), h->len);
	/* Give the buffer back, as a driver does. */
	vqd_add(&r->rx, &(struct test_desc){ addr, RXBUF, VIRTQ_DESC_F_WRITE, 0 }, 1, 0);
	kick(r, 0);
	return 0;
}

static int host_connect(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	CHECK(strlen(path) < sizeof(a.sun_path));
	memcpy(a.sun_path, path, strlen(path) + 1 < sizeof(a.sun_path) ? strlen(path) + 1 : 0);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int host_listen(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	CHECK(strlen(path) < sizeof(a.sun_path));
	memcpy(a.sun_path, path, strlen(path) + 1 < sizeof(a.sun_path) ? strlen(path) + 1 : 0);
	CHECK_EQ(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	CHECK_EQ(listen(fd, 4), 0);
	return fd;
}

static ssize_t read_timeout(int fd, void *buf, size_t len, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };

	if (poll(&p, 1, ms) <= 0)
		return -2;
	return read(fd, buf, len);
}

/* Host program connects to guest port 5000; returns its fd and the ports. */
static int host_initiated(struct rig *r, uint32_t *local_port, uint32_t guest_buf)
{
	struct vsock_hdr h;
	char line[32] = { 0 };
	int fd = host_connect(r->path);

	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "CONNECT 5000\n", 13), 13);
	CHECK_EQ(guest_recv(r, &h, NULL, 5000), 0);
	CHECK_EQ(h.op, VSOCK_OP_REQUEST);
	CHECK_EQ(h.dst_port, 5000);
	CHECK_EQ(h.dst_cid, GUEST_CID);
	CHECK_EQ(h.src_cid, VSOCK_HOST_CID);
	CHECK_EQ(h.buf_alloc, VSOCK_CONN_BUF);
	*local_port = h.src_port;
	guest_send(r, 5000, h.src_port, VSOCK_OP_RESPONSE, 0, NULL, 0, guest_buf, 0);
	CHECK(read_timeout(fd, line, sizeof(line) - 1, 5000) > 0);
	{
		char expect[32];

		snprintf(expect, sizeof(expect), "OK %u\n", h.src_port);
		CHECK(!strcmp(line, expect));
	}
	return fd;
}

static void host_connects_and_data_flows_both_ways(void)
{
	struct rig r;
	struct vsock_hdr h;
	uint8_t data[RXBUF];
	char buf[64];
	uint32_t port;
	int fd;

	if (rig_setup(&r) == 0) {
		fd = host_initiated(&r, &port, 65536);
		CHECK_EQ(write(fd, "ping", 4), 4);
		CHECK_EQ(guest_recv(&r, &h, data, 5000), 0);
		CHECK_EQ(h.op, VSOCK_OP_RW);
		CHECK_EQ(h.len, 4);
		CHECK(!memcmp(data, "ping", 4));
		guest_send(&r, 5000, port, VSOCK_OP_RW, 0, "pong!", 5, 65536, 4);
		CHECK_EQ(read_timeout(fd, buf, sizeof(buf), 5000), 5);
		CHECK(!memcmp(buf, "pong!", 5));
		/* The guest closes: host sees EOF, the guest gets its RST. */
		guest_send(&r, 5000, port, VSOCK_OP_SHUTDOWN, VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND,
			   NULL, 0, 65536, 4);
		CHECK_EQ(guest_recv(&r, &h, NULL, 5000), 0);
		CHECK_EQ(h.op, VSOCK_OP_RST);
		CHECK_EQ(read_timeout(fd, buf, sizeof(buf), 5000), 0);
		close(fd);
	}
	rig_teardown(&r);
}

static void guest_connects_to_a_host_listener(void)
{
	struct rig r;
	struct vsock_hdr h;
	char lpath[160], buf[64];
	int lfd, fd;

	if (rig_setup(&r) == 0) {
		snprintf(lpath, sizeof(lpath), "%s_6000", r.path);
		lfd = host_listen(lpath);
		guest_send(&r, 1234, 6000, VSOCK_OP_REQUEST, 0, NULL, 0, 65536, 0);
		CHECK_EQ(guest_recv(&r, &h, NULL, 5000), 0);
		CHECK_EQ(h.op, VSOCK_OP_RESPONSE);
		CHECK_EQ(h.src_port, 6000);
		CHECK_EQ(h.dst_port, 1234);
		fd = accept(lfd, NULL, NULL);
		CHECK(fd >= 0);
		guest_send(&r, 1234, 6000, VSOCK_OP_RW, 0, "hello", 5, 65536, 0);
		CHECK_EQ(read_timeout(fd, buf, sizeof(buf), 5000), 5);
		/* The host program closes: the guest hears SHUTDOWN. */
		close(fd);
		CHECK_EQ(guest_recv(&r, &h, NULL, 5000), 0);
		CHECK_EQ(h.op, VSOCK_OP_SHUTDOWN);
		CHECK(h.flags & VSOCK_SHUTDOWN_SEND);
		/* Nobody listens on 6001: refused with RST. */
		guest_send(&r, 1235, 6001, VSOCK_OP_REQUEST, 0, NULL, 0, 65536, 0);
		CHECK_EQ(guest_recv(&r, &h, NULL, 5000), 0);
		CHECK_EQ(h.op, VSOCK_OP_RST);
		CHECK_EQ(h.dst_port, 1235);
		close(lfd);
	}
	rig_teardown(&r);
}

/* A routed port reaches its own socket, wherever it is, not PATH_<port>. */
static void a_routed_port_reaches_its_socket(void)
{
	struct rig r;
	struct vsock_hdr h;
	struct uvm_error err = { 0 };
	char lpath[160], buf[16];
	int lfd, fd;

	if (rig_setup(&r) == 0) {
		snprintf(lpath, sizeof(lpath), "%s/elsewhere.sock", r.dir);
		lfd = host_listen(lpath);
		CHECK_EQ(virtio_vsock_add_route(r.vs, 7000, lpath, &err), 0);
		CHECK_EQ(virtio_vsock_add_route(r.vs, 7000, lpath, &err), -EEXIST);
		guest_send(&r, 1300, 7000, VSOCK_OP_REQUEST, 0, NULL, 0, 65536, 0);
		CHECK_EQ(guest_recv(&r, &h, NULL, 5000), 0);
		CHECK_EQ(h.op, VSOCK_OP_RESPONSE);
		fd = accept(lfd, NULL, NULL);
		CHECK(fd >= 0);
		guest_send(&r, 1300, 7000, VSOCK_OP_RW, 0, "routed", 6, 65536, 0);
		CHECK_EQ(read_timeout(fd, buf, sizeof(buf), 5000), 6);
		CHECK(!memcmp(buf, "routed", 6));
		close(fd);
		close(lfd);
	}
	rig_teardown(&r);
}

static void guest_credit_limits_what_the_host_sends(void)
{
	struct rig r;
	struct vsock_hdr h;
	uint8_t big[20000];
	uint32_t port, got = 0;
	int fd;

	if (rig_setup(&r) == 0) {
		fd = host_initiated(&r, &port, 8192);     /* the guest can take 8 KiB */
		memset(big, 'x', sizeof(big));
		CHECK_EQ(write(fd, big, sizeof(big)), (ssize_t)sizeof(big));
		while (got < 8192 && guest_recv(&r, &h, NULL, 5000) == 0 && h.op == VSOCK_OP_RW)
			got += h.len;
		CHECK_EQ(got, 8192);
		CHECK_EQ(guest_recv(&r, &h, NULL, 300), -1);   /* nothing beyond the credit */
		/* The guest's application read it all: credit resumes. */
		guest_send(&r, 5000, port, VSOCK_OP_CREDIT_UPDATE, 0, NULL, 0, 8192, 8192);
		while (got < 16384 && guest_recv(&r, &h, NULL, 5000) == 0 && h.op == VSOCK_OP_RW)
			got += h.len;
		CHECK_EQ(got, 16384);
		close(fd);
	}
	rig_teardown(&r);
}

/* Regression: the guest has no credit left for us while we owe it a credit
 * update and the host socket has data. The update must go out alone; the
 * VMM once "read" zero bytes there and told the guest the host was done. */
static void credit_update_without_guest_credit_is_not_eof(void)
{
	struct rig r;
	struct vsock_hdr h;
	static uint8_t chunk[16384];
	uint8_t big[20000];
	uint32_t port, got = 0;
	int fd;

	if (rig_setup(&r) == 0) {
		fd = host_initiated(&r, &port, 8192);
		memset(big, 'x', sizeof(big));
		CHECK_EQ(write(fd, big, sizeof(big)), (ssize_t)sizeof(big));
		while (got < 8192 && guest_recv(&r, &h, NULL, 5000) == 0 && h.op == VSOCK_OP_RW)
			got += h.len;
		CHECK_EQ(got, 8192);
		/* Half our buffer from the guest, forwarded at once: an update is owed. */
		guest_send(&r, 5000, port, VSOCK_OP_RW, 0, chunk, sizeof(chunk), 8192, 0);
		guest_send(&r, 5000, port, VSOCK_OP_RW, 0, chunk, sizeof(chunk), 8192, 0);
		CHECK_EQ(guest_recv(&r, &h, NULL, 5000), 0);
		CHECK_EQ(h.op, VSOCK_OP_CREDIT_UPDATE);
		CHECK_EQ(h.fwd_cnt, 2 * sizeof(chunk));
		CHECK_EQ(guest_recv(&r, &h, NULL, 300), -1);   /* no SHUTDOWN, no data */
		guest_send(&r, 5000, port, VSOCK_OP_CREDIT_UPDATE, 0, NULL, 0, 8192, 8192);
		CHECK_EQ(guest_recv(&r, &h, NULL, 5000), 0);
		CHECK_EQ(h.op, VSOCK_OP_RW);
		close(fd);
	}
	rig_teardown(&r);
}

static void stalled_host_reader_bounds_the_buffer(void)
{
	struct rig r;
	struct vsock_hdr h;
	static uint8_t chunk[32768];
	uint32_t port;
	int fd, chunks = 0;
	bool reset = false;

	if (rig_setup(&r) == 0) {
		fd = host_initiated(&r, &port, 65536);
		memset(chunk, 'y', sizeof(chunk));
		/* The host never reads; a guest that ignores our credit keeps
		 * sending. Once the socket's own buffer is full, the VMM holds at
		 * most VSOCK_CONN_BUF and then resets the connection. */
		while (!reset && chunks < 40) {
			guest_send(&r, 5000, port, VSOCK_OP_RW, 0, chunk, sizeof(chunk), 65536, 0);
			chunks++;
			while (guest_recv(&r, &h, NULL, 50) == 0)
				reset |= h.op == VSOCK_OP_RST;
		}
		CHECK(reset);
		close(fd);
	}
	rig_teardown(&r);
}

static void connection_buffer_never_exceeds_the_credit(void)
{
	struct vsock_conn c = { .fd = -1 };
	static uint8_t chunk[16384];
	int sv[2];

	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	c.fd = sv[0];
	/* Fill the socket itself first, so everything else must be kept. */
	while (write(sv[0], chunk, sizeof(chunk)) > 0)
		;
	for (int i = 0; i < 4; i++)
		CHECK_EQ(vsock_conn_from_guest(&c, chunk, sizeof(chunk)), 0);
	CHECK_EQ(c.pending_len, VSOCK_CONN_BUF);
	CHECK_EQ(vsock_conn_from_guest(&c, chunk, 1), -EPROTO);
	CHECK_EQ(c.pending_len, VSOCK_CONN_BUF);
	/* The host reads; the kept bytes drain and count as forwarded. */
	while (read(sv[1], chunk, sizeof(chunk)) > 0)
		;
	CHECK_EQ(vsock_conn_flush(&c), 0);
	CHECK(c.fwd_cnt > 0);
	CHECK(c.pending_len < VSOCK_CONN_BUF);
	close(sv[1]);
	free(c.pending);
	close(sv[0]);
}

static void guest_reset_closes_the_host_side(void)
{
	struct rig r;
	char buf[8];
	uint32_t port;
	int fd;

	if (rig_setup(&r) == 0) {
		fd = host_initiated(&r, &port, 65536);
		guest_send(&r, 5000, port, VSOCK_OP_RST, 0, NULL, 0, 0, 0);
		CHECK_EQ(read_timeout(fd, buf, sizeof(buf), 5000), 0);
		close(fd);
	}
	rig_teardown(&r);
}

static void malformed_packets_are_refused(void)
{
	struct rig r;
	struct vsock_hdr h;
	uint32_t port;
	char buf[8];
	int fd;

	if (rig_setup(&r) == 0) {
		/* Data for a connection that does not exist: RST. */
		guest_send(&r, 7777, 8888, VSOCK_OP_RW, 0, "zz", 2, 65536, 0);
		CHECK_EQ(guest_recv(&r, &h, NULL, 5000), 0);
		CHECK_EQ(h.op, VSOCK_OP_RST);
		/* Not a stream: RST. */
		{
			struct vsock_hdr bad = { .src_cid = GUEST_CID, .dst_cid = 2, .src_port = 1,
						 .dst_port = 2, .type = 2, .op = VSOCK_OP_REQUEST };
			uint64_t a = vqd_alloc(&r.tx, VSOCK_HDR_SIZE);
			uint32_t id, len;

			vsock_hdr_encode(&bad, gm_ptr(&r.gm, a, VSOCK_HDR_SIZE));
			vqd_add(&r.tx, &(struct test_desc){ a, VSOCK_HDR_SIZE, 0, 0 }, 1, 0);
			kick(&r, 1);
			CHECK_EQ(vqd_wait_used(&r.tx, 5000, &id, &len), 0);
			CHECK_EQ(guest_recv(&r, &h, NULL, 5000), 0);
			CHECK_EQ(h.op, VSOCK_OP_RST);
		}
		/* A header claiming more payload than the buffer holds resets
		 * the connection; a short header is dropped. */
		fd = host_initiated(&r, &port, 65536);
		{
			struct vsock_hdr bad = { .src_cid = GUEST_CID, .dst_cid = 2, .src_port = 5000,
						 .dst_port = port, .len = 1000, .type = 1,
						 .op = VSOCK_OP_RW };
			uint64_t a = vqd_alloc(&r.tx, VSOCK_HDR_SIZE + 10);
			uint32_t id, len;

			vsock_hdr_encode(&bad, gm_ptr(&r.gm, a, VSOCK_HDR_SIZE));
			vqd_add(&r.tx, &(struct test_desc){ a, VSOCK_HDR_SIZE + 10, 0, 0 }, 1, 0);
			vqd_add(&r.tx, &(struct test_desc){ a, 10, 0, 0 }, 1, 0);
			kick(&r, 1);
			CHECK_EQ(vqd_wait_used(&r.tx, 5000, &id, &len), 0);
			CHECK_EQ(vqd_wait_used(&r.tx, 5000, &id, &len), 0);
		}
		CHECK_EQ(guest_recv(&r, &h, NULL, 5000), 0);
		CHECK_EQ(h.op, VSOCK_OP_RST);
		CHECK_EQ(read_timeout(fd, buf, sizeof(buf), 5000), 0);
		close(fd);
		/* Wrong source CID: dropped without answer. */
		{
			struct vsock_hdr bad = { .src_cid = 99, .dst_cid = 2, .src_port = 1,
						 .dst_port = 2, .type = 1, .op = VSOCK_OP_REQUEST };
			uint64_t a = vqd_alloc(&r.tx, VSOCK_HDR_SIZE);
			uint32_t id, len;

			vsock_hdr_encode(&bad, gm_ptr(&r.gm, a, VSOCK_HDR_SIZE));
			vqd_add(&r.tx, &(struct test_desc){ a, VSOCK_HDR_SIZE, 0, 0 }, 1, 0);
			kick(&r, 1);
			CHECK_EQ(vqd_wait_used(&r.tx, 5000, &id, &len), 0);
			CHECK_EQ(guest_recv(&r, &h, NULL, 300), -1);
		}
		CHECK_EQ(r.resets, 0);
		/* Still works. */
		fd = host_initiated(&r, &port, 65536);
		close(fd);
	}
	rig_teardown(&r);
}

static void connect_lines_are_parsed_strictly(void)
{
	uint32_t port;

	CHECK_EQ(vsock_parse_connect_line("CONNECT 52\n", 11, &port), 0);
	CHECK_EQ(port, 52);
	CHECK_EQ(vsock_parse_connect_line("CONNECT 4294967295\n", 19, &port), 0);
	CHECK_EQ(vsock_parse_connect_line("CONNECT 4294967296\n", 19, &port), -EINVAL);
	CHECK_EQ(vsock_parse_connect_line("CONNECT 5", 9, &port), -EAGAIN);
	CHECK_EQ(vsock_parse_connect_line("CONNECT \n", 9, &port), -EINVAL);
	CHECK_EQ(vsock_parse_connect_line("CONNECT -1\n", 11, &port), -EINVAL);
	CHECK_EQ(vsock_parse_connect_line("connect 5\n", 10, &port), -EINVAL);
	CHECK_EQ(vsock_parse_connect_line("CONNECT 5 6\n", 12, &port), -EINVAL);
	CHECK_EQ(vsock_parse_connect_line("CONNECT 0000000000000000000001", 31, &port), -EINVAL);
}

static void host_connect_without_a_line_times_out_or_is_refused(void)
{
	struct rig r;
	char buf[8];
	int fd;

	if (rig_setup(&r) == 0) {
		fd = host_connect(r.path);
		CHECK_EQ(write(fd, "HELLO\n", 6), 6);
		CHECK(read_timeout(fd, buf, sizeof(buf), 5000) <= 0 &&
		      read_timeout(fd, buf, sizeof(buf), 0) != -2);        /* closed */
		close(fd);
	}
	rig_teardown(&r);
}

TEST_LIST(T(host_connects_and_data_flows_both_ways), T(guest_connects_to_a_host_listener),
	  T(a_routed_port_reaches_its_socket),
	  T(guest_credit_limits_what_the_host_sends),
	  T(credit_update_without_guest_credit_is_not_eof), T(stalled_host_reader_bounds_the_buffer),
	  T(connection_buffer_never_exceeds_the_credit),
	  T(guest_reset_closes_the_host_side), T(malformed_packets_are_refused),
	  T(connect_lines_are_parsed_strictly), T(host_connect_without_a_line_times_out_or_is_refused));
TEST_MAIN("virtio-vsock")
