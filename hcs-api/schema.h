/* The HCS (schema v1) configuration model in C: ContainerConfig, ProcessConfig,
 * ComputeSystemQuery, ResourceModificationRequestResponse to parse, check and
 * write; Statistics, ProcessList and ContainerProperties to write. JSON names and
 * shapes follow hcsshim's struct tags exactly. Acting on a config is not here.
 *
 * Conventions for every type below:
 *  - Parsing takes JSON text (need not be NUL-terminated) and overwrites *out
 *    (free it first if it held a config). Duplicate keys, unknown fields and
 *    wrong types are errors; field names match exactly (Go would also take other
 *    cases; the error suggests the right spelling); a JSON null counts as an
 *    absent field, as Go reads it. Integers beyond int64 are a JSON error.
 *  - Strings are malloc'd and NULL when absent or "". Arrays are pointer + count.
 *  - Errors name the field by its JSON path and say why, one line:
 *      "MappedDirectories[1].HostPath: required"
 *      "Layers[0].ID: expected a string, got number"
 *      "ProcessorCnt: unknown field "ProcessorCnt" (did you mean "ProcessorCount"?)"
 *      "invalid JSON at line 3, column 14: ..."
 *    struct uvm_error holds one message: when several things are wrong, *_parse
 *    reports the first in document order (the order of the keys in the text;
 *    then fields that are missing, in hcsshim's field order; then checks across
 *    fields). *_validate on a struct reports in hcsshim's field order.
 *    *_problems lists all of them.
 *  - Codes: -EINVAL malformed or invalid, -ERANGE a number out of range,
 *    -EOPNOTSUPP a setting understood but refused (Windows-only, process
 *    isolation, networking), -ENOMEM.
 *  - *_to_json returns compact JSON in hcsshim's field order (malloc'd, caller
 *    frees) that hcsshim reads back, or NULL with errno set (EINVAL for a string
 *    that is not UTF-8 or raw JSON text that does not parse, ENOMEM). It writes
 *    what the struct holds, valid or not.
 *  - *_free releases what a struct owns and zeroes it; a zeroed struct is empty.
 */
#ifndef UVM_HCS_SCHEMA_H
#define UVM_HCS_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../vmm/error.h"

/* Files under HvRuntime.ImagePath when LinuxKernelFile / LinuxInitrdFile are
 * empty: the names `uvmrun mkimage` writes (and hcsshim's LCOW defaults). */
#define HCS_DEFAULT_KERNEL_FILE "kernel"
#define HCS_DEFAULT_INITRD_FILE "initrd.img"
/* HvRuntime.BootSource for a utility VM that boots from a VHD. */
#define HCS_BOOT_SOURCE_VHD "Vhd"

/* Limits the checks apply (0 always means "default" for these fields). */
#define HCS_MEMORY_MIN_MB          64          /* MemoryMaximumInMB */
#define HCS_MEMORY_MAX_MB          (1 << 22)   /* 4 TiB, as `uvmrun boot --memory` */
#define HCS_PROCESSOR_COUNT_MAX    64          /* the VMM's vCPU limit */
#define HCS_PROCESSOR_WEIGHT_MAX   10000       /* ProcessorWeight */
#define HCS_PROCESSOR_MAXIMUM_MAX  10000       /* ProcessorMaximum: percent * 100 */
#define HCS_SANDBOX_SIZE_MIN       (16ULL << 20) /* StorageSandboxSize, bytes */
#define HCS_BOOT_PARAMETERS_MAX    1024        /* LinuxBootParameters, bytes */
#define HCS_HOST_NAME_MAX          64          /* HostName, bytes (Linux HOST_NAME_MAX) */
#define HCS_NAME_MAX               255         /* Name: used as a file name */
#define HCS_CONSOLE_SIZE_MAX       65535       /* each of ConsoleSize */

/* Called once per problem by the *_problems functions, in report order. */
typedef void (*hcs_problem_fn)(void *ctx, int code, const char *msg);

/* ---- ContainerConfig (input of CreateContainer) ---- */

struct hcs_layer {                     /* Layer */
	char *id;                      /* "ID": a GUID, e.g. 18955d65-d45a-557b-bf1c-49d6dfefc526 */
	char *path;                    /* "Path": the layer's disk image (layer.vhd) */
};

struct hcs_mapped_dir {                /* MappedDir: a host folder shared over 9p */
	char *host_path;               /* "HostPath" */
	char *container_path;          /* "ContainerPath": in the utility VM when create_in_utility_vm */
	bool read_only;                /* "ReadOnly" */
	uint64_t bandwidth_maximum;    /* "BandwidthMaximum" */
	uint64_t iops_maximum;         /* "IOPSMaximum" */
	bool create_in_utility_vm;     /* "CreateInUtilityVM" */
	bool linux_metadata;           /* "LinuxMetadata" */
};

