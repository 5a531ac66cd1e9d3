/* The table-driven reading side of the HCS schema: JSON text to C structs
 * through the field tables, with paths, type errors, unknown-field suggestions,
 * checks in document order, and the shared checks. Writing, comparing and
 * freeing are in schema-encode.c; the tables themselves in schema*.c. */
#include "schema-codec.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hcs_walk_init(struct hcs_walk *w, struct uvm_error *err, hcs_problem_fn report, void *ctx)
{
	memset(w, 0, sizeof(*w));
	w->err = err;
	w->report = report;
	w->report_ctx = ctx;
	w->checks = true;
}

int hcs_problem(struct hcs_walk *w, const char *field, int code, const char *fmt, ...)
{
	char msg[512];
	size_t n = 0;
	va_list ap;

	if (w->path_len)
		n = (size_t)snprintf(msg, sizeof(msg), "%s%s%s: ", w->path, field ? "." : "",
				     field ? field : "");
	else if (field)
		n = (size_t)snprintf(msg, sizeof(msg), "%s: ", field);
	if (n >= sizeof(msg))
		n = sizeof(msg) - 1;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);

	if (!w->count++) {
		w->first = code;
		uvm_err(w->err, code, "%s", msg);
	}
	if (!w->report)
		return code;
	w->report(w->report_ctx, code, msg);
	return 0;
}

int hcs_oom(struct hcs_walk *w)
{
	return uvm_err(w->err, -ENOMEM, "out of memory");
}

int hcs_walk_result(const struct hcs_walk *w)
{
	return w->count ? w->first : 0;
}

size_t hcs_path_push_field(struct hcs_walk *w, const char *name)
{
	size_t old = w->path_len;
	int n = snprintf(w->path + old, sizeof(w->path) - old, "%s%s", old ? "." : "", name);

	w->path_len = n < 0 ? old : strnlen(w->path, sizeof(w->path) - 1);
	return old;
}

size_t hcs_path_push_index(struct hcs_walk *w, size_t i)
{
	size_t old = w->path_len;

	snprintf(w->path + old, sizeof(w->path) - old, "[%zu]", i);
	w->path_len = strnlen(w->path, sizeof(w->path) - 1);
	return old;
}

size_t hcs_path_push_key(struct hcs_walk *w, const char *key)
{
	size_t old = w->path_len;

	snprintf(w->path + old, sizeof(w->path) - old, "[\"%s\"]", key);
	w->path_len = strnlen(w->path, sizeof(w->path) - 1);
	return old;
}

void hcs_path_pop(struct hcs_walk *w, size_t len)
{
	w->path_len = len;
	w->path[len] = '\0';
}

const struct hcs_field *hcs_field_named(const struct hcs_type *t, const char *name)
{
	for (size_t i = 0; i < t->n_fields; i++)
		if (!strcmp(t->fields[i].name, name))
			return &t->fields[i];
	return NULL;
}

bool hcs_field_is_empty(const void *obj, const struct hcs_field *f)
{
	switch (f->kind) {
	case HCS_STRING: {
		const char *s = *HCS_CAT(obj, f, char *);
		return !s || !*s;
	}
	case HCS_BOOL:
		return !*HCS_CAT(obj, f, bool);
	case HCS_I32:
		return !*HCS_CAT(obj, f, int32_t);
	case HCS_U32:
		return !*HCS_CAT(obj, f, uint32_t);
	case HCS_U64:
		return !*HCS_CAT(obj, f, uint64_t);
	case HCS_I64:
		return !*HCS_CAT(obj, f, int64_t);
	case HCS_STRINGS:
	case HCS_ENV:
	case HCS_OBJECT_ARRAY:
	case HCS_CUSTOM:
		return HCS_COUNT(obj, f) == 0;
	case HCS_OBJECT_PTR:
	case HCS_RAW:
		return *HCS_CAT(obj, f, void *) == NULL;
	case HCS_UINT_PAIR:
		return !HCS_CAT(obj, f, unsigned)[0] && !HCS_CAT(obj, f, unsigned)[1];
	case HCS_OBJECT:
	case HCS_TIME:
	case HCS_GUID:
		return false;
	}
	return false;
}

