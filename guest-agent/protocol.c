/* The agent's side of the framing: an incremental frame reader that never
 * trusts a length it has not checked, the queue of frames to the host, and
 * JSON field readers that check type, range and length and name the field in
 * their errors. What a request means is requests.c's business. */
#include "agent.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- frames in ---- */

void frame_reader_init(struct frame_reader *r)
{
	memset(r, 0, sizeof(*r));
}

void frame_reader_done(struct frame_reader *r)
{
	free(r->body);
	r->body = NULL;
	r->body_got = 0;
	r->raw_len = 0;
	r->in_body = false;
}

void frame_reader_free(struct frame_reader *r)
{
	frame_reader_done(r);
	r->skip = 0;
}

size_t frame_reader_push(struct frame_reader *r, const uint8_t *data, size_t len,
			 enum frame_status *st)
{
	size_t used = 0;

	*st = FRAME_NONE;
	if (r->skip) {
		size_t n = r->skip < len ? (size_t)r->skip : len;

		r->skip -= n;
		used += n;
		if (r->skip)
			return used;
	}
	if (!r->in_body) {
		size_t n = GCS_HEADER_SIZE - r->raw_len;

		if (n > len - used)
			n = len - used;
		memcpy(r->raw + r->raw_len, data + used, n);
		r->raw_len += n;
		used += n;
		if (r->raw_len < GCS_HEADER_SIZE)
			return used;
		gcs_header_decode(r->raw, &r->hdr);
		r->raw_len = 0;
		if (r->hdr.magic != GCS_MAGIC) {
			*st = FRAME_BAD_MAGIC;
			return used;
		}
		if (r->hdr.body_len > GCS_MAX_BODY) {
			r->skip = r->hdr.body_len;
			*st = FRAME_TOO_BIG;
			return used;
		}
		/* One more byte keeps the body NUL-terminated for messages. */
		r->body = calloc(1, (size_t)r->hdr.body_len + 1);
		if (!r->body) {
			/* Cannot hold it: treat it as too big, skipping the body. */
			r->skip = r->hdr.body_len;
			*st = FRAME_TOO_BIG;
			return used;
		}
		r->body_got = 0;
		r->in_body = true;
	}
	{
		size_t want = r->hdr.body_len - r->body_got;
		size_t n = want < len - used ? want : len - used;

		memcpy(r->body + r->body_got, data + used, n);
		r->body_got += n;
		used += n;
		if (r->body_got == r->hdr.body_len)
			*st = FRAME_READY;
	}
	return used;
}

/* ---- frames out ---- */

int outbuf_add_frame(struct outbuf *o, uint16_t version, uint16_t type, uint64_t id,
		     const char *body, size_t body_len)
{
	struct gcs_header h = {
		.magic = GCS_MAGIC, .version = version, .type = type, .id = id,
		.body_len = (uint32_t)body_len,
	};
	size_t need;

	if (body_len > GCS_MAX_BODY)
		return -EMSGSIZE;
	if (o->off && o->off == o->len)
		o->off = o->len = 0;
	need = o->len + GCS_HEADER_SIZE + body_len;
	if (need - o->off > OUTBUF_MAX)
		return -ENOBUFS;
	if (need > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;
		uint8_t *p;

		if (o->off) {   /* reclaim the written part first */
			memmove(o->data, o->data + o->off, o->len - o->off);
			o->len -= o->off;
			o->off = 0;
			need = o->len + GCS_HEADER_SIZE + body_len;
		}
		while (cap < need)
			cap *= 2;
		if (cap != o->cap) {
			p = realloc(o->data, cap);
			if (!p)
				return -ENOMEM;
			o->data = p;
			o->cap = cap;
		}
	}
	gcs_header_encode(&h, o->data + o->len);
	memcpy(o->data + o->len + GCS_HEADER_SIZE, body, body_len);
	o->len += GCS_HEADER_SIZE + body_len;
	return 0;
}

int outbuf_flush(struct outbuf *o, int fd)
{
	while (o->off < o->len) {
		ssize_t n = send(fd, o->data + o->off, o->len - o->off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return -EAGAIN;
			return -errno;
		}
		o->off += (size_t)n;
	}
	o->off = o->len = 0;
	return 0;
}

void outbuf_clear(struct outbuf *o)
{
	free(o->data);
	memset(o, 0, sizeof(*o));
}

/* ---- JSON fields ---- */

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:  return "object";
	case JSON_ARRAY:   return "array";
	case JSON_STRING:  return "string";
	case JSON_INTEGER: return "integer";
	case JSON_REAL:    return "number";
	case JSON_TRUE:
	case JSON_FALSE:   return "boolean";
	default:           return "null";
	}
}

static int field_error(struct uvm_error *err, const char *where, const char *key,
		       const char *what)
{
	if (where && *where)
		return uvm_err(err, -EINVAL, "%s.%s: %s", where, key, what);
	return uvm_err(err, -EINVAL, "%s: %s", key, what);
}

static int wrong_type(struct uvm_error *err, const char *where, const char *key,
		      const char *want, const json_t *got)
{
	char what[96];

	snprintf(what, sizeof(what), "expected %s, got %s", want, type_name(got));
	return field_error(err, where, key, what);
}

