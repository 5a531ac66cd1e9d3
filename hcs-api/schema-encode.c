/* The table-driven writing side of the HCS schema: C structs to JSON the way
 * Go's encoding/json writes hcsshim's structs (field order, omitempty, times,
 * GUIDs, sorted maps), plus comparing and freeing through the same tables.
 * Reading is in schema-codec.c. */
#include "schema-codec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HCS_ZERO_GUID "00000000-0000-0000-0000-000000000000"

char *hcs_format_time(const struct timespec *ts, char buf[40])
{
	time_t secs = ts->tv_sec;
	char frac[12] = "";
	struct tm tm;

	if (!ts->tv_sec && !ts->tv_nsec) {
		snprintf(buf, 40, "0001-01-01T00:00:00Z");
		return buf;
	}
	if (!gmtime_r(&secs, &tm)) {
		snprintf(buf, 40, "0001-01-01T00:00:00Z");
		return buf;
	}
	if (ts->tv_nsec > 0 && ts->tv_nsec < 1000000000) {
		size_t n = (size_t)snprintf(frac, sizeof(frac), ".%09ld", (long)ts->tv_nsec);

		while (n > 1 && frac[n - 1] == '0')
			frac[--n] = '\0';
	}
	snprintf(buf, 40, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
	return buf;
}

char *hcs_dump(json_t *v)
{
	char *s;

	if (!v)
		return NULL;
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(v);
	if (!s)
		errno = ENOMEM;
	return s;
}

static json_t *encode_string(const char *s)
{
	json_t *v = json_string(s ? s : "");

	if (!v)
		errno = EINVAL; /* not UTF-8 (or out of memory) */
	return v;
}

static json_t *encode_u64(uint64_t n)
{
	return json_integer(n > INT64_MAX ? INT64_MAX : (json_int_t)n);
}

/* Takes the reference to v; false when v is NULL or the array cannot grow. */
static bool append(json_t *arr, json_t *v)
{
	return v && json_array_append_new(arr, v) == 0;
}

static json_t *encode_strings(char *const *items, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < n; i++) {
		if (!append(arr, encode_string(items[i]))) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static int env_ptr_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct hcs_env_var *const *)a)->name,
		      (*(const struct hcs_env_var *const *)b)->name);
}

/* A JSON object of the variables; keys sorted, as Go writes maps. */
static json_t *encode_env(const struct hcs_env_var *env, size_t n)
{
	const struct hcs_env_var **sorted = calloc(n ? n : 1, sizeof(*sorted));
	json_t *obj = json_object();

	if (!sorted || !obj)
		goto fail;
	for (size_t i = 0; i < n; i++)
		sorted[i] = &env[i];
	qsort(sorted, n, sizeof(*sorted), env_ptr_cmp);
	for (size_t i = 0; i < n; i++) {
		json_t *v = encode_string(sorted[i]->value);

		if (!v || !sorted[i]->name || json_object_set_new(obj, sorted[i]->name, v)) {
			errno = EINVAL;
			goto fail;
		}
	}
	free(sorted);
	return obj;
fail:
	free(sorted);
	json_decref(obj);
	return NULL;
}

static json_t *encode_field(const struct hcs_field *f, const void *obj)
{
	const unsigned *pair;
	const char *arr;
	char buf[40];
	json_t *v;

	switch (f->kind) {
	case HCS_STRING:
		return encode_string(*HCS_CAT(obj, f, char *));
	case HCS_BOOL:
		return json_boolean(*HCS_CAT(obj, f, bool));
	case HCS_I32:
		return json_integer(*HCS_CAT(obj, f, int32_t));
	case HCS_U32:
		return json_integer(*HCS_CAT(obj, f, uint32_t));
	case HCS_U64:
		return encode_u64(*HCS_CAT(obj, f, uint64_t));
	case HCS_I64:
		return json_integer(*HCS_CAT(obj, f, int64_t));
	case HCS_STRINGS:
		return encode_strings(*HCS_CAT(obj, f, char **), HCS_COUNT(obj, f));
	case HCS_ENV:
		return encode_env(*HCS_CAT(obj, f, struct hcs_env_var *), HCS_COUNT(obj, f));
	case HCS_OBJECT:
		return hcs_encode_object(f->type, HCS_CAT(obj, f, void));
	case HCS_OBJECT_PTR:
		if (!*HCS_CAT(obj, f, void *))
			return json_null();
		return hcs_encode_object(f->type, *HCS_CAT(obj, f, void *));
	case HCS_OBJECT_ARRAY:
		arr = *HCS_CAT(obj, f, char *);
		v = json_array();
		for (size_t i = 0; v && i < HCS_COUNT(obj, f); i++) {
			if (!append(v, hcs_encode_object(f->type, arr + i * f->type->size))) {
				json_decref(v);
				return NULL;
			}
		}
		return v;
	case HCS_RAW:
		if (!*HCS_CAT(obj, f, char *))
			return json_null();
		v = json_loadb(*HCS_CAT(obj, f, char *), HCS_COUNT(obj, f), JSON_DECODE_ANY, NULL);
		if (!v)
			errno = EINVAL;
		return v;
	case HCS_UINT_PAIR:
		pair = HCS_CAT(obj, f, unsigned);
		return json_pack("[II]", (json_int_t)pair[0], (json_int_t)pair[1]);
	case HCS_TIME:
		return json_string(hcs_format_time(HCS_CAT(obj, f, struct timespec), buf));
	case HCS_GUID:
		if (!*HCS_CAT(obj, f, char *) || !**HCS_CAT(obj, f, char *))
			return json_string(HCS_ZERO_GUID);
		return encode_string(*HCS_CAT(obj, f, char *));
	case HCS_CUSTOM:
		return f->encode(obj, f);
	}
	return NULL;
}