/* A MappedDir on its own (the Settings of a "MappedDirectory" Modify). */
int hcs_mapped_dir_parse(const char *json, size_t len, struct hcs_mapped_dir *out,
			 struct uvm_error *err);
void hcs_mapped_dir_free(struct hcs_mapped_dir *md);

#define HCS_MAX_MAPPED_PIPES 16
struct hcs_mapped_pipe {               /* MappedPipe: a host Unix socket in the container */
	char *host_path;               /* "HostPath" */
	char *container_pipe_name;     /* "ContainerPipeName" */
};

struct hcs_hv_runtime {                /* HvRuntime: the utility VM image */
	char *image_path;              /* "ImagePath": folder with kernel + initrd, or the VHD */
	bool skip_template;            /* "SkipTemplate" */
	char *linux_initrd_file;       /* "LinuxInitrdFile": under ImagePath; NULL = default */
	char *linux_kernel_file;       /* "LinuxKernelFile": under ImagePath; NULL = default */
	char *linux_boot_parameters;   /* "LinuxBootParameters": added to the kernel command line */
	char *boot_source;             /* "BootSource": NULL, or "Vhd" */
	bool writable_boot_source;     /* "WritableBootSource" (with "Vhd") */
};

struct hcs_mapped_virtual_disk {       /* MappedVirtualDisk: an extra disk */
	char *host_path;               /* "HostPath" */
	char *container_path;          /* "ContainerPath" */
	bool create_in_utility_vm;     /* "CreateInUtilityVM" */
	bool read_only;                /* "ReadOnly" */
	char *cache;                   /* "Cache": NULL, "Disabled" or "Enabled" */
	bool attach_only;              /* "AttachOnly": attach, do not mount */
};

/* A MappedVirtualDisk on its own (the Settings of a "MappedVirtualDisk" Modify). */
int hcs_mapped_virtual_disk_parse(const char *json, size_t len,
				  struct hcs_mapped_virtual_disk *out, struct uvm_error *err);
void hcs_mapped_virtual_disk_free(struct hcs_mapped_virtual_disk *vd);

struct hcs_assigned_device {           /* AssignedDevice (refused) */
	char *interface_class_guid;    /* "InterfaceClassGuid" */
};

/* Field order is hcsshim's (and the JSON output order). Which fields are
 * required, accepted or refused, and why: the table at the top of schema.c. */
struct hcs_container_config {
	char *system_type;                         /* "SystemType": "Container" */
	char *name;                                /* "Name" */
	char *owner;                               /* "Owner" */
	bool is_dummy;                             /* "IsDummy" (older Docker) */
	char *volume_path;                         /* "VolumePath" */
	bool ignore_flushes_during_boot;           /* "IgnoreFlushesDuringBoot" */
	char *layer_folder_path;                   /* "LayerFolderPath": the scratch folder */
	struct hcs_layer *layers;                  /* "Layers", lowest first */
	size_t n_layers;
	char *credentials;                         /* "Credentials" */
	uint32_t processor_count;                  /* "ProcessorCount" */
	uint64_t processor_weight;                 /* "ProcessorWeight" */
	int64_t processor_maximum;                 /* "ProcessorMaximum" */
	uint64_t storage_iops_maximum;             /* "StorageIOPSMaximum" */
	uint64_t storage_bandwidth_maximum;        /* "StorageBandwidthMaximum" */
	uint64_t storage_sandbox_size;             /* "StorageSandboxSize" */
	int64_t memory_maximum_in_mb;              /* "MemoryMaximumInMB" */
	char *host_name;                           /* "HostName" */
	struct hcs_mapped_dir *mapped_directories; /* "MappedDirectories" */
	size_t n_mapped_directories;
	struct hcs_mapped_pipe *mapped_pipes;      /* "MappedPipes" */
	size_t n_mapped_pipes;
	char *sandbox_path;                        /* "SandboxPath" (older Docker) */
	bool hv_partition;                         /* "HvPartition" */
	char *network_shared_container_name;       /* "NetworkSharedContainerName" */
	char **endpoint_list;                      /* "EndpointList" */
	size_t n_endpoint_list;
	struct hcs_hv_runtime *hv_runtime;         /* "HvRuntime" */
	bool servicing;                            /* "Servicing" */
	bool allow_unqualified_dns_query;          /* "AllowUnqualifiedDNSQuery" */
	char *dns_search_list;                     /* "DNSSearchList" */
	char *container_type;                      /* "ContainerType": "Linux" */
	bool terminate_on_last_handle_closed;      /* "TerminateOnLastHandleClosed" */
	struct hcs_mapped_virtual_disk *mapped_virtual_disks; /* "MappedVirtualDisks" */
	size_t n_mapped_virtual_disks;
	struct hcs_assigned_device *assigned_devices;         /* "AssignedDevices" */
	size_t n_assigned_devices;
};

