/* Internal to the HCS schema files: a table per JSON object (its fields, their
 * JSON names, C offsets, kinds and checks) and one generic walker that decodes,
 * checks, encodes, compares and frees through those tables. Not a public API. */
#ifndef UVM_HCS_SCHEMA_CODEC_H
#define UVM_HCS_SCHEMA_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "../vmm/error.h"
#include "schema.h"

/* How a field is stored in C and written in JSON. */
enum hcs_kind {
	HCS_STRING,      /* char *; NULL when absent or "" */
	HCS_BOOL,        /* bool */
	HCS_I32,         /* int32_t */
	HCS_U32,         /* uint32_t */
	HCS_U64,         /* uint64_t */
	HCS_I64,         /* int64_t */
	HCS_STRINGS,     /* char **, count at count_offset */
	HCS_ENV,         /* struct hcs_env_var *, count at count_offset; JSON object of strings */
	HCS_OBJECT,      /* inline struct of `type` (always written, as Go does) */
	HCS_OBJECT_PTR,  /* pointer to a struct of `type`, NULL when absent */
	HCS_OBJECT_ARRAY,/* array of structs of `type`, count at count_offset */
	HCS_RAW,         /* char * verbatim JSON text, length at count_offset; top level only */
	HCS_UINT_PAIR,   /* unsigned[2], always written (Go's [2]uint) */
	HCS_TIME,        /* struct timespec, always written; {0,0} is Go's zero time */
	HCS_GUID,        /* char *, always written; the all-zero GUID when NULL */
	HCS_CUSTOM,      /* encode-only, through field->encode */
};

#define HCS_OMITEMPTY   0x1u  /* `json:",omitempty"`: skip when zero */
#define HCS_RAW_OBJECT  0x2u  /* HCS_RAW: the value must be a JSON object */

struct hcs_walk;
struct hcs_field;

/* A check of one field; obj is the struct that holds it. Returns 0, or the
 * result of hcs_problem (negative when the walk must stop). */
typedef int (*hcs_check_fn)(struct hcs_walk *w, const void *obj, const struct hcs_field *f);
/* A check across the fields of one object, run after its field checks. */
typedef int (*hcs_object_check_fn)(struct hcs_walk *w, const void *obj);

struct hcs_type {
	size_t size;
	const struct hcs_field *fields;
	size_t n_fields;              /* at most 64 */
	hcs_object_check_fn check;
};

struct hcs_field {
	const char *name;             /* the JSON name, exactly as hcsshim writes it */
	enum hcs_kind kind;
	unsigned flags;
	size_t offset;
	size_t count_offset;          /* arrays, maps, raw text */
	const struct hcs_type *type;  /* nested objects */
	hcs_check_fn check;
	const char *note;             /* reason shown by the generic checks */
	/* HCS_CUSTOM: the JSON value (empty when the count at count_offset is
	 * 0); NULL with errno set on failure. */
	json_t *(*encode)(const void *obj, const struct hcs_field *f);
};

#define HCS_F(T, m, jname, k, fl, chk, nt) \
	{ .name = (jname), .kind = (k), .flags = (fl), .offset = offsetof(T, m), \
	  .check = (chk), .note = (nt) }
#define HCS_FN(T, m, cnt, jname, k, ty, fl, chk, nt) \
	{ .name = (jname), .kind = (k), .flags = (fl), .offset = offsetof(T, m), \
	  .count_offset = offsetof(T, cnt), .type = (ty), .check = (chk), .note = (nt) }
#define HCS_FO(T, m, jname, k, ty, fl, chk, nt) \
	{ .name = (jname), .kind = (k), .flags = (fl), .offset = offsetof(T, m), \
	  .type = (ty), .check = (chk), .note = (nt) }
#define HCS_FC(T, m, cnt, jname, enc) \
	{ .name = (jname), .kind = HCS_CUSTOM, .flags = HCS_OMITEMPTY, .offset = offsetof(T, m), \
	  .count_offset = offsetof(T, cnt), .encode = (enc) }