/* The value of key, NULL when absent or null; -EINVAL when required and missing. */
static int lookup(const json_t *obj, const char *where, const char *key, bool required,
		  json_t **v, struct uvm_error *err)
{
	*v = json_object_get(obj, key);
	if (*v && json_is_null(*v))
		*v = NULL;
	if (!*v && required)
		return field_error(err, where, key, "required");
	return 0;
}

int jfield_keys(const json_t *obj, const char *where, const char *const *allowed,
		struct uvm_error *err)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		bool known = false;

		for (size_t i = 0; allowed[i] && !known; i++)
			known = !strcmp(key, allowed[i]);
		if (!known) {
			/* Keys may hold anything: print a bounded, tame copy. */
			char shown[64];
			size_t n = 0;

			for (const char *p = key; *p && n < sizeof(shown) - 4; p++)
				shown[n++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
			if (strlen(key) > n)
				shown[n++] = '.', shown[n++] = '.', shown[n++] = '.';
			shown[n] = '\0';
			return field_error(err, where, shown, "unknown field");
		}
	}
	return 0;
}

int jvalue_string(const json_t *v, const char *where, size_t max_len, const char **out,
		  struct uvm_error *err)
{
	const char *s;
	size_t len;

	if (!json_is_string(v))
		return wrong_type(err, NULL, where, "a string", v);
	s = json_string_value(v);
	len = json_string_length(v);
	if (strlen(s) != len)
		return field_error(err, NULL, where, "contains a NUL byte");
	if (len > max_len) {
		char what[64];

		snprintf(what, sizeof(what), "longer than %zu bytes", max_len);
		return field_error(err, NULL, where, what);
	}
	*out = s;
	return 0;
}

int jfield_string(const json_t *obj, const char *where, const char *key, bool required,
		  size_t max_len, const char **out, struct uvm_error *err)
{
	char path[160];
	json_t *v;
	int ret = lookup(obj, where, key, required, &v, err);

	if (ret || !v)
		return ret;
	snprintf(path, sizeof(path), "%s%s%s", where && *where ? where : "",
		 where && *where ? "." : "", key);
	return jvalue_string(v, path, max_len, out, err);
}

int jfield_uint(const json_t *obj, const char *where, const char *key, bool required,
		uint64_t min, uint64_t max, uint64_t *out, struct uvm_error *err)
{
	json_int_t n;
	json_t *v;
	int ret = lookup(obj, where, key, required, &v, err);

	if (ret || !v)
		return ret;
	if (!json_is_integer(v))
		return wrong_type(err, where, key, "an integer", v);
	n = json_integer_value(v);
	if (n < 0 || (uint64_t)n < min || (uint64_t)n > max) {
		char what[96];

		snprintf(what, sizeof(what), "%lld is out of range [%llu, %llu]", (long long)n,
			 (unsigned long long)min, (unsigned long long)max);
		return field_error(err, where, key, what);
	}
	*out = (uint64_t)n;
	return 0;
}

int jfield_bool(const json_t *obj, const char *where, const char *key, bool *out,
		struct uvm_error *err)
{
	json_t *v;
	int ret = lookup(obj, where, key, false, &v, err);

	if (ret || !v)
		return ret;
	if (!json_is_boolean(v))
		return wrong_type(err, where, key, "a boolean", v);
	*out = json_is_true(v);
	return 0;
}

int jfield_object(const json_t *obj, const char *where, const char *key, bool required,
		  json_t **out, struct uvm_error *err)
{
	json_t *v;
	int ret = lookup(obj, where, key, required, &v, err);

	if (ret || !v)
		return ret;
	if (!json_is_object(v))
		return wrong_type(err, where, key, "an object", v);
	*out = v;
	return 0;
}

int jfield_array(const json_t *obj, const char *where, const char *key, bool required,
		 size_t max_items, json_t **out, struct uvm_error *err)
{
	json_t *v;
	int ret = lookup(obj, where, key, required, &v, err);

	if (ret || !v)
		return ret;
	if (!json_is_array(v))
		return wrong_type(err, where, key, "an array", v);
	if (json_array_size(v) > max_items) {
		char what[64];

		snprintf(what, sizeof(what), "more than %zu items", max_items);
		return field_error(err, where, key, what);
	}
	*out = v;
	return 0;
}

void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

int jfield_strings(const json_t *obj, const char *where, const char *key, bool required,
		   size_t max_items, size_t max_len, char ***out, size_t *n,
		   struct uvm_error *err)
{
	json_t *arr = NULL, *item;
	char **v, path[192];
	size_t i;
	int ret = jfield_array(obj, where, key, required, max_items, &arr, err);

	if (ret || !arr)
		return ret;
	v = calloc(json_array_size(arr) + 1, sizeof(*v));
	if (!v)
		return uvm_err(err, -ENOMEM, "out of memory");
	json_array_foreach(arr, i, item) {
		const char *s;

		snprintf(path, sizeof(path), "%s%s%s[%zu]", where && *where ? where : "",
			 where && *where ? "." : "", key, i);
		ret = jvalue_string(item, path, max_len, &s, err);
		if (!ret && !(v[i] = strdup(s)))
			ret = uvm_err(err, -ENOMEM, "out of memory");
		if (ret) {
			strv_free(v);
			return ret;
		}
	}
	*out = v;
	*n = json_array_size(arr);
	return 0;
}