/* decode + validate: what a caller wants. 0 or negative code; on failure *out
 * is left empty (nothing to free). */
int hcs_container_config_parse(const char *json, size_t len, struct hcs_container_config *out,
			       struct uvm_error *err);
/* Only the JSON shape (syntax, types, unknown fields): also reads configs we
 * would refuse, e.g. Windows ones. */
int hcs_container_config_decode(const char *json, size_t len, struct hcs_container_config *out,
				struct uvm_error *err);
/* Only the checks, on a struct however it was filled. */
int hcs_container_config_validate(const struct hcs_container_config *cfg, struct uvm_error *err);
/* Every problem of a JSON text, in the order *_parse would meet them. Returns
 * their number (0: the config parses), or -ENOMEM. */
int hcs_container_config_problems(const char *json, size_t len, hcs_problem_fn fn, void *ctx);
char *hcs_container_config_to_json(const struct hcs_container_config *cfg);
bool hcs_container_config_equal(const struct hcs_container_config *a,
				const struct hcs_container_config *b);
void hcs_container_config_free(struct hcs_container_config *cfg);

/* Which host paths of a (validated) config are missing or of the wrong kind,
 * checked where they will be used: the parent of LayerFolderPath, each
 * Layers[i].Path, MappedDirectories[i].HostPath, MappedVirtualDisks[i].HostPath,
 * HvRuntime.ImagePath, and the kernel and initrd under it (or the VHD). The
 * first one found, in field order: "Layers[1].Path: /x/layer.vhd: No such file
 * or directory". */
int hcs_config_check_paths(const struct hcs_container_config *cfg, struct uvm_error *err);

/* The kernel / initrd file names under ImagePath, defaults applied. */
const char *hcs_hv_runtime_kernel_file(const struct hcs_hv_runtime *rt);
const char *hcs_hv_runtime_initrd_file(const struct hcs_hv_runtime *rt);
bool hcs_hv_runtime_boots_vhd(const struct hcs_hv_runtime *rt);

/* ---- ProcessConfig (input of CreateProcess) ---- */

struct hcs_env_var {
	char *name;
	char *value;
};

struct hcs_process_config {
	char *application_name;        /* "ApplicationName" (Windows; refused) */
	char *command_line;            /* "CommandLine": used when command_args is empty */
	char **command_args;           /* "CommandArgs" */
	size_t n_command_args;
	char *user;                    /* "User" */
	char *working_directory;       /* "WorkingDirectory" */
	struct hcs_env_var *environment; /* "Environment", sorted by name (as Go writes maps) */
	size_t n_environment;
	bool emulate_console;          /* "EmulateConsole": a pseudo-terminal */
	bool create_std_in_pipe;       /* "CreateStdInPipe" */
	bool create_std_out_pipe;      /* "CreateStdOutPipe" */
	bool create_std_err_pipe;      /* "CreateStdErrPipe" */
	unsigned console_size[2];      /* "ConsoleSize": [0] height, [1] width (rows, columns) */
	bool create_in_utility_vm;     /* "CreateInUtilityVm": run in the UVM, not a container */
	/* "OCISpecification": the OCI runtime spec as raw JSON text, byte for byte
	 * as it was in the input (whitespace and escapes kept), NUL-terminated, with
	 * its length; written back verbatim. NULL when absent. */
	char *oci_specification;
	size_t oci_specification_len;
};

int hcs_process_config_parse(const char *json, size_t len, struct hcs_process_config *out,
			     struct uvm_error *err);
int hcs_process_config_decode(const char *json, size_t len, struct hcs_process_config *out,
			      struct uvm_error *err);
int hcs_process_config_validate(const struct hcs_process_config *pc, struct uvm_error *err);
int hcs_process_config_problems(const char *json, size_t len, hcs_problem_fn fn, void *ctx);
char *hcs_process_config_to_json(const struct hcs_process_config *pc);
bool hcs_process_config_equal(const struct hcs_process_config *a,
			      const struct hcs_process_config *b);