/* ---- reading JSON ---- */

static const char *json_kind_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	default:
		return "null";
	}
}

/* Decoders return <0 to stop, 0 when the value was stored, 1 when a problem
 * was reported and the walk goes on without the value. */
static int soft(int ret)
{
	return ret < 0 ? ret : 1;
}

static int wrong_type(struct hcs_walk *w, const char *field, const char *want, const json_t *v)
{
	return soft(hcs_problem(w, field, -EINVAL, "expected %s, got %s", want, json_kind_name(v)));
}

/* Case-insensitive optimal string alignment distance; SIZE_MAX for long keys. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d[65][65]; /* distances stay <= 64 */

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned char)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned char)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			int best = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == tolower((unsigned char)b[j - 1]) &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = (unsigned char)best;
		}
	}
	return d[la][lb];
}

static int unknown_field(struct hcs_walk *w, const struct hcs_type *t, const char *key)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX;

	for (size_t i = 0; i < t->n_fields; i++) {
		size_t d = edit_distance(key, t->fields[i].name);

		if (d < best_d) {
			best_d = d;
			best = t->fields[i].name;
		}
	}
	if (best) {
		size_t limit = strlen(best) / 3;

		limit = limit < 1 ? 1 : limit > 3 ? 3 : limit;
		if (best_d <= limit)
			return hcs_problem(w, key, -EINVAL, "unknown field \"%s\" (did you mean \"%s\"?)",
					   key, best);
	}
	return hcs_problem(w, key, -EINVAL, "unknown field \"%s\"", key);
}

static int decode_string(struct hcs_walk *w, const char *field, const json_t *v, char **out)
{
	if (!json_is_string(v))
		return wrong_type(w, field, "a string", v);
	*out = NULL;
	if (!json_string_length(v))
		return 0;
	*out = strdup(json_string_value(v));
	return *out ? 0 : hcs_oom(w);
}

static int decode_int(struct hcs_walk *w, const char *field, const json_t *v, enum hcs_kind kind,
		      void *out)
{
	json_int_t n;

	if (json_is_real(v))
		return soft(hcs_problem(w, field, -EINVAL,
					"expected an integer, got a number with a fraction or exponent"));
	if (!json_is_integer(v))
		return wrong_type(w, field, "an integer", v);
	n = json_integer_value(v);
	if ((kind == HCS_U32 || kind == HCS_U64) && n < 0)
		return soft(hcs_problem(w, field, -ERANGE, "must not be negative, got %lld", (long long)n));
	switch (kind) {
	case HCS_I32:
		if (n < INT32_MIN || n > INT32_MAX)
			return soft(hcs_problem(w, field, -ERANGE, "out of range: %d to %d, got %lld",
						INT32_MIN, INT32_MAX, (long long)n));
		*(int32_t *)out = (int32_t)n;
		return 0;
	case HCS_U32:
		if ((unsigned long long)n > UINT32_MAX)
			return soft(hcs_problem(w, field, -ERANGE, "out of range: at most %u, got %lld",
						UINT32_MAX, (long long)n));
		*(uint32_t *)out = (uint32_t)n;
		return 0;
	case HCS_U64:
		*(uint64_t *)out = (uint64_t)n;
		return 0;
	default:
		*(int64_t *)out = (int64_t)n;
		return 0;
	}
}

static int decode_strings(struct hcs_walk *w, const struct hcs_field *f, const json_t *v, void *obj)
{
	size_t n = json_array_size(v), old;
	int ret = 0, soft_seen = 0;
	char **arr;

	if (!json_is_array(v))
		return wrong_type(w, f->name, "an array of strings", v);
	if (!n)
		return 0;
	arr = calloc(n, sizeof(*arr));
	if (!arr)
		return hcs_oom(w);
	*HCS_AT(obj, f, char **) = arr;
	*(size_t *)((char *)obj + f->count_offset) = n;
	old = hcs_path_push_field(w, f->name);
	for (size_t i = 0; i < n && ret >= 0; i++) {
		const json_t *e = json_array_get(v, i);
		size_t here;

		if (json_is_string(e)) {
			arr[i] = strdup(json_string_value(e));
			if (!arr[i])
				ret = hcs_oom(w);
			continue;
		}
		here = hcs_path_push_index(w, i);
		ret = wrong_type(w, NULL, "a string", e);
		hcs_path_pop(w, here);
		soft_seen |= ret > 0;
	}
	hcs_path_pop(w, old);
	if (ret >= 0)
		for (size_t i = 0; i < n; i++) /* no NULL holes for the caller */
			if (!arr[i] && !(arr[i] = strdup("")))
				ret = hcs_oom(w);
	return ret < 0 ? ret : soft_seen;
}

