/* ComputeSystemQuery (the filter of GetContainers) and
 * ResourceModificationRequestResponse (the input of Modify): field tables,
 * checks, public functions. Running the query or the modification is not here.
 *
 * Decisions: a query's lists are all optional; Types entries must be one of
 * hcsshim's SystemType values ("Container", "VirtualMachine", "Host", any
 * case). A modification needs ResourceType and RequestType ("Add"/"Remove");
 * the only resource hcsshim defines is "Network" (Settings: the endpoint ID, a
 * string), refused until networking exists; other types are unknown. */
#include "schema-codec.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

/* ---- ComputeSystemQuery ---- */

static const char *const system_types[] = { "Container", "VirtualMachine", "Host" };

static bool known_system_type(const char *s)
{
	for (size_t i = 0; i < sizeof(system_types) / sizeof(system_types[0]); i++)
		if (s && !strcasecmp(s, system_types[i]))
			return true;
	return false;
}

static int check_types(struct hcs_walk *w, const void *obj, const struct hcs_field *f)
{
	char *const *types = *HCS_CAT(obj, f, char **);
	size_t n = HCS_COUNT(obj, f);
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++) {
		size_t old;

		if (known_system_type(types[i]))
			continue;
		old = hcs_path_push_field(w, f->name);
		hcs_path_push_index(w, i);
		ret = hcs_problem(w, NULL, -EINVAL,
				  "must be \"Container\", \"VirtualMachine\" or \"Host\", got \"%.100s\"",
				  types[i] ? types[i] : "");
		hcs_path_pop(w, old);
	}
	return ret;
}

#define Q struct hcs_compute_system_query
static const struct hcs_field query_fields[] = {
	HCS_FN(Q, ids, n_ids, "Ids", HCS_STRINGS, NULL, HCS_OMITEMPTY, NULL, NULL),
	HCS_FN(Q, types, n_types, "Types", HCS_STRINGS, NULL, HCS_OMITEMPTY, check_types, NULL),
	HCS_FN(Q, names, n_names, "Names", HCS_STRINGS, NULL, HCS_OMITEMPTY, NULL, NULL),
	HCS_FN(Q, owners, n_owners, "Owners", HCS_STRINGS, NULL, HCS_OMITEMPTY, NULL, NULL),
};
#undef Q
static const struct hcs_type query_type = HCS_TYPE(struct hcs_compute_system_query, query_fields, NULL);

int hcs_compute_system_query_parse(const char *json, size_t len,
				   struct hcs_compute_system_query *out, struct uvm_error *err)
{
	struct hcs_walk w;

	hcs_walk_init(&w, err, NULL, NULL);
	return hcs_decode(&w, &query_type, json, len, out);
}

int hcs_compute_system_query_decode(const char *json, size_t len,
				    struct hcs_compute_system_query *out, struct uvm_error *err)
{
	struct hcs_walk w;

	hcs_walk_init(&w, err, NULL, NULL);
	w.checks = false;
	return hcs_decode(&w, &query_type, json, len, out);
}

int hcs_compute_system_query_validate(const struct hcs_compute_system_query *q,
				      struct uvm_error *err)
{
	struct hcs_walk w;

	hcs_walk_init(&w, err, NULL, NULL);
	return hcs_validate(&w, &query_type, q);
}

char *hcs_compute_system_query_to_json(const struct hcs_compute_system_query *q)
{
	return hcs_encode(&query_type, q);
}

bool hcs_compute_system_query_equal(const struct hcs_compute_system_query *a,
				    const struct hcs_compute_system_query *b)
{
	return hcs_equal(&query_type, a, b);
}

void hcs_compute_system_query_free(struct hcs_compute_system_query *q)
{
	if (q)
		hcs_free(&query_type, q);
}

static bool listed(char *const *list, size_t n, const char *value, bool any_case)
{
	if (!n)
		return true;
	for (size_t i = 0; i < n; i++)
		if (value && (any_case ? !strcasecmp(list[i], value) : !strcmp(list[i], value)))
			return true;
	return false;
}

bool hcs_compute_system_query_matches(const struct hcs_compute_system_query *q, const char *id,
				      const char *system_type, const char *name, const char *owner)
{
	return listed(q->ids, q->n_ids, id, false) &&
	       listed(q->types, q->n_types, system_type, true) &&
	       listed(q->names, q->n_names, name, false) &&
	       listed(q->owners, q->n_owners, owner, false);
}

/* ---- ResourceModificationRequestResponse ---- */