void hcs_process_config_free(struct hcs_process_config *pc);
/* The value of an Environment variable, or NULL. */
const char *hcs_process_config_getenv(const struct hcs_process_config *pc, const char *name);

/* ---- ComputeSystemQuery (input of GetContainers) ---- */

struct hcs_compute_system_query {
	char **ids;     size_t n_ids;    /* "Ids" */
	char **types;   size_t n_types;  /* "Types": "Container", "VirtualMachine", "Host" */
	char **names;   size_t n_names;  /* "Names" */
	char **owners;  size_t n_owners; /* "Owners" */
};

int hcs_compute_system_query_parse(const char *json, size_t len,
				   struct hcs_compute_system_query *out, struct uvm_error *err);
int hcs_compute_system_query_decode(const char *json, size_t len,
				    struct hcs_compute_system_query *out, struct uvm_error *err);
int hcs_compute_system_query_validate(const struct hcs_compute_system_query *q,
				      struct uvm_error *err);
char *hcs_compute_system_query_to_json(const struct hcs_compute_system_query *q);
bool hcs_compute_system_query_equal(const struct hcs_compute_system_query *a,
				    const struct hcs_compute_system_query *b);
void hcs_compute_system_query_free(struct hcs_compute_system_query *q);
/* Whether a compute system matches: every non-empty list must contain its
 * value (Types compared without case). */
bool hcs_compute_system_query_matches(const struct hcs_compute_system_query *q, const char *id,
				      const char *system_type, const char *name, const char *owner);

/* ---- ResourceModificationRequestResponse (input of Modify) ---- */

struct hcs_resource_modification {
	char *resource_type;           /* "ResourceType": "MappedDirectory", "MappedVirtualDisk", "Network" */
	/* "Settings": any JSON value, verbatim text as in the input; NULL = null. */
	char *settings;
	size_t settings_len;
	char *request_type;            /* "RequestType": "Add" or "Remove" */
};

/* "MappedDirectory" adds (RequestType "Add") or removes a
 * mapped folder; Settings is a MappedDir (for Remove, its ContainerPath and
 * CreateInUtilityVM pick the folder). "MappedVirtualDisk" does the same for
 * a disk, Settings a MappedVirtualDisk (Remove picks it by HostPath). "Network" is refused (-EOPNOTSUPP):
 * networking is not supported yet. *_decode reads without these checks. */
int hcs_resource_modification_parse(const char *json, size_t len,
				    struct hcs_resource_modification *out, struct uvm_error *err);
int hcs_resource_modification_decode(const char *json, size_t len,
				     struct hcs_resource_modification *out, struct uvm_error *err);
int hcs_resource_modification_validate(const struct hcs_resource_modification *m,
				       struct uvm_error *err);
char *hcs_resource_modification_to_json(const struct hcs_resource_modification *m);
bool hcs_resource_modification_equal(const struct hcs_resource_modification *a,
				     const struct hcs_resource_modification *b);
void hcs_resource_modification_free(struct hcs_resource_modification *m);

/* ---- Statistics, ProcessList, ContainerProperties (outputs; write only) ----
 * The caller owns every pointer. Times are UTC and written as Go writes
 * time.Time (RFC 3339 with nanoseconds, trailing zeros dropped); {0, 0} is Go's
 * zero time "0001-01-01T00:00:00Z". Nested structs are always written (Go's
 * omitempty does not apply to them); numbers above INT64_MAX are clamped. */

struct hcs_memory_stats {
	uint64_t usage_commit_bytes;               /* "MemoryUsageCommitBytes" */
	uint64_t usage_commit_peak_bytes;          /* "MemoryUsageCommitPeakBytes" */
	uint64_t usage_private_working_set_bytes;  /* "MemoryUsagePrivateWorkingSetBytes" */
};

struct hcs_processor_stats {
	uint64_t total_runtime_100ns;  /* "TotalRuntime100ns" */
	uint64_t runtime_user_100ns;   /* "RuntimeUser100ns" */
	uint64_t runtime_kernel_100ns; /* "RuntimeKernel100ns" */
};

struct hcs_storage_stats {
	uint64_t read_count_normalized;  /* "ReadCountNormalized" */
	uint64_t read_size_bytes;        /* "ReadSizeBytes" */
	uint64_t write_count_normalized; /* "WriteCountNormalized" */
	uint64_t write_size_bytes;       /* "WriteSizeBytes" */
};

