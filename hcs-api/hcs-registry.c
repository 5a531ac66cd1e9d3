/* libhcs over the whole state folder (hcs.h): enumerate compute systems
 * with a ComputeSystemQuery, and delete a stopped one. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../vmm/fileio.h"
#include "hcs-error.h"
#include "hcs-internal.h"
#include "schema.h"
#include "uvm-state.h"

/* Properties of one system: from its host while it runs, else from its
 * stored config. *out is a new reference, or NULL when id is not a system. */
static json_t *system_properties(const char *root, const char *id,
				 const struct hcs_compute_system_query *q)
{
	struct hcs_container_config cc;
	struct hcs_container_properties cp = { 0 };
	struct uvm_error uerr = { 0 };
	struct hcs_error herr;
	struct hcs_system *s;
	char path[PATH_MAX], state[32];
	uint8_t *text = NULL;
	size_t len = 0;
	json_t *result = NULL;
	char *json;

	if (state_path(root, id, STATE_CONFIG, path, sizeof(path), NULL) ||
	    read_file(path, 4 << 20, &text, &len, &uerr) < 0)
		return NULL;
	if (hcs_container_config_decode((const char *)text, len, &cc, &uerr) < 0) {
		free(text);
		return NULL;
	}
	free(text);
	if (!hcs_compute_system_query_matches(q, id, cc.system_type, cc.name, cc.owner)) {
		hcs_container_config_free(&cc);
		return NULL;
	}
	snprintf(state, sizeof(state), "Stopped");
	if (hcs_open(root, id, &s, &herr) == 0) {
		hcs_state(s, state, sizeof(state), &herr);
		hcs_close(s);
	}
	cp.id = id;
	cp.state = state;
	cp.name = cc.name;
	cp.system_type = "Container";
	cp.runtime_os_type = "Linux";
	cp.owner = cc.owner;
	cp.runtime_image_path = cc.hv_runtime ? cc.hv_runtime->image_path : NULL;
	cp.stopped = strcmp(state, "Stopped") == 0;
	json = hcs_container_properties_to_json(&cp);
	if (json)
		result = json_loads(json, 0, NULL);
	free(json);
	hcs_container_config_free(&cc);
	return result;
}

int hcs_enumerate(const char *root, const char *query_json, char **out_json,
		  struct hcs_error *err)
{
	struct hcs_compute_system_query q = { 0 };
	struct uvm_error uerr = { 0 };
	char **ids = NULL;
	size_t n = 0;
	json_t *list;

	*out_json = NULL;
	root = root ? root : HCS_DEFAULT_ROOT;
	if (query_json && *query_json &&
	    hcs_compute_system_query_parse(query_json, strlen(query_json), &q, &uerr) < 0)
		return hcs_err_from_uvm(err, &uerr, true);
	if (state_list(root, &ids, &n, err)) {
		hcs_compute_system_query_free(&q);
		return -1;
	}
	list = json_array();
	for (size_t i = 0; list && i < n; i++) {
		json_t *p = system_properties(root, ids[i], &q);

		if (p)
			json_array_append_new(list, p);
	}
	state_list_free(ids, n);
	hcs_compute_system_query_free(&q);
	*out_json = list ? json_dumps(list, JSON_COMPACT) : NULL;
	json_decref(list);
	if (!*out_json)
		return hcs_err(err, HCS_E_SYSTEM, ENOMEM, "out of memory");
	return 0;
}

int hcs_delete(const char *root, const char *id, struct hcs_error *err)
{
	char cgroup[64 + HCS_ID_MAX];
	int status;

	root = root ? root : HCS_DEFAULT_ROOT;
	if (state_exists(root, id, err))
		return -1;
	/* A host that recorded the VM's end is leaving: give it a moment. */
	for (int i = 0; i < 50 && state_host_alive(root, id) && state_exit_status(root, id, &status) == 0;
	     i++)
		usleep(100000);
	if (state_host_alive(root, id))
		return hcs_err(err, HCS_E_INVALID_STATE, EBUSY,
			       "compute system %s is still running; terminate it first", id);
	snprintf(cgroup, sizeof(cgroup), "/sys/fs/cgroup/uvmrun/%s", id);
	rmdir(cgroup);                    /* host-side CPU limits, when there were any */
	return state_remove(root, id, err);
}