static int env_cmp(const void *a, const void *b)
{
	return strcmp(((const struct hcs_env_var *)a)->name, ((const struct hcs_env_var *)b)->name);
}

static int decode_env(struct hcs_walk *w, const struct hcs_field *f, json_t *v, void *obj)
{
	size_t n = json_object_size(v), i = 0, old;
	int ret = 0, soft_seen = 0;
	struct hcs_env_var *env;
	const char *key;
	json_t *val;

	if (!json_is_object(v))
		return wrong_type(w, f->name, "an object of strings", v);
	if (!n)
		return 0;
	env = calloc(n, sizeof(*env));
	if (!env)
		return hcs_oom(w);
	*HCS_AT(obj, f, struct hcs_env_var *) = env;
	old = hcs_path_push_field(w, f->name);
	json_object_foreach(v, key, val) {
		if (!json_is_string(val)) {
			size_t here = hcs_path_push_key(w, key);

			ret = wrong_type(w, NULL, "a string", val);
			hcs_path_pop(w, here);
			if (ret < 0)
				break;
			soft_seen = 1;
			continue;
		}
		env[i].name = strdup(key);
		env[i].value = strdup(json_string_value(val));
		i++;
		if (!env[i - 1].name || !env[i - 1].value) {
			ret = hcs_oom(w);
			break;
		}
	}
	hcs_path_pop(w, old);
	*(size_t *)((char *)obj + f->count_offset) = i;
	qsort(env, i, sizeof(*env), env_cmp);
	return ret < 0 ? ret : soft_seen;
}

static int decode_uint_pair(struct hcs_walk *w, const struct hcs_field *f, const json_t *v, void *obj)
{
	unsigned *pair = HCS_AT(obj, f, unsigned);
	int ret = 0;

	if (!json_is_array(v) || json_array_size(v) != 2) {
		if (json_is_array(v))
			return soft(hcs_problem(w, f->name, -EINVAL,
						"expected an array of 2 integers, got %zu elements",
						json_array_size(v)));
		return wrong_type(w, f->name, "an array of 2 integers", v);
	}
	for (size_t i = 0; i < 2 && !ret; i++) {
		size_t old = hcs_path_push_field(w, f->name);
		uint32_t value = 0;

		hcs_path_push_index(w, i);
		ret = decode_int(w, NULL, json_array_get(v, i), HCS_U32, &value);
		hcs_path_pop(w, old);
		pair[i] = value;
	}
	return ret;
}

/* ---- verbatim values: where a top-level key's value sits in the text ---- */

