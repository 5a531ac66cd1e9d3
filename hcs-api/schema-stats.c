/* The HCS outputs: Statistics, ProcessListItem and ContainerProperties written
 * as hcsshim's schema1 structs marshal (field names, omitempty, Go times, the
 * zero GUID, int-keyed maps as sorted string keys). Write only: gathering the
 * numbers is the container API's job. */
#include "schema-codec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define U64(T, m, jname) HCS_F(T, m, jname, HCS_U64, HCS_OMITEMPTY, NULL, NULL)

static const struct hcs_field memory_fields[] = {
	U64(struct hcs_memory_stats, usage_commit_bytes, "MemoryUsageCommitBytes"),
	U64(struct hcs_memory_stats, usage_commit_peak_bytes, "MemoryUsageCommitPeakBytes"),
	U64(struct hcs_memory_stats, usage_private_working_set_bytes, "MemoryUsagePrivateWorkingSetBytes"),
};
static const struct hcs_type memory_type = HCS_TYPE(struct hcs_memory_stats, memory_fields, NULL);

static const struct hcs_field processor_fields[] = {
	U64(struct hcs_processor_stats, total_runtime_100ns, "TotalRuntime100ns"),
	U64(struct hcs_processor_stats, runtime_user_100ns, "RuntimeUser100ns"),
	U64(struct hcs_processor_stats, runtime_kernel_100ns, "RuntimeKernel100ns"),
};
static const struct hcs_type processor_type = HCS_TYPE(struct hcs_processor_stats, processor_fields, NULL);

static const struct hcs_field storage_fields[] = {
	U64(struct hcs_storage_stats, read_count_normalized, "ReadCountNormalized"),
	U64(struct hcs_storage_stats, read_size_bytes, "ReadSizeBytes"),
	U64(struct hcs_storage_stats, write_count_normalized, "WriteCountNormalized"),
	U64(struct hcs_storage_stats, write_size_bytes, "WriteSizeBytes"),
};
static const struct hcs_type storage_type = HCS_TYPE(struct hcs_storage_stats, storage_fields, NULL);

static const struct hcs_field network_fields[] = {
	U64(struct hcs_network_stats, bytes_received, "BytesReceived"),
	U64(struct hcs_network_stats, bytes_sent, "BytesSent"),
	U64(struct hcs_network_stats, packets_received, "PacketsReceived"),
	U64(struct hcs_network_stats, packets_sent, "PacketsSent"),
	U64(struct hcs_network_stats, dropped_packets_incoming, "DroppedPacketsIncoming"),
	U64(struct hcs_network_stats, dropped_packets_outgoing, "DroppedPacketsOutgoing"),
	HCS_F(struct hcs_network_stats, endpoint_id, "EndpointId", HCS_STRING, HCS_OMITEMPTY, NULL, NULL),
	HCS_F(struct hcs_network_stats, instance_id, "InstanceId", HCS_STRING, HCS_OMITEMPTY, NULL, NULL),
};
static const struct hcs_type network_type = HCS_TYPE(struct hcs_network_stats, network_fields, NULL);

#define S struct hcs_statistics
static const struct hcs_field statistics_fields[] = {
	HCS_F(S, timestamp, "Timestamp", HCS_TIME, 0, NULL, NULL),
	HCS_F(S, container_start_time, "ContainerStartTime", HCS_TIME, 0, NULL, NULL),
	U64(S, uptime_100ns, "Uptime100ns"),
	HCS_FO(S, memory, "Memory", HCS_OBJECT, &memory_type, 0, NULL, NULL),
	HCS_FO(S, processor, "Processor", HCS_OBJECT, &processor_type, 0, NULL, NULL),
	HCS_FO(S, storage, "Storage", HCS_OBJECT, &storage_type, 0, NULL, NULL),
	HCS_FN(S, network, n_network, "Network", HCS_OBJECT_ARRAY, &network_type, HCS_OMITEMPTY, NULL, NULL),
};
#undef S
static const struct hcs_type statistics_type = HCS_TYPE(struct hcs_statistics, statistics_fields, NULL);