struct hcs_network_stats {
	uint64_t bytes_received;           /* "BytesReceived" */
	uint64_t bytes_sent;               /* "BytesSent" */
	uint64_t packets_received;         /* "PacketsReceived" */
	uint64_t packets_sent;             /* "PacketsSent" */
	uint64_t dropped_packets_incoming; /* "DroppedPacketsIncoming" */
	uint64_t dropped_packets_outgoing; /* "DroppedPacketsOutgoing" */
	const char *endpoint_id;           /* "EndpointId" */
	const char *instance_id;           /* "InstanceId" */
};

struct hcs_statistics {
	struct timespec timestamp;            /* "Timestamp" */
	struct timespec container_start_time; /* "ContainerStartTime" */
	uint64_t uptime_100ns;                /* "Uptime100ns" */
	struct hcs_memory_stats memory;       /* "Memory" */
	struct hcs_processor_stats processor; /* "Processor" */
	struct hcs_storage_stats storage;     /* "Storage" */
	const struct hcs_network_stats *network; /* "Network" */
	size_t n_network;
};

struct hcs_process_list_item {
	struct timespec create_timestamp;          /* "CreateTimestamp" */
	const char *image_name;                    /* "ImageName" */
	uint64_t kernel_time_100ns;                /* "KernelTime100ns" */
	uint64_t memory_commit_bytes;              /* "MemoryCommitBytes" */
	uint64_t memory_working_set_private_bytes; /* "MemoryWorkingSetPrivateBytes" */
	uint64_t memory_working_set_shared_bytes;  /* "MemoryWorkingSetSharedBytes" */
	uint32_t process_id;                       /* "ProcessId" */
	uint64_t user_time_100ns;                  /* "UserTime100ns" */
};

/* One entry of MappedVirtualDiskController.MappedVirtualDisks (map by LUN). */
struct hcs_mapped_virtual_disk_slot {
	int lun;
	struct hcs_mapped_virtual_disk disk;
};

/* One entry of ContainerProperties.MappedVirtualDiskControllers (map by index). */
struct hcs_mapped_virtual_disk_controller {
	int controller;
	const struct hcs_mapped_virtual_disk_slot *disks; /* "MappedVirtualDisks" */
	size_t n_disks;
};

struct hcs_schema_version {
	int32_t major;                 /* "Major" */
	int32_t minor;                 /* "Minor" */
};

struct hcs_guest_defined_capabilities {
	bool namespace_add_request_supported; /* "NamespaceAddRequestSupported" */
	bool signal_process_supported;        /* "SignalProcessSupported" */
};

struct hcs_guest_connection_info {
	const struct hcs_schema_version *supported_schema_versions; /* "SupportedSchemaVersions" */
	size_t n_supported_schema_versions;
	uint32_t protocol_version;                                  /* "ProtocolVersion" */
	struct hcs_guest_defined_capabilities guest_defined_capabilities; /* "GuestDefinedCapabilities" */
};

struct hcs_container_properties {
	const char *id;                   /* "Id" */
	const char *state;                /* "State" */
	const char *name;                 /* "Name" */
	const char *system_type;          /* "SystemType" */
	const char *runtime_os_type;      /* "RuntimeOsType" */
	const char *owner;                /* "Owner" */
	const char *silo_guid;            /* "SiloGuid" */
	const char *runtime_id;           /* "RuntimeId": a GUID; NULL writes the zero GUID */
	bool is_runtime_template;         /* "IsRuntimeTemplate" */
	const char *runtime_image_path;   /* "RuntimeImagePath" */
	bool stopped;                     /* "Stopped" */
	const char *exit_type;            /* "ExitType" */
	bool are_updates_pending;         /* "AreUpdatesPending" */
	const char *ob_root;              /* "ObRoot" */
	struct hcs_statistics statistics; /* "Statistics" */
	const struct hcs_process_list_item *process_list; /* "ProcessList" */
	size_t n_process_list;
	const struct hcs_mapped_virtual_disk_controller *mapped_virtual_disk_controllers;
	size_t n_mapped_virtual_disk_controllers; /* "MappedVirtualDiskControllers" */
	struct hcs_guest_connection_info guest_connection_info; /* "GuestConnectionInfo" */
};

char *hcs_statistics_to_json(const struct hcs_statistics *s);
/* A JSON array of ProcessListItem ([] when n is 0). */
char *hcs_process_list_to_json(const struct hcs_process_list_item *items, size_t n);
char *hcs_container_properties_to_json(const struct hcs_container_properties *p);
/* A JSON array of ContainerProperties, as GetContainers returns. */
char *hcs_container_properties_list_to_json(const struct hcs_container_properties *p, size_t n);

/* Go's time.Time text for ts (see above) into buf; returns buf. */
char *hcs_format_time(const struct timespec *ts, char buf[40]);

#endif