static int check_resource_type(struct hcs_walk *w, const void *obj, const struct hcs_field *f)
{
	const char *s = *HCS_CAT(obj, f, char *);

	if (!s)
		return hcs_problem(w, f->name, -EINVAL, "required: \"MappedDirectory\", "
				   "\"MappedVirtualDisk\" or \"Network\"");
	if (!strcmp(s, "MappedDirectory") || !strcmp(s, "MappedVirtualDisk"))
		return 0;
	if (!strcmp(s, "Network"))
		return hcs_problem(w, f->name, -EOPNOTSUPP, "networking is not supported yet");
	return hcs_problem(w, f->name, -EINVAL, "unknown resource type \"%.100s\" (known: "
			   "\"MappedDirectory\", \"MappedVirtualDisk\", \"Network\")", s);
}

static int check_request_type(struct hcs_walk *w, const void *obj, const struct hcs_field *f)
{
	const char *s = *HCS_CAT(obj, f, char *);

	if (!s)
		return hcs_problem(w, f->name, -EINVAL, "required: \"Add\" or \"Remove\"");
	if (strcmp(s, "Add") && strcmp(s, "Remove"))
		return hcs_problem(w, f->name, -EINVAL, "must be \"Add\" or \"Remove\", got \"%.100s\"", s);
	return 0;
}

/* For "MappedDirectory", Settings is a MappedDir; for "MappedVirtualDisk",
 * a MappedVirtualDisk. */
static int check_mapped_settings(struct hcs_walk *w, const struct hcs_resource_modification *m,
				 bool disk)
{
	struct hcs_mapped_virtual_disk vd;
	struct hcs_mapped_dir md;
	struct uvm_error err = { 0 };
	int ret;

	if (!m->settings)
		return hcs_problem(w, "Settings", -EINVAL, "required: a %s",
				   disk ? "MappedVirtualDisk" : "MappedDir");
	if (disk) {
		ret = hcs_mapped_virtual_disk_parse(m->settings, m->settings_len, &vd, &err);
		hcs_mapped_virtual_disk_free(&vd);
	} else {
		ret = hcs_mapped_dir_parse(m->settings, m->settings_len, &md, &err);
		hcs_mapped_dir_free(&md);
	}
	if (ret < 0)
		return hcs_problem(w, "Settings", ret, "%s", err.msg);
	return 0;
}

/* For "Network", Settings is the endpoint ID. */
static int check_modification(struct hcs_walk *w, const void *obj)
{
	const struct hcs_resource_modification *m = obj;
	json_t *settings;
	bool is_string;

	if (m->resource_type && !strcmp(m->resource_type, "MappedDirectory"))
		return check_mapped_settings(w, m, false);
	if (m->resource_type && !strcmp(m->resource_type, "MappedVirtualDisk"))
		return check_mapped_settings(w, m, true);
	if (!m->resource_type || strcmp(m->resource_type, "Network"))
		return 0;
	if (!m->settings)
		return hcs_problem(w, "Settings", -EINVAL, "required: the endpoint ID");
	settings = json_loadb(m->settings, m->settings_len, JSON_DECODE_ANY, NULL);
	is_string = settings && json_is_string(settings);
	json_decref(settings);
	if (!is_string)
		return hcs_problem(w, "Settings", -EINVAL, "expected a string (the endpoint ID)");
	return 0;
}

#define M struct hcs_resource_modification
static const struct hcs_field modification_fields[] = {
	HCS_F(M, resource_type, "ResourceType", HCS_STRING, 0, check_resource_type, NULL),
	HCS_FN(M, settings, settings_len, "Settings", HCS_RAW, NULL, 0, NULL, NULL),
	HCS_F(M, request_type, "RequestType", HCS_STRING, HCS_OMITEMPTY, check_request_type, NULL),
};
#undef M
static const struct hcs_type modification_type =
	HCS_TYPE(struct hcs_resource_modification, modification_fields, check_modification);

int hcs_resource_modification_parse(const char *json, size_t len,
				    struct hcs_resource_modification *out, struct uvm_error *err)
{
	struct hcs_walk w;

	hcs_walk_init(&w, err, NULL, NULL);
	return hcs_decode(&w, &modification_type, json, len, out);
}

int hcs_resource_modification_decode(const char *json, size_t len,
				     struct hcs_resource_modification *out, struct uvm_error *err)
{
	struct hcs_walk w;

	hcs_walk_init(&w, err, NULL, NULL);
	w.checks = false;
	return hcs_decode(&w, &modification_type, json, len, out);
}

int hcs_resource_modification_validate(const struct hcs_resource_modification *m,
				       struct uvm_error *err)
{
	struct hcs_walk w;

	hcs_walk_init(&w, err, NULL, NULL);
	return hcs_validate(&w, &modification_type, m);
}

char *hcs_resource_modification_to_json(const struct hcs_resource_modification *m)
{
	return hcs_encode(&modification_type, m);
}

bool hcs_resource_modification_equal(const struct hcs_resource_modification *a,
				     const struct hcs_resource_modification *b)
{
	return hcs_equal(&modification_type, a, b);
}

void hcs_resource_modification_free(struct hcs_resource_modification *m)
{
	if (m)
		hcs_free(&modification_type, m);
}
