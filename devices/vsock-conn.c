/* Host side of one vsock connection (vsock-conn.h). */
#include "vsock-conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../vmm/bytes.h"

void vsock_hdr_decode(const uint8_t raw[VSOCK_HDR_SIZE], struct vsock_hdr *h)
{
	h->src_cid = get_le64(raw);
	h->dst_cid = get_le64(raw + 8);
	h->src_port = get_le32(raw + 16);
	h->dst_port = get_le32(raw + 20);
	h->len = get_le32(raw + 24);
	h->type = get_le16(raw + 28);
	h->op = get_le16(raw + 30);
	h->flags = get_le32(raw + 32);
	h->buf_alloc = get_le32(raw + 36);
	h->fwd_cnt = get_le32(raw + 40);
}

void vsock_hdr_encode(const struct vsock_hdr *h, uint8_t raw[VSOCK_HDR_SIZE])
{
	put_le64(raw, h->src_cid);
	put_le64(raw + 8, h->dst_cid);
	put_le32(raw + 16, h->src_port);
	put_le32(raw + 20, h->dst_port);
	put_le32(raw + 24, h->len);
	put_le16(raw + 28, h->type);
	put_le16(raw + 30, h->op);
	put_le32(raw + 32, h->flags);
	put_le32(raw + 36, h->buf_alloc);
	put_le32(raw + 40, h->fwd_cnt);
}

int vsock_parse_connect_line(const char *line, size_t len, uint32_t *port)
{
	static const char prefix[] = "CONNECT ";
	const char *nl = memchr(line, '\n', len);
	unsigned long long v = 0;
	size_t digits = 0;

	if (!nl)
		return len >= 31 ? -EINVAL : -EAGAIN;
	if ((size_t)(nl - line) <= sizeof(prefix) - 1 || memcmp(line, prefix, sizeof(prefix) - 1))
		return -EINVAL;
	for (const char *p = line + sizeof(prefix) - 1; p < nl; p++) {
		if (*p == '\r' && p + 1 == nl)
			break;
		if (*p < '0' || *p > '9' || ++digits > 10)
			return -EINVAL;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (!digits || v > UINT32_MAX)
		return -EINVAL;
	*port = (uint32_t)v;
	return 0;
}

/* Write as much as the socket takes now; returns bytes written or -errno
 * (0 when it would block). */
static ssize_t write_some(int fd, const uint8_t *data, size_t len)
{
	ssize_t n;

	do
		n = write(fd, data, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	return n;
}

int vsock_conn_from_guest(struct vsock_conn *c, const uint8_t *data, size_t len)
{
	ssize_t n = 0;

	/* The guest may only have VSOCK_CONN_BUF bytes not yet forwarded. */
	if ((uint64_t)(c->rx_cnt - c->fwd_cnt) + len > VSOCK_CONN_BUF)
		return -EPROTO;
	c->rx_cnt += (uint32_t)len;
	if (!c->pending_len) {
		n = write_some(c->fd, data, len);
		if (n < 0)
			return -EPIPE;
		c->fwd_cnt += (uint32_t)n;
	}
	if ((size_t)n < len) {
		size_t rest = len - (size_t)n;

		if (!c->pending) {
			c->pending = malloc(VSOCK_CONN_BUF);
			if (!c->pending)
				return -EPIPE;
		}
		memcpy(c->pending + c->pending_len, data + n, rest);
		c->pending_len += rest;
	}
	return 0;
}

int vsock_conn_flush(struct vsock_conn *c)
{
	ssize_t n;

	if (!c->pending_len)
		return 0;
	n = write_some(c->fd, c->pending, c->pending_len);
	if (n < 0)
		return -EPIPE;
	memmove(c->pending, c->pending + n, c->pending_len - (size_t)n);
	c->pending_len -= (size_t)n;
	c->fwd_cnt += (uint32_t)n;
	if (!c->pending_len) {
		free(c->pending);
		c->pending = NULL;
	}
	return 0;
}

void vsock_conn_free(struct vsock_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->pending);
	free(c);
}
