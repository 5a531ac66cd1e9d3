/* AML encoding for the DSDT (aml.h); follows the ACPI 6.x grammar for the
 * handful of terms used. */
#include "aml.h"

#include <stdlib.h>
#include <string.h>

#include "../vmm/bytes.h"

#define AML_ZERO_OP       0x00
#define AML_ONE_OP        0x01
#define AML_NAME_OP       0x08
#define AML_BYTE_PREFIX   0x0a
#define AML_WORD_PREFIX   0x0b
#define AML_DWORD_PREFIX  0x0c
#define AML_STRING_PREFIX 0x0d
#define AML_QWORD_PREFIX  0x0e
#define AML_SCOPE_OP      0x10
#define AML_BUFFER_OP     0x11
#define AML_PACKAGE_OP    0x12
#define AML_EXT_OP        0x5b
#define AML_DEVICE_OP     0x82
#define AML_ROOT_CHAR     '\\'

void aml_init(struct aml *a)
{
	memset(a, 0, sizeof(*a));
}

void aml_free(struct aml *a)
{
	free(a->buf);
	memset(a, 0, sizeof(*a));
}

void aml_bytes(struct aml *a, const void *data, size_t len)
{
	if (a->failed)
		return;
	if (a->len + len > a->cap) {
		size_t cap = a->cap ? a->cap : 64;
		uint8_t *buf;

		while (cap < a->len + len)
			cap *= 2;
		buf = realloc(a->buf, cap);
		if (!buf) {
			a->failed = true;
			return;
		}
		a->buf = buf;
		a->cap = cap;
	}
	memcpy(a->buf + a->len, data, len);
	a->len += len;
}

static void aml_byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