static bool omitted(const struct hcs_field *f, const void *obj)
{
	return (f->flags & HCS_OMITEMPTY) && hcs_field_is_empty(obj, f);
}

json_t *hcs_encode_object(const struct hcs_type *t, const void *obj)
{
	json_t *o = json_object();

	for (size_t i = 0; o && i < t->n_fields; i++) {
		const struct hcs_field *f = &t->fields[i];
		json_t *v;

		if (omitted(f, obj))
			continue;
		v = encode_field(f, obj);
		if (!v || json_object_set_new(o, f->name, v)) {
			json_decref(o);
			return NULL;
		}
	}
	if (!o && !errno)
		errno = ENOMEM;
	return o;
}

/* The top level is written field by field so raw values go out verbatim. */
char *hcs_encode(const struct hcs_type *t, const void *obj)
{
	char *buf = NULL;
	size_t size = 0;
	bool first = true, ok = true;
	FILE *out = open_memstream(&buf, &size);

	if (!out)
		return NULL;
	errno = 0;
	fputc('{', out);
	for (size_t i = 0; ok && i < t->n_fields; i++) {
		const struct hcs_field *f = &t->fields[i];
		const char *raw = f->kind == HCS_RAW ? *HCS_CAT(obj, f, char *) : NULL;
		char *text;

		if (omitted(f, obj))
			continue;
		fprintf(out, "%s\"%s\":", first ? "" : ",", f->name);
		first = false;
		if (f->kind == HCS_RAW) {
			json_t *check = raw ? json_loadb(raw, HCS_COUNT(obj, f), JSON_DECODE_ANY, NULL) : NULL;

			if (raw && !check) { /* written verbatim, so it must be JSON */
				errno = EINVAL;
				ok = false;
				break;
			}
			json_decref(check);
			if (raw)
				fwrite(raw, 1, HCS_COUNT(obj, f), out);
			else
				fputs("null", out);
			continue;
		}
		text = hcs_dump(encode_field(f, obj));
		if (!text) {
			ok = false;
			break;
		}
		fputs(text, out);
		free(text);
	}
	fputc('}', out);
	if (fclose(out) || !ok) {
		if (!errno)
			errno = ENOMEM;
		free(buf);
		return NULL;
	}
	return buf;
}

char *hcs_encode_array(const struct hcs_type *t, const void *items, size_t n)
{
	json_t *arr = json_array();

	errno = 0;
	for (size_t i = 0; arr && i < n; i++) {
		if (!append(arr, hcs_encode_object(t, (const char *)items + i * t->size))) {
			json_decref(arr);
			if (!errno)
				errno = ENOMEM;
			return NULL;
		}
	}
	return hcs_dump(arr);
}

/* ---- comparing ---- */

