/* One virtio-vsock stream connection, seen from the host: the Unix socket
 * on our side, the guest's port, the credit-based flow control both ways,
 * guest data waiting for a slow host reader (bounded by the credit we gave),
 * and which control packets we owe the guest. The packet parsing and the
 * queues are virtio-vsock.c. */
#ifndef UVM_VSOCK_CONN_H
#define UVM_VSOCK_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Packet header (virtio 1.2, 5.10.6), little-endian, 44 bytes. */
#define VSOCK_HDR_SIZE 44
#define VSOCK_HOST_CID 2
#define VSOCK_TYPE_STREAM 1
enum vsock_op {
	VSOCK_OP_INVALID = 0,
	VSOCK_OP_REQUEST = 1,
	VSOCK_OP_RESPONSE = 2,
	VSOCK_OP_RST = 3,
	VSOCK_OP_SHUTDOWN = 4,
	VSOCK_OP_RW = 5,
	VSOCK_OP_CREDIT_UPDATE = 6,
	VSOCK_OP_CREDIT_REQUEST = 7,
};
#define VSOCK_SHUTDOWN_RCV  1
#define VSOCK_SHUTDOWN_SEND 2

/* What we give each connection: the guest may have this many bytes sent
 * to us and not yet written to the host socket. It is also the most the
 * VMM ever buffers for one connection. */
#define VSOCK_CONN_BUF (64 * 1024)

enum vsock_conn_state {
	CONN_HOST_LINE,        /* host app connected; reading "CONNECT <port>\n" */
	CONN_HOST_REQUESTED,   /* REQUEST sent to the guest; waiting for RESPONSE */
	CONN_ESTABLISHED,
	CONN_CLOSING,          /* RST owed to the guest, then gone */
};

/* Control packets owed to the guest (bit per op). */
#define OWE_REQUEST       (1u << 0)
#define OWE_RESPONSE      (1u << 1)
#define OWE_CREDIT_UPDATE (1u << 2)
#define OWE_SHUTDOWN      (1u << 3)
#define OWE_RST           (1u << 4)

struct vsock_hdr {
	uint64_t src_cid, dst_cid;
	uint32_t src_port, dst_port, len;
	uint16_t type, op;
	uint32_t flags, buf_alloc, fwd_cnt;
};

struct vsock_conn {
	int fd;                          /* Unix socket to the host program */
	enum vsock_conn_state state;
	uint32_t local_port;             /* our (host) port */
	uint32_t peer_port;              /* the guest's port */
	uint64_t deadline_ns;            /* for the handshake and closing */

	/* Credit: what the guest told us, and what we sent and forwarded. */
	uint32_t peer_buf_alloc, peer_fwd_cnt;
	uint32_t tx_cnt;                 /* bytes sent to the guest */
	uint32_t rx_cnt;                 /* bytes received from the guest */
	uint32_t fwd_cnt;                /* of those, written to the host socket */
	uint32_t fwd_cnt_sent;           /* fwd_cnt the guest last heard */

	uint8_t *pending;                /* guest bytes the host has not taken */
	size_t pending_len;

	unsigned owe;                    /* OWE_* */
	uint32_t shutdown_flags;         /* for OWE_SHUTDOWN */
	bool guest_done_sending;         /* guest sent SHUTDOWN with SEND */
	bool guest_done_receiving;       /* guest sent SHUTDOWN with RCV */
	bool host_eof;                   /* host program closed its write side */
	bool readable;                   /* host socket has data (epoll said so) */

	char line[32];                   /* the CONNECT line being read */
	size_t line_len;
	uint32_t epoll_events;           /* what we registered */
};

/* Bytes the guest can still take from us. */
static inline uint32_t vsock_conn_peer_credit(const struct vsock_conn *c)
{
	uint32_t in_flight = c->tx_cnt - c->peer_fwd_cnt;

	return in_flight >= c->peer_buf_alloc ? 0 : c->peer_buf_alloc - in_flight;
}

void vsock_hdr_decode(const uint8_t raw[VSOCK_HDR_SIZE], struct vsock_hdr *h);
void vsock_hdr_encode(const struct vsock_hdr *h, uint8_t raw[VSOCK_HDR_SIZE]);

/* Parse "CONNECT <port>\n" from a host program; -EINVAL if malformed,
 * -EAGAIN if incomplete (more bytes needed). */
int vsock_parse_connect_line(const char *line, size_t len, uint32_t *port);

/* Take guest data for the host socket: write what the socket takes now,
 * keep the rest (never more than VSOCK_CONN_BUF in total). Returns 0, or
 * -EPROTO when the guest sent beyond its credit, or -EPIPE when the host
 * side is gone. */
int vsock_conn_from_guest(struct vsock_conn *c, const uint8_t *data, size_t len);
/* Write kept data to the host socket as it drains; same returns. */
int vsock_conn_flush(struct vsock_conn *c);

void vsock_conn_free(struct vsock_conn *c);

#endif