#define HCS_TYPE(T, fields_, chk) \
	{ .size = sizeof(T), .fields = (fields_), \
	  .n_fields = sizeof(fields_) / sizeof((fields_)[0]), .check = (chk) }

/* Where a walk is and what it has found. With `report` set every problem is
 * passed to it and the walk goes on; otherwise the first one stops it. */
struct hcs_walk {
	char path[256];
	size_t path_len;
	unsigned depth;
	bool checks;                  /* run field and object checks */
	struct uvm_error *err;        /* receives the first problem */
	hcs_problem_fn report;
	void *report_ctx;
	int first;                    /* code of the first problem */
	unsigned count;
	const char *src;              /* the JSON text being decoded (raw fields) */
	size_t src_len;
};

void hcs_walk_init(struct hcs_walk *w, struct uvm_error *err, hcs_problem_fn report, void *ctx);

/* Record a problem with `field` under the current path ("Layers[0].ID: ...").
 * field may be NULL (the current path itself). Returns `code` when the walk
 * must stop, 0 when it collects every problem. */
int hcs_problem(struct hcs_walk *w, const char *field, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Extend the current path by a field name ("HvRuntime", with a dot when not
 * at the top) or an index ("[2]"); pop back to the returned length. */
size_t hcs_path_push_field(struct hcs_walk *w, const char *name);
size_t hcs_path_push_index(struct hcs_walk *w, size_t i);
size_t hcs_path_push_key(struct hcs_walk *w, const char *key); /* ["key"] */
void hcs_path_pop(struct hcs_walk *w, size_t len);
int hcs_oom(struct hcs_walk *w);

/* Field value access. */
#define HCS_AT(obj, f, T) ((T *)((char *)(obj) + (f)->offset))
#define HCS_CAT(obj, f, T) ((T const *)((const char *)(obj) + (f)->offset))
#define HCS_COUNT(obj, f) (*(const size_t *)((const char *)(obj) + (f)->count_offset))
const struct hcs_field *hcs_field_named(const struct hcs_type *t, const char *name);
bool hcs_field_is_empty(const void *obj, const struct hcs_field *f);

/* The generic operations. decode: parse `json`, fill `out` (zeroed first),
 * checking fields in document order when w->checks; on failure `out` is
 * left empty. validate: the checks on a struct, in struct order. */
int hcs_decode(struct hcs_walk *w, const struct hcs_type *t, const char *json, size_t len, void *out);
/* Every problem of a JSON text (decode with checks); their number or -ENOMEM. */
int hcs_problems(const struct hcs_type *t, const char *json, size_t len, hcs_problem_fn fn, void *ctx);
int hcs_validate(struct hcs_walk *w, const struct hcs_type *t, const void *obj);
int hcs_walk_result(const struct hcs_walk *w);
char *hcs_encode(const struct hcs_type *t, const void *obj);
json_t *hcs_encode_object(const struct hcs_type *t, const void *obj);
char *hcs_encode_array(const struct hcs_type *t, const void *items, size_t n);
bool hcs_equal(const struct hcs_type *t, const void *a, const void *b);
void hcs_free(const struct hcs_type *t, void *obj);
char *hcs_dump(json_t *v); /* compact text, consumes v; NULL on failure */

/* Tables shared between files. */
extern const struct hcs_type hcs_mapped_virtual_disk_type;

/* Shared checks; `note` of the field says why. */
int hcs_check_required(struct hcs_walk *w, const void *obj, const struct hcs_field *f);
int hcs_refuse_windows_only(struct hcs_walk *w, const void *obj, const struct hcs_field *f);
int hcs_refuse_networking(struct hcs_walk *w, const void *obj, const struct hcs_field *f);
int hcs_refuse_not_yet(struct hcs_walk *w, const void *obj, const struct hcs_field *f);
int hcs_check_abs_path(struct hcs_walk *w, const void *obj, const struct hcs_field *f);
int hcs_check_abs_path_required(struct hcs_walk *w, const void *obj, const struct hcs_field *f);
/* The same for a value that is not a field (array elements, siblings). */
int hcs_check_path_value(struct hcs_walk *w, const char *field, const char *path, bool required);

#endif