static bool str_eq(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

static bool field_equal(const struct hcs_field *f, const void *a, const void *b)
{
	size_t n = 0;

	if (f->kind == HCS_STRINGS || f->kind == HCS_ENV || f->kind == HCS_OBJECT_ARRAY ||
	    f->kind == HCS_RAW) {
		n = HCS_COUNT(a, f);
		if (n != HCS_COUNT(b, f))
			return false;
	}
	switch (f->kind) {
	case HCS_STRING:
	case HCS_GUID:
		return str_eq(*HCS_CAT(a, f, char *), *HCS_CAT(b, f, char *));
	case HCS_BOOL:
		return *HCS_CAT(a, f, bool) == *HCS_CAT(b, f, bool);
	case HCS_I32:
		return *HCS_CAT(a, f, int32_t) == *HCS_CAT(b, f, int32_t);
	case HCS_U32:
		return *HCS_CAT(a, f, uint32_t) == *HCS_CAT(b, f, uint32_t);
	case HCS_U64:
		return *HCS_CAT(a, f, uint64_t) == *HCS_CAT(b, f, uint64_t);
	case HCS_I64:
		return *HCS_CAT(a, f, int64_t) == *HCS_CAT(b, f, int64_t);
	case HCS_STRINGS:
		for (size_t i = 0; i < n; i++)
			if (!str_eq((*HCS_CAT(a, f, char **))[i], (*HCS_CAT(b, f, char **))[i]))
				return false;
		return true;
	case HCS_ENV:
		for (size_t i = 0; i < n; i++) {
			const struct hcs_env_var *x = &(*HCS_CAT(a, f, struct hcs_env_var *))[i];
			const struct hcs_env_var *y = &(*HCS_CAT(b, f, struct hcs_env_var *))[i];

			if (!str_eq(x->name, y->name) || !str_eq(x->value, y->value))
				return false;
		}
		return true;
	case HCS_OBJECT:
		return hcs_equal(f->type, HCS_CAT(a, f, void), HCS_CAT(b, f, void));
	case HCS_OBJECT_PTR:
		if (!*HCS_CAT(a, f, void *) || !*HCS_CAT(b, f, void *))
			return *HCS_CAT(a, f, void *) == *HCS_CAT(b, f, void *);
		return hcs_equal(f->type, *HCS_CAT(a, f, void *), *HCS_CAT(b, f, void *));
	case HCS_OBJECT_ARRAY:
		for (size_t i = 0; i < n; i++)
			if (!hcs_equal(f->type, *HCS_CAT(a, f, char *) + i * f->type->size,
				       *HCS_CAT(b, f, char *) + i * f->type->size))
				return false;
		return true;
	case HCS_RAW:
		if (!*HCS_CAT(a, f, char *) || !*HCS_CAT(b, f, char *))
			return *HCS_CAT(a, f, char *) == *HCS_CAT(b, f, char *);
		return !memcmp(*HCS_CAT(a, f, char *), *HCS_CAT(b, f, char *), n);
	case HCS_UINT_PAIR:
		return HCS_CAT(a, f, unsigned)[0] == HCS_CAT(b, f, unsigned)[0] &&
		       HCS_CAT(a, f, unsigned)[1] == HCS_CAT(b, f, unsigned)[1];
	case HCS_TIME:
		return HCS_CAT(a, f, struct timespec)->tv_sec == HCS_CAT(b, f, struct timespec)->tv_sec &&
		       HCS_CAT(a, f, struct timespec)->tv_nsec == HCS_CAT(b, f, struct timespec)->tv_nsec;
	case HCS_CUSTOM:
		return true; /* output-only values, not compared */
	}
	return false;
}

bool hcs_equal(const struct hcs_type *t, const void *a, const void *b)
{
	for (size_t i = 0; i < t->n_fields; i++)
		if (!field_equal(&t->fields[i], a, b))
			return false;
	return true;
}

/* ---- freeing (only the owning input types come here) ---- */

void hcs_free(const struct hcs_type *t, void *obj)
{
	for (size_t i = 0; i < t->n_fields; i++) {
		const struct hcs_field *f = &t->fields[i];
		size_t n = f->count_offset ? HCS_COUNT(obj, f) : 0;
		char *arr;

		switch (f->kind) {
		case HCS_STRING:
		case HCS_GUID:
		case HCS_RAW:
			free(*HCS_AT(obj, f, char *));
			break;
		case HCS_STRINGS:
			for (size_t j = 0; j < n; j++)
				free((*HCS_AT(obj, f, char **))[j]);
			free(*HCS_AT(obj, f, char **));
			break;
		case HCS_ENV:
			for (size_t j = 0; j < n; j++) {
				free((*HCS_AT(obj, f, struct hcs_env_var *))[j].name);
				free((*HCS_AT(obj, f, struct hcs_env_var *))[j].value);
			}
			free(*HCS_AT(obj, f, struct hcs_env_var *));
			break;
		case HCS_OBJECT:
			hcs_free(f->type, HCS_AT(obj, f, void));
			break;
		case HCS_OBJECT_PTR:
			if (*HCS_AT(obj, f, void *))
				hcs_free(f->type, *HCS_AT(obj, f, void *));
			free(*HCS_AT(obj, f, void *));
			break;
		case HCS_OBJECT_ARRAY:
			arr = *HCS_AT(obj, f, char *);
			for (size_t j = 0; j < n; j++)
				hcs_free(f->type, arr + j * f->type->size);
			free(arr);
			break;
		default:
			break;
		}
	}
	memset(obj, 0, t->size);
}