#define P struct hcs_process_list_item
static const struct hcs_field process_item_fields[] = {
	HCS_F(P, create_timestamp, "CreateTimestamp", HCS_TIME, 0, NULL, NULL),
	HCS_F(P, image_name, "ImageName", HCS_STRING, HCS_OMITEMPTY, NULL, NULL),
	U64(P, kernel_time_100ns, "KernelTime100ns"),
	U64(P, memory_commit_bytes, "MemoryCommitBytes"),
	U64(P, memory_working_set_private_bytes, "MemoryWorkingSetPrivateBytes"),
	U64(P, memory_working_set_shared_bytes, "MemoryWorkingSetSharedBytes"),
	HCS_F(P, process_id, "ProcessId", HCS_U32, HCS_OMITEMPTY, NULL, NULL),
	U64(P, user_time_100ns, "UserTime100ns"),
};
#undef P
static const struct hcs_type process_item_type =
	HCS_TYPE(struct hcs_process_list_item, process_item_fields, NULL);

static const struct hcs_field version_fields[] = {
	HCS_F(struct hcs_schema_version, major, "Major", HCS_I32, HCS_OMITEMPTY, NULL, NULL),
	HCS_F(struct hcs_schema_version, minor, "Minor", HCS_I32, HCS_OMITEMPTY, NULL, NULL),
};
static const struct hcs_type version_type = HCS_TYPE(struct hcs_schema_version, version_fields, NULL);

static const struct hcs_field capabilities_fields[] = {
	HCS_F(struct hcs_guest_defined_capabilities, namespace_add_request_supported,
	      "NamespaceAddRequestSupported", HCS_BOOL, HCS_OMITEMPTY, NULL, NULL),
	HCS_F(struct hcs_guest_defined_capabilities, signal_process_supported,
	      "SignalProcessSupported", HCS_BOOL, HCS_OMITEMPTY, NULL, NULL),
};
static const struct hcs_type capabilities_type =
	HCS_TYPE(struct hcs_guest_defined_capabilities, capabilities_fields, NULL);

#define G struct hcs_guest_connection_info
static const struct hcs_field guest_connection_fields[] = {
	HCS_FN(G, supported_schema_versions, n_supported_schema_versions, "SupportedSchemaVersions",
	       HCS_OBJECT_ARRAY, &version_type, HCS_OMITEMPTY, NULL, NULL),
	HCS_F(G, protocol_version, "ProtocolVersion", HCS_U32, HCS_OMITEMPTY, NULL, NULL),
	HCS_FO(G, guest_defined_capabilities, "GuestDefinedCapabilities", HCS_OBJECT,
	       &capabilities_type, 0, NULL, NULL),
};
#undef G
static const struct hcs_type guest_connection_type =
	HCS_TYPE(struct hcs_guest_connection_info, guest_connection_fields, NULL);

/* Go writes a map[int]T as an object whose keys are the decimal numbers,
 * sorted as strings ("10" before "9"). */
struct int_key {
	char text[16];
	size_t index;
};

static int int_key_cmp(const void *a, const void *b)
{
	return strcmp(((const struct int_key *)a)->text, ((const struct int_key *)b)->text);
}

static struct int_key *sorted_keys(size_t n, const void *items, size_t stride, size_t key_offset)
{
	struct int_key *keys = calloc(n ? n : 1, sizeof(*keys));

	if (!keys)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		int key = *(const int *)((const char *)items + i * stride + key_offset);

		snprintf(keys[i].text, sizeof(keys[i].text), "%d", key);
		keys[i].index = i;
	}
	qsort(keys, n, sizeof(*keys), int_key_cmp);
	return keys;
}

static json_t *encode_controller(const struct hcs_mapped_virtual_disk_controller *c)
{
	struct int_key *keys = sorted_keys(c->n_disks, c->disks, sizeof(*c->disks),
					   offsetof(struct hcs_mapped_virtual_disk_slot, lun));
	json_t *disks = json_object(), *out = json_object();

	if (!keys || !disks || !out)
		goto fail;
	for (size_t i = 0; i < c->n_disks; i++) {
		json_t *d = hcs_encode_object(&hcs_mapped_virtual_disk_type, &c->disks[keys[i].index].disk);

		if (!d || json_object_set_new(disks, keys[i].text, d))
			goto fail;
	}
	free(keys);
	if (c->n_disks && json_object_set_new(out, "MappedVirtualDisks", disks)) {
		json_decref(out);
		return NULL;
	}
	if (!c->n_disks)
		json_decref(disks);
	return out;
fail:
	free(keys);
	json_decref(disks);
	json_decref(out);
	return NULL;
}