/* PkgLength counts itself plus `content_len` bytes. */
static void aml_pkg_length(struct aml *a, size_t content_len)
{
	uint8_t enc[4];
	size_t total;
	unsigned extra;

	if (content_len + 1 < 0x40) {
		aml_byte(a, (uint8_t)(content_len + 1));
		return;
	}
	for (extra = 1; extra <= 3; extra++) {
		total = content_len + 1 + extra;
		if (total < (1UL << (4 + 8 * extra)))
			break;
	}
	if (extra > 3) {
		a->failed = true;
		return;
	}
	enc[0] = (uint8_t)((extra << 6) | (total & 0xf));
	for (unsigned i = 1; i <= extra; i++)
		enc[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
	aml_bytes(a, enc, extra + 1);
}

void aml_integer(struct aml *a, uint64_t value)
{
	uint8_t b[9];

	if (value == 0) {
		aml_byte(a, AML_ZERO_OP);
	} else if (value == 1) {
		aml_byte(a, AML_ONE_OP);
	} else if (value <= 0xff) {
		b[0] = AML_BYTE_PREFIX;
		b[1] = (uint8_t)value;
		aml_bytes(a, b, 2);
	} else if (value <= 0xffff) {
		b[0] = AML_WORD_PREFIX;
		put_le16(b + 1, (uint16_t)value);
		aml_bytes(a, b, 3);
	} else if (value <= 0xffffffff) {
		b[0] = AML_DWORD_PREFIX;
		put_le32(b + 1, (uint32_t)value);
		aml_bytes(a, b, 5);
	} else {
		b[0] = AML_QWORD_PREFIX;
		put_le64(b + 1, value);
		aml_bytes(a, b, 9);
	}
}

void aml_string(struct aml *a, const char *s)
{
	aml_byte(a, AML_STRING_PREFIX);
	aml_bytes(a, s, strlen(s) + 1);
}

void aml_name_string(struct aml *a, const char *name)
{
	char seg[4];
	size_t n;

	if (*name == AML_ROOT_CHAR) {
		aml_byte(a, AML_ROOT_CHAR);
		name++;
	}
	n = strlen(name);
	if (n > 4)
		n = 4;
	memset(seg, '_', sizeof(seg));
	memcpy(seg, name, n);
	aml_bytes(a, seg, 4);
}

uint32_t aml_eisa_id(const char *id)
{
	uint8_t b[4];
	unsigned hex[4];

	for (int i = 0; i < 4; i++) {
		char c = id[3 + i];
		hex[i] = (unsigned)(c >= 'A' ? c - 'A' + 10 : c - '0') & 0xf;
	}
	b[0] = (uint8_t)(((id[0] - 0x40) & 0x1f) << 2 | ((id[1] - 0x40) & 0x1f) >> 3);
	b[1] = (uint8_t)(((id[1] - 0x40) & 0x07) << 5 | ((id[2] - 0x40) & 0x1f));
	b[2] = (uint8_t)(hex[0] << 4 | hex[1]);
	b[3] = (uint8_t)(hex[2] << 4 | hex[3]);
	return get_le32(b);
}

void aml_name(struct aml *a, const char *name, const struct aml *value)
{
	aml_byte(a, AML_NAME_OP);
	aml_name_string(a, name);
	if (value->failed)
		a->failed = true;
	aml_bytes(a, value->buf, value->len);
}

void aml_name_integer(struct aml *a, const char *name, uint64_t value)
{
	aml_byte(a, AML_NAME_OP);
	aml_name_string(a, name);
	aml_integer(a, value);
}

void aml_name_eisa_id(struct aml *a, const char *name, const char *id)
{
	uint8_t b[5] = { AML_DWORD_PREFIX };

	aml_byte(a, AML_NAME_OP);
	aml_name_string(a, name);
	put_le32(b + 1, aml_eisa_id(id));
	aml_bytes(a, b, sizeof(b));
}

void aml_name_text(struct aml *a, const char *name, const char *text)
{
	aml_byte(a, AML_NAME_OP);
	aml_name_string(a, name);
	aml_string(a, text);
}

void aml_package_integers(struct aml *a, const uint64_t *values, unsigned n)
{
	struct aml body;

	aml_init(&body);
	aml_byte(&body, (uint8_t)n);
	for (unsigned i = 0; i < n; i++)
		aml_integer(&body, values[i]);
	aml_byte(a, AML_PACKAGE_OP);
	aml_pkg_length(a, body.len);
	if (body.failed)
		a->failed = true;
	aml_bytes(a, body.buf, body.len);
	aml_free(&body);
}

void aml_buffer(struct aml *a, const struct aml *content)
{
	struct aml size;

	aml_init(&size);
	aml_integer(&size, content->len);
	aml_byte(a, AML_BUFFER_OP);
	aml_pkg_length(a, size.len + content->len);
	if (size.failed || content->failed)
		a->failed = true;
	aml_bytes(a, size.buf, size.len);
	aml_bytes(a, content->buf, content->len);
	aml_free(&size);
}

static void aml_named_block(struct aml *a, const uint8_t *op, size_t oplen, const char *name,
			    const struct aml *body)
{
	struct aml named;

	aml_init(&named);
	aml_name_string(&named, name);
	aml_bytes(a, op, oplen);
	aml_pkg_length(a, named.len + body->len);
	if (named.failed || body->failed)
		a->failed = true;
	aml_bytes(a, named.buf, named.len);
	aml_bytes(a, body->buf, body->len);
	aml_free(&named);
}

void aml_device(struct aml *a, const char *name, const struct aml *body)
{
	static const uint8_t op[] = { AML_EXT_OP, AML_DEVICE_OP };

	aml_named_block(a, op, sizeof(op), name, body);
}

void aml_scope(struct aml *a, const char *name, const struct aml *body)
{
	static const uint8_t op[] = { AML_SCOPE_OP };

	aml_named_block(a, op, sizeof(op), name, body);
}

void aml_res_io(struct aml *a, uint16_t base, uint8_t len)
{
	/* Small IO port descriptor, 16-bit decode, fixed base. */
	uint8_t d[8] = { 0x47, 0x01 };

	put_le16(d + 2, base);
	put_le16(d + 4, base);
	d[6] = 1;
	d[7] = len;
	aml_bytes(a, d, sizeof(d));
}

void aml_res_irq(struct aml *a, unsigned irq)
{
	/* Small IRQ descriptor without the info byte: edge, active high. */
	uint8_t d[3] = { 0x22 };

	put_le16(d + 1, (uint16_t)(1u << irq));
	aml_bytes(a, d, sizeof(d));
}

/* Large Word/DWord address space descriptors, producer, fixed min and max. */
static void aml_res_word_space(struct aml *a, uint8_t type, uint8_t type_flags, uint16_t min,
			       uint16_t max)
{
	uint8_t d[16] = { 0x88 };

	put_le16(d + 1, 13);
	d[3] = type;
	d[4] = 0x0c;       /* MinFixed | MaxFixed, producer */
	d[5] = type_flags;
	put_le16(d + 6, 0);             /* granularity */
	put_le16(d + 8, min);
	put_le16(d + 10, max);
	put_le16(d + 12, 0);            /* translation */
	put_le16(d + 14, (uint16_t)(max - min + 1));
	aml_bytes(a, d, sizeof(d));
}

void aml_res_bus_range(struct aml *a, uint16_t min, uint16_t max)
{
	aml_res_word_space(a, 2, 0, min, max);
}

void aml_res_io_range(struct aml *a, uint16_t min, uint16_t max)
{
	aml_res_word_space(a, 1, 3 /* ISA and non-ISA ranges */, min, max);
}

void aml_res_mem32_range(struct aml *a, uint32_t min, uint32_t max)
{
	uint8_t d[26] = { 0x87 };

	put_le16(d + 1, 23);
	d[3] = 0;          /* memory */
	d[4] = 0x0c;
	d[5] = 0x01;       /* read-write, non-cacheable */
	put_le32(d + 6, 0);
	put_le32(d + 10, min);
	put_le32(d + 14, max);
	put_le32(d + 18, 0);
	put_le32(d + 22, max - min + 1);
	aml_bytes(a, d, sizeof(d));
}

void aml_res_end(struct aml *a)
{
	static const uint8_t d[2] = { 0x79, 0x00 };

	aml_bytes(a, d, sizeof(d));
}