static size_t skip_ws(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

static size_t skip_string(const char *s, size_t n, size_t i)
{
	for (i++; i < n && s[i] != '"'; i++)
		if (s[i] == '\\')
			i++;
	return i + 1;
}

static size_t skip_value(const char *s, size_t n, size_t i)
{
	int depth = 0;

	if (i < n && s[i] == '"')
		return skip_string(s, n, i);
	if (i < n && s[i] != '{' && s[i] != '[') {
		while (i < n && !strchr(",}] \t\r\n", s[i]))
			i++;
		return i;
	}
	while (i < n) {
		if (s[i] == '"') {
			i = skip_string(s, n, i);
			continue;
		}
		if (s[i] == '{' || s[i] == '[')
			depth++;
		else if ((s[i] == '}' || s[i] == ']') && --depth == 0)
			return i + 1;
		i++;
	}
	return i;
}

static bool key_is(const char *s, size_t start, size_t end, const char *name)
{
	json_t *k;
	bool same;

	if (!memchr(s + start, '\\', end - start))
		return end - start - 2 == strlen(name) && !memcmp(s + start + 1, name, strlen(name));
	k = json_loadb(s + start, end - start, JSON_DECODE_ANY, NULL);
	same = k && json_is_string(k) && !strcmp(json_string_value(k), name);
	json_decref(k);
	return same;
}

/* The text must be valid JSON (jansson has read it already). */
static bool raw_value_span(const char *s, size_t n, const char *name, size_t *start, size_t *len)
{
	size_t i = skip_ws(s, n, 0);

	if (i >= n || s[i] != '{')
		return false;
	for (i++;;) {
		size_t ks, ke, vs;

		i = skip_ws(s, n, i);
		if (i >= n || s[i] != '"')
			return false;
		ks = i;
		ke = i = skip_string(s, n, i);
		i = skip_ws(s, n, i);
		if (i >= n || s[i] != ':')
			return false;
		vs = i = skip_ws(s, n, i + 1);
		i = skip_value(s, n, i);
		if (ke <= n && key_is(s, ks, ke, name)) {
			*start = vs;
			*len = i - vs;
			return true;
		}
		i = skip_ws(s, n, i);
		if (i >= n || s[i] != ',')
			return false;
		i++;
	}
}

static int decode_raw(struct hcs_walk *w, const struct hcs_field *f, const json_t *v, void *obj)
{
	size_t start, len;
	char *copy;

	if ((f->flags & HCS_RAW_OBJECT) && !json_is_object(v))
		return wrong_type(w, f->name, "an object", v);
	if (w->depth != 1 || !w->src || !raw_value_span(w->src, w->src_len, f->name, &start, &len))
		return soft(hcs_problem(w, f->name, -EINVAL, "cannot locate the value in the text"));
	copy = malloc(len + 1);
	if (!copy)
		return hcs_oom(w);
	memcpy(copy, w->src + start, len);
	copy[len] = '\0';
	*HCS_AT(obj, f, char *) = copy;
	*(size_t *)((char *)obj + f->count_offset) = len;
	return 0;
}

/* ---- objects ---- */

static int decode_object(struct hcs_walk *w, const struct hcs_type *t, json_t *j, void *obj);

static int decode_nested(struct hcs_walk *w, const struct hcs_type *t, json_t *j, void *obj)
{
	int ret = decode_object(w, t, j, obj);

	return ret < 0 ? ret : 0;
}

static int decode_object_array(struct hcs_walk *w, const struct hcs_field *f, json_t *v, void *obj)
{
	size_t n = json_array_size(v), old;
	char *arr;
	int ret = 0;

	if (!json_is_array(v))
		return wrong_type(w, f->name, "an array of objects", v);
	if (!n)
		return 0;
	arr = calloc(n, f->type->size);
	if (!arr)
		return hcs_oom(w);
	*HCS_AT(obj, f, void *) = arr;
	*(size_t *)((char *)obj + f->count_offset) = n;
	old = hcs_path_push_field(w, f->name);
	for (size_t i = 0; i < n && ret >= 0; i++) {
		size_t here = hcs_path_push_index(w, i);

		ret = decode_nested(w, f->type, json_array_get(v, i), arr + i * f->type->size);
		hcs_path_pop(w, here);
	}
	hcs_path_pop(w, old);
	return ret;
}

static int decode_field(struct hcs_walk *w, const struct hcs_field *f, json_t *v, void *obj)
{
	size_t old;
	void *p;
	int ret;

	switch (f->kind) {
	case HCS_STRING:
		return decode_string(w, f->name, v, HCS_AT(obj, f, char *));
	case HCS_BOOL:
		if (!json_is_boolean(v))
			return wrong_type(w, f->name, "a boolean", v);
		*HCS_AT(obj, f, bool) = json_is_true(v);
		return 0;
	case HCS_I32:
	case HCS_U32:
	case HCS_U64:
	case HCS_I64:
		return decode_int(w, f->name, v, f->kind, HCS_AT(obj, f, void));
	case HCS_STRINGS:
		return decode_strings(w, f, v, obj);
	case HCS_ENV:
		return decode_env(w, f, v, obj);
	case HCS_UINT_PAIR:
		return decode_uint_pair(w, f, v, obj);
	case HCS_RAW:
		return decode_raw(w, f, v, obj);
	case HCS_OBJECT_ARRAY:
		return decode_object_array(w, f, v, obj);
	case HCS_OBJECT:
	case HCS_OBJECT_PTR:
		if (!json_is_object(v))
			return wrong_type(w, f->name, "an object", v);
		p = HCS_AT(obj, f, void);
		if (f->kind == HCS_OBJECT_PTR) {
			p = calloc(1, f->type->size);
			if (!p)
				return hcs_oom(w);
			*HCS_AT(obj, f, void *) = p;
		}
		old = hcs_path_push_field(w, f->name);
		ret = decode_nested(w, f->type, v, p);
		hcs_path_pop(w, old);
		return ret;
	default:
		return soft(hcs_problem(w, f->name, -EINVAL, "cannot be read"));
	}
}

static int decode_object(struct hcs_walk *w, const struct hcs_type *t, json_t *j, void *obj)
{
	uint64_t seen = 0;
	const char *key;
	json_t *val;
	int ret = 0;

	if (!json_is_object(j))
		return wrong_type(w, NULL, w->path_len ? "an object" : "a JSON object", j);
	w->depth++;
	json_object_foreach(j, key, val) {
		const struct hcs_field *f = hcs_field_named(t, key);

		if (!f) {
			if ((ret = unknown_field(w, t, key)) < 0)
				goto out;
			continue;
		}
		if (json_is_null(val)) /* as Go reads it: leaves the zero value */
			continue;
		seen |= 1ULL << (f - t->fields);
		ret = decode_field(w, f, val, obj);
		if (ret < 0)
			goto out;
		if (!ret && w->checks && f->check && (ret = f->check(w, obj, f)) < 0)
			goto out;
	}
	ret = 0;
	if (!w->checks)
		goto out;
	for (size_t i = 0; i < t->n_fields; i++) {
		const struct hcs_field *f = &t->fields[i];

		if (!(seen & (1ULL << i)) && f->check && (ret = f->check(w, obj, f)) < 0)
			goto out;
	}
	if (t->check && (ret = t->check(w, obj)) < 0)
		goto out;
	ret = 0;
out:
	w->depth--;
	return ret;
}

int hcs_decode(struct hcs_walk *w, const struct hcs_type *t, const char *json, size_t len, void *out)
{
	json_error_t je;
	json_t *root;
	int ret;

	memset(out, 0, t->size);
	if (!json) {
		ret = hcs_problem(w, NULL, -EINVAL, "no JSON text");
		return ret ? ret : hcs_walk_result(w);
	}
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (!root) {
		if (json_error_code(&je) == json_error_out_of_memory)
			return hcs_oom(w);
		ret = hcs_problem(w, NULL, -EINVAL, "invalid JSON at line %d, column %d: %s",
				  je.line, je.column, je.text);
		return ret ? ret : hcs_walk_result(w);
	}
	w->src = json;
	w->src_len = len;
	ret = decode_object(w, t, root, out);
	json_decref(root);
	w->src = NULL;
	if (ret >= 0)
		ret = hcs_walk_result(w);
	if (ret < 0)
		hcs_free(t, out);
	return ret;
}

int hcs_problems(const struct hcs_type *t, const char *json, size_t len, hcs_problem_fn fn, void *ctx)
{
	struct hcs_walk w;
	void *tmp = calloc(1, t->size);
	int ret;

	if (!tmp)
		return -ENOMEM;
	hcs_walk_init(&w, NULL, fn, ctx);
	ret = hcs_decode(&w, t, json, len, tmp);
	hcs_free(t, tmp);
	free(tmp);
	return ret == -ENOMEM ? ret : (int)w.count;
}

/* ---- checks on a struct, in field order ---- */

static int validate_object(struct hcs_walk *w, const struct hcs_type *t, const void *obj);

static int validate_nested(struct hcs_walk *w, const struct hcs_field *f, const void *obj)
{
	size_t old = hcs_path_push_field(w, f->name);
	const char *arr;
	int ret = 0;

	switch (f->kind) {
	case HCS_OBJECT:
		ret = validate_object(w, f->type, HCS_CAT(obj, f, void));
		break;
	case HCS_OBJECT_PTR:
		if (*HCS_CAT(obj, f, void *))
			ret = validate_object(w, f->type, *HCS_CAT(obj, f, void *));
		break;
	case HCS_OBJECT_ARRAY:
		arr = *HCS_CAT(obj, f, char *);
		for (size_t i = 0; i < HCS_COUNT(obj, f) && ret >= 0; i++) {
			size_t here = hcs_path_push_index(w, i);

			ret = validate_object(w, f->type, arr + i * f->type->size);
			hcs_path_pop(w, here);
		}
		break;
	default:
		break;
	}
	hcs_path_pop(w, old);
	return ret;
}

static int validate_object(struct hcs_walk *w, const struct hcs_type *t, const void *obj)
{
	int ret = 0;

	w->depth++;
	for (size_t i = 0; i < t->n_fields && ret >= 0; i++) {
		const struct hcs_field *f = &t->fields[i];

		ret = validate_nested(w, f, obj);
		if (ret >= 0 && f->check)
			ret = f->check(w, obj, f);
	}
	if (ret >= 0 && t->check)
		ret = t->check(w, obj);
	w->depth--;
	return ret;
}

int hcs_validate(struct hcs_walk *w, const struct hcs_type *t, const void *obj)
{
	int ret = validate_object(w, t, obj);

	return ret < 0 ? ret : hcs_walk_result(w);
}

/* ---- shared checks ---- */

int hcs_check_required(struct hcs_walk *w, const void *obj, const struct hcs_field *f)
{
	if (!hcs_field_is_empty(obj, f))
		return 0;
	if (f->note)
		return hcs_problem(w, f->name, -EINVAL, "required: %s", f->note);
	return hcs_problem(w, f->name, -EINVAL, "required");
}

int hcs_refuse_windows_only(struct hcs_walk *w, const void *obj, const struct hcs_field *f)
{
	if (hcs_field_is_empty(obj, f))
		return 0;
	return hcs_problem(w, f->name, -EOPNOTSUPP, "not supported: Windows-only setting (%s)",
			   f->note ? f->note : "no Linux equivalent");
}

int hcs_refuse_networking(struct hcs_walk *w, const void *obj, const struct hcs_field *f)
{
	if (hcs_field_is_empty(obj, f))
		return 0;
	return hcs_problem(w, f->name, -EOPNOTSUPP, "networking is not supported yet");
}

int hcs_refuse_not_yet(struct hcs_walk *w, const void *obj, const struct hcs_field *f)
{
	if (hcs_field_is_empty(obj, f))
		return 0;
	return hcs_problem(w, f->name, -EOPNOTSUPP, "not supported yet (%s)",
			   f->note ? f->note : "leave it 0");
}

int hcs_check_path_value(struct hcs_walk *w, const char *field, const char *path, bool required)
{
	if (!path || !*path)
		return required ? hcs_problem(w, field, -EINVAL, "required") : 0;
	if ((isalpha((unsigned char)path[0]) && path[1] == ':') || path[0] == '\\')
		return hcs_problem(w, field, -EINVAL,
				   "Windows paths are not supported; expected an absolute Linux path, got \"%.200s\"",
				   path);
	if (path[0] != '/')
		return hcs_problem(w, field, -EINVAL, "must be an absolute path, got \"%.200s\"", path);
	if (strlen(path) >= PATH_MAX)
		return hcs_problem(w, field, -ENAMETOOLONG, "longer than %d bytes", PATH_MAX - 1);
	return 0;
}

int hcs_check_abs_path(struct hcs_walk *w, const void *obj, const struct hcs_field *f)
{
	return hcs_check_path_value(w, f->name, *HCS_CAT(obj, f, char *), false);
}

int hcs_check_abs_path_required(struct hcs_walk *w, const void *obj, const struct hcs_field *f)
{
	return hcs_check_path_value(w, f->name, *HCS_CAT(obj, f, char *), true);
}