static json_t *encode_controllers(const void *obj, const struct hcs_field *f)
{
	const struct hcs_mapped_virtual_disk_controller *ctrl =
		*HCS_CAT(obj, f, struct hcs_mapped_virtual_disk_controller *);
	size_t n = HCS_COUNT(obj, f);
	struct int_key *keys = sorted_keys(n, ctrl, sizeof(*ctrl),
					   offsetof(struct hcs_mapped_virtual_disk_controller, controller));
	json_t *out = json_object();

	if (!keys || !out)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		json_t *c = encode_controller(&ctrl[keys[i].index]);

		if (!c || json_object_set_new(out, keys[i].text, c))
			goto fail;
	}
	free(keys);
	return out;
fail:
	free(keys);
	json_decref(out);
	return NULL;
}

#define CP struct hcs_container_properties
static const struct hcs_field properties_fields[] = {
	HCS_F(CP, id, "Id", HCS_STRING, 0, NULL, NULL),
	HCS_F(CP, state, "State", HCS_STRING, 0, NULL, NULL),
	HCS_F(CP, name, "Name", HCS_STRING, 0, NULL, NULL),
	HCS_F(CP, system_type, "SystemType", HCS_STRING, 0, NULL, NULL),
	HCS_F(CP, runtime_os_type, "RuntimeOsType", HCS_STRING, HCS_OMITEMPTY, NULL, NULL),
	HCS_F(CP, owner, "Owner", HCS_STRING, 0, NULL, NULL),
	HCS_F(CP, silo_guid, "SiloGuid", HCS_STRING, HCS_OMITEMPTY, NULL, NULL),
	/* a guid.GUID in hcsshim: a struct, so always written */
	HCS_F(CP, runtime_id, "RuntimeId", HCS_GUID, 0, NULL, NULL),
	HCS_F(CP, is_runtime_template, "IsRuntimeTemplate", HCS_BOOL, HCS_OMITEMPTY, NULL, NULL),
	HCS_F(CP, runtime_image_path, "RuntimeImagePath", HCS_STRING, HCS_OMITEMPTY, NULL, NULL),
	HCS_F(CP, stopped, "Stopped", HCS_BOOL, HCS_OMITEMPTY, NULL, NULL),
	HCS_F(CP, exit_type, "ExitType", HCS_STRING, HCS_OMITEMPTY, NULL, NULL),
	HCS_F(CP, are_updates_pending, "AreUpdatesPending", HCS_BOOL, HCS_OMITEMPTY, NULL, NULL),
	HCS_F(CP, ob_root, "ObRoot", HCS_STRING, HCS_OMITEMPTY, NULL, NULL),
	HCS_FO(CP, statistics, "Statistics", HCS_OBJECT, &statistics_type, 0, NULL, NULL),
	HCS_FN(CP, process_list, n_process_list, "ProcessList", HCS_OBJECT_ARRAY, &process_item_type,
	       HCS_OMITEMPTY, NULL, NULL),
	HCS_FC(CP, mapped_virtual_disk_controllers, n_mapped_virtual_disk_controllers,
	       "MappedVirtualDiskControllers", encode_controllers),
	HCS_FO(CP, guest_connection_info, "GuestConnectionInfo", HCS_OBJECT, &guest_connection_type, 0,
	       NULL, NULL),
};
#undef CP
static const struct hcs_type properties_type =
	HCS_TYPE(struct hcs_container_properties, properties_fields, NULL);

char *hcs_statistics_to_json(const struct hcs_statistics *s)
{
	return hcs_encode(&statistics_type, s);
}

char *hcs_process_list_to_json(const struct hcs_process_list_item *items, size_t n)
{
	return hcs_encode_array(&process_item_type, items, n);
}

char *hcs_container_properties_to_json(const struct hcs_container_properties *p)
{
	return hcs_encode(&properties_type, p);
}

char *hcs_container_properties_list_to_json(const struct hcs_container_properties *p, size_t n)
{
	return hcs_encode_array(&properties_type, p, n);
}
