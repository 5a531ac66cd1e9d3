/* 9P2000.L wire format (9p-proto.h): bounds-checked field readers and writers,
 * message framing, and the header peek the transport uses for flush
 * bookkeeping. No file-system meaning here. */
#include "9p-proto.h"
#include "9p-server.h"

#include <errno.h>
#include <string.h>

#include "../vmm/bytes.h"

void p9_reader_init(struct p9_reader *r, const uint8_t *buf, size_t len)
{
	r->buf = buf;
	r->len = len;
	r->pos = 0;
	r->bad = false;
}

const uint8_t *p9_get_bytes(struct p9_reader *r, size_t n)
{
	const uint8_t *p;

	if (r->bad || n > r->len - r->pos) {
		r->bad = true;
		return NULL;
	}
	p = r->buf + r->pos;
	r->pos += n;
	return p;
}

uint8_t p9_get_u8(struct p9_reader *r)
{
	const uint8_t *p = p9_get_bytes(r, 1);

	return p ? p[0] : 0;
}

uint16_t p9_get_u16(struct p9_reader *r)
{
	const uint8_t *p = p9_get_bytes(r, 2);

	return p ? get_le16(p) : 0;
}

uint32_t p9_get_u32(struct p9_reader *r)
{
	const uint8_t *p = p9_get_bytes(r, 4);

	return p ? get_le32(p) : 0;
}

uint64_t p9_get_u64(struct p9_reader *r)
{
	const uint8_t *p = p9_get_bytes(r, 8);

	return p ? get_le64(p) : 0;
}

struct p9_str p9_get_str(struct p9_reader *r)
{
	struct p9_str str = { "", 0 };
	uint16_t len = p9_get_u16(r);
	const uint8_t *p = p9_get_bytes(r, len);

	if (p) {
		str.s = (const char *)p;
		str.len = len;
	}
	return str;
}

void p9_writer_init(struct p9_writer *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->pos = 0;
	w->overflow = false;
}

uint8_t *p9_put_reserve(struct p9_writer *w, size_t n)
{
	uint8_t *p;

	if (w->overflow || n > w->cap - w->pos) {
		w->overflow = true;
		return NULL;
	}
	p = w->buf + w->pos;
	w->pos += n;
	return p;
}

void p9_put_u8(struct p9_writer *w, uint8_t v)
{
	uint8_t *p = p9_put_reserve(w, 1);

	if (p)
		p[0] = v;
}

void p9_put_u16(struct p9_writer *w, uint16_t v)
{
	uint8_t *p = p9_put_reserve(w, 2);

	if (p)
		put_le16(p, v);
}

void p9_put_u32(struct p9_writer *w, uint32_t v)
{
	uint8_t *p = p9_put_reserve(w, 4);

	if (p)
		put_le32(p, v);
}

void p9_put_u64(struct p9_writer *w, uint64_t v)
{
	uint8_t *p = p9_put_reserve(w, 8);

	if (p)
		put_le64(p, v);
}

void p9_put_str(struct p9_writer *w, const char *s, size_t len)
{
	uint8_t *p;

	if (len > UINT16_MAX) {
		w->overflow = true;
		return;
	}
	p9_put_u16(w, (uint16_t)len);
	p = p9_put_reserve(w, len);
	if (p && len)
		memcpy(p, s, len);
}

void p9_put_qid(struct p9_writer *w, const struct p9_qid *qid)
{
	p9_put_u8(w, qid->type);
	p9_put_u32(w, qid->version);
	p9_put_u64(w, qid->path);
}

void p9_msg_begin(struct p9_writer *w, uint8_t type, uint16_t tag)
{
	w->pos = 0;
	w->overflow = false;
	p9_put_u32(w, 0);
	p9_put_u8(w, type);
	p9_put_u16(w, tag);
}

size_t p9_msg_finish(struct p9_writer *w)
{
	if (w->overflow || w->pos < P9_HDR_SIZE || w->pos > UINT32_MAX)
		return 0;
	put_le32(w->buf, (uint32_t)w->pos);
	return w->pos;
}

size_t p9_encode_lerror(uint8_t *buf, size_t cap, uint16_t tag, uint32_t ecode)
{
	struct p9_writer w;

	p9_writer_init(&w, buf, cap);
	p9_msg_begin(&w, P9_RLERROR, tag);
	p9_put_u32(&w, ecode);
	return p9_msg_finish(&w);
}

int p9_peek_header(const uint8_t *req, size_t len, uint8_t *type, uint16_t *tag)
{
	uint32_t size;

	*type = 0;
	*tag = P9_NOTAG;
	if (!req || len < P9_HDR_SIZE)
		return -EPROTO;
	size = get_le32(req);
	*type = req[4];
	*tag = get_le16(req + 5);
	if (size < P9_HDR_SIZE || size > len)
		return -EPROTO;
	return 0;
}
