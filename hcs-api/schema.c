/* ContainerConfig: its field tables (JSON names as hcsshim's struct tags), the
 * decision for every field (table below) and the checks that enforce it, and
 * the public parse/validate/write functions. Host path checks are in
 * schema-paths.c; the generic walker in schema-codec.c. Not the container API.
 *
 * What uvmrun does with each ContainerConfig field. R: required. A: accepted.
 * W: refused, Windows-only. N: refused until networking exists. Y: refused
 * until implemented. Refusals apply to non-zero values: false, 0, "" and []
 * are what Linux tooling writes, and they always pass.
 *
 * field                       |   | why
 * ----------------------------+---+--------------------------------------------
 * SystemType                  | R | "Container", any case (createLinux writes "container")
 * Name                        | R | the container's ID; becomes a file name: no "/", <= 255 bytes
 * Owner                       | A | informational; matched by ComputeSystemQuery.Owners
 * IsDummy                     | W | development flag of the Windows HCS (older Docker wrote it)
 * VolumePath                  | W | \\?\Volume{GUID} scratch of a process-isolated Windows container
 * IgnoreFlushesDuringBoot     | W | NTFS start-up hint; nothing here it could apply to
 * LayerFolderPath             | A | folder for the scratch disk (createLinux: the top layer folder);
 *                             |   | absolute; its parent must exist (hcs_config_check_paths)
 * Layers                      | R | >= 1 read-only layer: ID a GUID (the disk's serial), Path absolute
 * Credentials                 | W | gMSA credential spec (Windows authentication)
 * ProcessorCount              | A | vCPUs of the utility VM; 0 = default; <= 64
 * ProcessorWeight             | A | relative CPU weight of the utility VM; 0 = default; <= 10000
 * ProcessorMaximum            | A | CPU cap in percent * 100; 0 = none; <= 10000
 * StorageIOPSMaximum          | A | IOPS cap of each disk (layers, scratch, mapped disks); 0 = none
 * StorageBandwidthMaximum     | A | bytes/second cap of each disk; 0 = none
 * StorageSandboxSize          | A | scratch disk size in bytes; 0 = default; >= 16 MiB
 * MemoryMaximumInMB           | A | RAM of the utility VM; 0 = default; 64 .. 4194304
 * HostName                    | A | <= 64 bytes
 * MappedDirectories           | A | 9p shares: HostPath and ContainerPath absolute; ReadOnly,
 *                             |   | CreateInUtilityVM, LinuxMetadata accepted; BandwidthMaximum and
 *                             |   | IOPSMaximum: the export's rate limits
 * MappedPipes                 | A | HostPath: a host Unix socket (absolute; must exist); ContainerPipeName:
 *                             |   | the absolute path where the container finds it; at most 16
 * SandboxPath                 | W | older Docker's Hyper-V sandbox folder (LayerFolderPath here)
 * HvPartition                 | R | must be true: every container gets its own utility VM
 * NetworkSharedContainerName  | N | sharing another container's network stack
 * EndpointList                | N | HNS endpoint IDs
 * HvRuntime                   | R | the utility VM image: ImagePath, a folder holding LinuxKernelFile
 *                             |   | and LinuxInitrdFile (defaults "kernel", "initrd.img"; names under
 *                             |   | it, no ".."), or a VHD when BootSource is "Vhd" (WritableBootSource
 *                             |   | only then); LinuxBootParameters <= 1024 bytes; SkipTemplate
 *                             |   | accepted and moot (utility VMs are never cloned from templates)
 * Servicing                   | W | Windows update servicing mode
 * AllowUnqualifiedDNSQuery    | N | DNS settings come with networking
 * DNSSearchList               | N | DNS settings come with networking
 * ContainerType               | R | "Linux", any case: HCS reads an omitted one as a Windows container
 * TerminateOnLastHandleClosed | A |
 * MappedVirtualDisks          | A | extra disks: HostPath absolute; ContainerPath absolute unless
 *                             |   | AttachOnly; Cache "", "Disabled", "Enabled" ("Private",
 *                             |   | "PrivateAllowSharing": Hyper-V VHD cache modes, W)
 * AssignedDevices             | W | Windows device interface classes
 */
#include "schema-codec.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool is_guid(const char *s)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	if (strlen(s) != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == '-' ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

static bool has_control_chars(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* ---- Layer ---- */

static int check_layer_id(struct hcs_walk *w, const void *obj, const struct hcs_field *f)
{
	const char *id = *HCS_CAT(obj, f, char *);

	if (!id)
		return hcs_problem(w, f->name, -EINVAL, "required");
	if (!is_guid(id))
		return hcs_problem(w, f->name, -EINVAL,
				   "must be a GUID like 18955d65-d45a-557b-bf1c-49d6dfefc526, got \"%.100s\"", id);
	return 0;
}

static const struct hcs_field layer_fields[] = {
	HCS_F(struct hcs_layer, id, "ID", HCS_STRING, 0, check_layer_id, NULL),
	HCS_F(struct hcs_layer, path, "Path", HCS_STRING, 0, hcs_check_abs_path_required, NULL),
};
static const struct hcs_type layer_type = HCS_TYPE(struct hcs_layer, layer_fields, NULL);

/* ---- MappedDir ---- */

static const struct hcs_field mapped_dir_fields[] = {
	HCS_F(struct hcs_mapped_dir, host_path, "HostPath", HCS_STRING, 0,
	      hcs_check_abs_path_required, NULL),
	HCS_F(struct hcs_mapped_dir, container_path, "ContainerPath", HCS_STRING, 0,
	      hcs_check_abs_path_required, NULL),
	HCS_F(struct hcs_mapped_dir, read_only, "ReadOnly", HCS_BOOL, 0, NULL, NULL),
	HCS_F(struct hcs_mapped_dir, bandwidth_maximum, "BandwidthMaximum", HCS_U64, 0, NULL, NULL),
	HCS_F(struct hcs_mapped_dir, iops_maximum, "IOPSMaximum", HCS_U64, 0, NULL, NULL),
	HCS_F(struct hcs_mapped_dir, create_in_utility_vm, "CreateInUtilityVM", HCS_BOOL, 0, NULL, NULL),
	HCS_F(struct hcs_mapped_dir, linux_metadata, "LinuxMetadata", HCS_BOOL, HCS_OMITEMPTY, NULL, NULL),
};
static const struct hcs_type mapped_dir_type = HCS_TYPE(struct hcs_mapped_dir, mapped_dir_fields, NULL);

int hcs_mapped_virtual_disk_parse(const char *json, size_t len,
				  struct hcs_mapped_virtual_disk *out, struct uvm_error *err)
{
	struct hcs_walk w;

	hcs_walk_init(&w, err, NULL, NULL);
	return hcs_decode(&w, &hcs_mapped_virtual_disk_type, json, len, out);
}

void hcs_mapped_virtual_disk_free(struct hcs_mapped_virtual_disk *vd)
{
	if (vd)
		hcs_free(&hcs_mapped_virtual_disk_type, vd);
}

int hcs_mapped_dir_parse(const char *json, size_t len, struct hcs_mapped_dir *out,
			 struct uvm_error *err)
{
	struct hcs_walk w;

	hcs_walk_init(&w, err, NULL, NULL);
	return hcs_decode(&w, &mapped_dir_type, json, len, out);
}

void hcs_mapped_dir_free(struct hcs_mapped_dir *md)
{
	if (md)
		hcs_free(&mapped_dir_type, md);
}

/* ---- MappedPipe: a host Unix socket, reached over vsock ---- */

static const struct hcs_field mapped_pipe_fields[] = {
	HCS_F(struct hcs_mapped_pipe, host_path, "HostPath", HCS_STRING, 0,
	      hcs_check_abs_path_required, NULL),
	HCS_F(struct hcs_mapped_pipe, container_pipe_name, "ContainerPipeName", HCS_STRING, 0,
	      hcs_check_abs_path_required, NULL),
};
static const struct hcs_type mapped_pipe_type = HCS_TYPE(struct hcs_mapped_pipe, mapped_pipe_fields, NULL);

/* ---- HvRuntime ---- */

/* A file name under ImagePath: relative, no ".." component. */
static int check_image_file(struct hcs_walk *w, const void *obj, const struct hcs_field *f)
{
	const char *name = *HCS_CAT(obj, f, char *);
	const char *p;

	if (!name)
		return 0;
	if (name[0] == '/' || name[0] == '\\' || (name[0] && name[1] == ':'))
		return hcs_problem(w, f->name, -EINVAL,
				   "must be a file name under ImagePath, not an absolute path (\"%.200s\")", name);
	for (p = name; p; p = strchr(p, '/')) {
		p += *p == '/';
		if (!strncmp(p, "..", 2) && (p[2] == '/' || !p[2]))
			return hcs_problem(w, f->name, -EINVAL,
					   "must stay under ImagePath (no \"..\"), got \"%.200s\"", name);
	}
	return 0;
}

static int check_boot_parameters(struct hcs_walk *w, const void *obj, const struct hcs_field *f)
{
	const char *s = *HCS_CAT(obj, f, char *);

	if (!s)
		return 0;
	if (strlen(s) > HCS_BOOT_PARAMETERS_MAX)
		return hcs_problem(w, f->name, -ERANGE, "longer than %d bytes", HCS_BOOT_PARAMETERS_MAX);
	if (has_control_chars(s))
		return hcs_problem(w, f->name, -EINVAL, "must not contain control characters");
	return 0;
}

static int check_boot_source(struct hcs_walk *w, const void *obj, const struct hcs_field *f)
{
	const char *s = *HCS_CAT(obj, f, char *);

	if (!s || !strcmp(s, HCS_BOOT_SOURCE_VHD))
		return 0;
	return hcs_problem(w, f->name, -EINVAL, "must be \"" HCS_BOOT_SOURCE_VHD "\" or empty, got \"%.100s\"", s);
}

static int check_hv_runtime(struct hcs_walk *w, const void *obj)
{
	const struct hcs_hv_runtime *rt = obj;
	bool vhd = hcs_hv_runtime_boots_vhd(rt);
	int ret;

	if (vhd && rt->linux_kernel_file &&
	    (ret = hcs_problem(w, "LinuxKernelFile", -EINVAL,
			       "not used when BootSource is \"Vhd\" (ImagePath is the VHD)")))
		return ret;
	if (vhd && rt->linux_initrd_file &&
	    (ret = hcs_problem(w, "LinuxInitrdFile", -EINVAL,
			       "not used when BootSource is \"Vhd\" (ImagePath is the VHD)")))
		return ret;
	if (!vhd && rt->writable_boot_source)
		return hcs_problem(w, "WritableBootSource", -EINVAL, "only valid with BootSource \"Vhd\"");
	return 0;
}

static const struct hcs_field hv_runtime_fields[] = {
	HCS_F(struct hcs_hv_runtime, image_path, "ImagePath", HCS_STRING, HCS_OMITEMPTY,
	      hcs_check_abs_path_required, NULL),
	HCS_F(struct hcs_hv_runtime, skip_template, "SkipTemplate", HCS_BOOL, HCS_OMITEMPTY, NULL, NULL),
	HCS_F(struct hcs_hv_runtime, linux_initrd_file, "LinuxInitrdFile", HCS_STRING, HCS_OMITEMPTY,
	      check_image_file, NULL),
	HCS_F(struct hcs_hv_runtime, linux_kernel_file, "LinuxKernelFile", HCS_STRING, HCS_OMITEMPTY,
	      check_image_file, NULL),
	HCS_F(struct hcs_hv_runtime, linux_boot_parameters, "LinuxBootParameters", HCS_STRING,
	      HCS_OMITEMPTY, check_boot_parameters, NULL),
	HCS_F(struct hcs_hv_runtime, boot_source, "BootSource", HCS_STRING, HCS_OMITEMPTY,
	      check_boot_source, NULL),
	HCS_F(struct hcs_hv_runtime, writable_boot_source, "WritableBootSource", HCS_BOOL,
	      HCS_OMITEMPTY, NULL, NULL),
};
static const struct hcs_type hv_runtime_type =
	HCS_TYPE(struct hcs_hv_runtime, hv_runtime_fields, check_hv_runtime);

const char *hcs_hv_runtime_kernel_file(const struct hcs_hv_runtime *rt)
{
	return rt && rt->linux_kernel_file && *rt->linux_kernel_file ? rt->linux_kernel_file
								      : HCS_DEFAULT_KERNEL_FILE;
}

const char *hcs_hv_runtime_initrd_file(const struct hcs_hv_runtime *rt)
{
	return rt && rt->linux_initrd_file && *rt->linux_initrd_file ? rt->linux_initrd_file
								      : HCS_DEFAULT_INITRD_FILE;
}

bool hcs_hv_runtime_boots_vhd(const struct hcs_hv_runtime *rt)
{
	return rt && rt->boot_source && !strcmp(rt->boot_source, HCS_BOOT_SOURCE_VHD);
}

/* ---- MappedVirtualDisk ---- */

static int check_cache(struct hcs_walk *w, const void *obj, const struct hcs_field *f)
{
	const char *s = *HCS_CAT(obj, f, char *);

	if (!s || !strcmp(s, "Disabled") || !strcmp(s, "Enabled"))
		return 0;
	if (!strcmp(s, "Private") || !strcmp(s, "PrivateAllowSharing"))
		return hcs_problem(w, f->name, -EOPNOTSUPP,
				   "not supported: Windows-only setting (Hyper-V VHD cache mode \"%s\"; "
				   "use \"Enabled\" or \"Disabled\")", s);
	return hcs_problem(w, f->name, -EINVAL,
			   "must be \"\", \"Disabled\" or \"Enabled\", got \"%.100s\"", s);
}

static int check_mapped_virtual_disk(struct hcs_walk *w, const void *obj)
{
	const struct hcs_mapped_virtual_disk *d = obj;

	if (d->attach_only)
		return 0;
	return hcs_check_path_value(w, "ContainerPath", d->container_path, true);
}

static const struct hcs_field mapped_virtual_disk_fields[] = {
	HCS_F(struct hcs_mapped_virtual_disk, host_path, "HostPath", HCS_STRING, HCS_OMITEMPTY,
	      hcs_check_abs_path_required, NULL),
	HCS_F(struct hcs_mapped_virtual_disk, container_path, "ContainerPath", HCS_STRING, 0,
	      hcs_check_abs_path, NULL),
	HCS_F(struct hcs_mapped_virtual_disk, create_in_utility_vm, "CreateInUtilityVM", HCS_BOOL,
	      HCS_OMITEMPTY, NULL, NULL),
	HCS_F(struct hcs_mapped_virtual_disk, read_only, "ReadOnly", HCS_BOOL, HCS_OMITEMPTY, NULL, NULL),
	HCS_F(struct hcs_mapped_virtual_disk, cache, "Cache", HCS_STRING, HCS_OMITEMPTY, check_cache, NULL),
	/* hcsshim's tag is `json:",omitempty:"`, which Go reads as no omitempty */
	HCS_F(struct hcs_mapped_virtual_disk, attach_only, "AttachOnly", HCS_BOOL, 0, NULL, NULL),
};
const struct hcs_type hcs_mapped_virtual_disk_type =
	HCS_TYPE(struct hcs_mapped_virtual_disk, mapped_virtual_disk_fields, check_mapped_virtual_disk);

/* ---- AssignedDevice ---- */

static const struct hcs_field assigned_device_fields[] = {
	HCS_F(struct hcs_assigned_device, interface_class_guid, "InterfaceClassGuid", HCS_STRING,
	      HCS_OMITEMPTY, NULL, NULL),
};
static const struct hcs_type assigned_device_type =
	HCS_TYPE(struct hcs_assigned_device, assigned_device_fields, NULL);

/* ---- ContainerConfig ---- */

static int check_system_type(struct hcs_walk *w, const void *obj, const struct hcs_field *f)
{
	const char *s = *HCS_CAT(obj, f, char *);

	if (!s)
		return hcs_problem(w, f->name, -EINVAL, "required: \"Container\"");
	if (strcasecmp(s, "Container"))
		return hcs_problem(w, f->name, -EINVAL, "must be \"Container\", got \"%.100s\"", s);
	return 0;
}

static int check_name(struct hcs_walk *w, const void *obj, const struct hcs_field *f)
{
	const char *s = *HCS_CAT(obj, f, char *);

	if (!s)
		return hcs_problem(w, f->name, -EINVAL, "required");
	if (strlen(s) > HCS_NAME_MAX)
		return hcs_problem(w, f->name, -EINVAL, "longer than %d bytes", HCS_NAME_MAX);
	if (strchr(s, '/') || !strcmp(s, ".") || !strcmp(s, "..") || has_control_chars(s))
		return hcs_problem(w, f->name, -EINVAL,
				   "must be usable as a file name (no \"/\", not \".\" or \"..\", "
				   "no control characters), got \"%.100s\"", s);
	return 0;
}

static int check_at_most(struct hcs_walk *w, const struct hcs_field *f, long long v, long long max)
{
	if (v < 0)
		return hcs_problem(w, f->name, -ERANGE, "must not be negative, got %lld", v);
	if (v > max)
		return hcs_problem(w, f->name, -ERANGE, "must be at most %lld, got %lld", max, v);
	return 0;
}

static int check_processor_count(struct hcs_walk *w, const void *obj, const struct hcs_field *f)
{
	return check_at_most(w, f, *HCS_CAT(obj, f, uint32_t), HCS_PROCESSOR_COUNT_MAX);
}

static int check_processor_weight(struct hcs_walk *w, const void *obj, const struct hcs_field *f)
{
	uint64_t v = *HCS_CAT(obj, f, uint64_t);

	return check_at_most(w, f, v > INT64_MAX ? INT64_MAX : (long long)v, HCS_PROCESSOR_WEIGHT_MAX);
}

static int check_processor_maximum(struct hcs_walk *w, const void *obj, const struct hcs_field *f)
{
	return check_at_most(w, f, *HCS_CAT(obj, f, int64_t), HCS_PROCESSOR_MAXIMUM_MAX);
}

static int check_sandbox_size(struct hcs_walk *w, const void *obj, const struct hcs_field *f)
{
	uint64_t v = *HCS_CAT(obj, f, uint64_t);

	if (v && v < HCS_SANDBOX_SIZE_MIN)
		return hcs_problem(w, f->name, -ERANGE, "must be at least %llu (16 MiB) or 0, got %llu",
				   (unsigned long long)HCS_SANDBOX_SIZE_MIN, (unsigned long long)v);
	return 0;
}

/* Each pipe is a vsock route in the VMM: HCS_MAX_MAPPED_PIPES at most. */
static int check_mapped_pipes(struct hcs_walk *w, const void *obj, const struct hcs_field *f)
{
	const struct hcs_container_config *cc = obj;

	(void)f;
	if (cc->n_mapped_pipes > HCS_MAX_MAPPED_PIPES)
		return hcs_problem(w, "MappedPipes", -E2BIG, "at most %d, got %zu",
				   HCS_MAX_MAPPED_PIPES, cc->n_mapped_pipes);
	return 0;
}

static int check_memory(struct hcs_walk *w, const void *obj, const struct hcs_field *f)
{
	int64_t v = *HCS_CAT(obj, f, int64_t);

	if (v && v < HCS_MEMORY_MIN_MB)
		return hcs_problem(w, f->name, -ERANGE, "must be at least %d, got %lld",
				   HCS_MEMORY_MIN_MB, (long long)v);
	if (v > HCS_MEMORY_MAX_MB)
		return hcs_problem(w, f->name, -ERANGE, "must be at most %d, got %lld",
				   HCS_MEMORY_MAX_MB, (long long)v);
	return 0;
}

static int check_host_name(struct hcs_walk *w, const void *obj, const struct hcs_field *f)
{
	const char *s = *HCS_CAT(obj, f, char *);

	if (s && strlen(s) > HCS_HOST_NAME_MAX)
		return hcs_problem(w, f->name, -EINVAL, "longer than %d bytes", HCS_HOST_NAME_MAX);
	return 0;
}

static int check_hv_partition(struct hcs_walk *w, const void *obj, const struct hcs_field *f)
{
	if (*HCS_CAT(obj, f, bool))
		return 0;
	return hcs_problem(w, f->name, -EOPNOTSUPP,
			   "process-isolated containers are not supported; set HvPartition to true");
}

static int check_container_type(struct hcs_walk *w, const void *obj, const struct hcs_field *f)
{
	const char *s = *HCS_CAT(obj, f, char *);

	if (!s)
		return hcs_problem(w, f->name, -EINVAL,
				   "required: \"Linux\" (HCS reads a config without it as a Windows container)");
	if (!strcasecmp(s, "Linux"))
		return 0;
	if (!strcasecmp(s, "Windows"))
		return hcs_problem(w, f->name, -EOPNOTSUPP,
				   "Windows containers are not supported; only \"Linux\"");
	return hcs_problem(w, f->name, -EINVAL, "must be \"Linux\", got \"%.100s\"", s);
}

/* Layer IDs name the layers' disks, so they must differ. */
static int check_container_config(struct hcs_walk *w, const void *obj)
{
	const struct hcs_container_config *c = obj;
	size_t old;
	int ret;

	for (size_t i = 1; i < c->n_layers; i++) {
		for (size_t j = 0; j < i; j++) {
			if (!c->layers[i].id || !c->layers[j].id ||
			    strcasecmp(c->layers[i].id, c->layers[j].id))
				continue;
			old = hcs_path_push_field(w, "Layers");
			hcs_path_push_index(w, i);
			ret = hcs_problem(w, "ID", -EINVAL, "same as Layers[%zu].ID", j);
			hcs_path_pop(w, old);
			if (ret)
				return ret;
			break;
		}
	}
	return 0;
}

#define CC struct hcs_container_config
static const struct hcs_field container_config_fields[] = {
	HCS_F(CC, system_type, "SystemType", HCS_STRING, 0, check_system_type, NULL),
	HCS_F(CC, name, "Name", HCS_STRING, 0, check_name, NULL),
	HCS_F(CC, owner, "Owner", HCS_STRING, HCS_OMITEMPTY, NULL, NULL),
	HCS_F(CC, is_dummy, "IsDummy", HCS_BOOL, HCS_OMITEMPTY, hcs_refuse_windows_only,
	      "a development flag of the Windows HCS"),
	HCS_F(CC, volume_path, "VolumePath", HCS_STRING, HCS_OMITEMPTY, hcs_refuse_windows_only,
	      "the scratch volume of a process-isolated Windows container"),
	HCS_F(CC, ignore_flushes_during_boot, "IgnoreFlushesDuringBoot", HCS_BOOL, HCS_OMITEMPTY,
	      hcs_refuse_windows_only, "a Windows start-up hint"),
	HCS_F(CC, layer_folder_path, "LayerFolderPath", HCS_STRING, HCS_OMITEMPTY, hcs_check_abs_path, NULL),
	HCS_FN(CC, layers, n_layers, "Layers", HCS_OBJECT_ARRAY, &layer_type, 0, hcs_check_required,
	       "at least one layer"),
	HCS_F(CC, credentials, "Credentials", HCS_STRING, HCS_OMITEMPTY, hcs_refuse_windows_only,
	      "a Windows credential spec"),
	HCS_F(CC, processor_count, "ProcessorCount", HCS_U32, HCS_OMITEMPTY, check_processor_count, NULL),
	HCS_F(CC, processor_weight, "ProcessorWeight", HCS_U64, HCS_OMITEMPTY, check_processor_weight, NULL),
	HCS_F(CC, processor_maximum, "ProcessorMaximum", HCS_I64, HCS_OMITEMPTY, check_processor_maximum, NULL),
	HCS_F(CC, storage_iops_maximum, "StorageIOPSMaximum", HCS_U64, HCS_OMITEMPTY, NULL, NULL),
	HCS_F(CC, storage_bandwidth_maximum, "StorageBandwidthMaximum", HCS_U64, HCS_OMITEMPTY, NULL, NULL),
	HCS_F(CC, storage_sandbox_size, "StorageSandboxSize", HCS_U64, HCS_OMITEMPTY, check_sandbox_size, NULL),
	HCS_F(CC, memory_maximum_in_mb, "MemoryMaximumInMB", HCS_I64, HCS_OMITEMPTY, check_memory, NULL),
	HCS_F(CC, host_name, "HostName", HCS_STRING, HCS_OMITEMPTY, check_host_name, NULL),
	HCS_FN(CC, mapped_directories, n_mapped_directories, "MappedDirectories", HCS_OBJECT_ARRAY,
	       &mapped_dir_type, HCS_OMITEMPTY, NULL, NULL),
	HCS_FN(CC, mapped_pipes, n_mapped_pipes, "MappedPipes", HCS_OBJECT_ARRAY, &mapped_pipe_type,
	       HCS_OMITEMPTY, check_mapped_pipes, NULL),
	HCS_F(CC, sandbox_path, "SandboxPath", HCS_STRING, HCS_OMITEMPTY, hcs_refuse_windows_only,
	      "the Hyper-V sandbox folder of older Docker; use LayerFolderPath"),
	HCS_F(CC, hv_partition, "HvPartition", HCS_BOOL, 0, check_hv_partition, NULL),
	HCS_F(CC, network_shared_container_name, "NetworkSharedContainerName", HCS_STRING, HCS_OMITEMPTY,
	      hcs_refuse_networking, NULL),
	HCS_FN(CC, endpoint_list, n_endpoint_list, "EndpointList", HCS_STRINGS, NULL, HCS_OMITEMPTY,
	       hcs_refuse_networking, NULL),
	HCS_FO(CC, hv_runtime, "HvRuntime", HCS_OBJECT_PTR, &hv_runtime_type, HCS_OMITEMPTY,
	       hcs_check_required, "the utility VM image (ImagePath)"),
	HCS_F(CC, servicing, "Servicing", HCS_BOOL, HCS_OMITEMPTY, hcs_refuse_windows_only,
	      "Windows update servicing"),
	HCS_F(CC, allow_unqualified_dns_query, "AllowUnqualifiedDNSQuery", HCS_BOOL, HCS_OMITEMPTY,
	      hcs_refuse_networking, NULL),
	HCS_F(CC, dns_search_list, "DNSSearchList", HCS_STRING, HCS_OMITEMPTY, hcs_refuse_networking, NULL),
	HCS_F(CC, container_type, "ContainerType", HCS_STRING, HCS_OMITEMPTY, check_container_type, NULL),
	HCS_F(CC, terminate_on_last_handle_closed, "TerminateOnLastHandleClosed", HCS_BOOL, HCS_OMITEMPTY,
	      NULL, NULL),
	HCS_FN(CC, mapped_virtual_disks, n_mapped_virtual_disks, "MappedVirtualDisks", HCS_OBJECT_ARRAY,
	       &hcs_mapped_virtual_disk_type, HCS_OMITEMPTY, NULL, NULL),
	HCS_FN(CC, assigned_devices, n_assigned_devices, "AssignedDevices", HCS_OBJECT_ARRAY,
	       &assigned_device_type, HCS_OMITEMPTY, hcs_refuse_windows_only, "Windows device assignment"),
};
#undef CC
static const struct hcs_type container_config_type =
	HCS_TYPE(struct hcs_container_config, container_config_fields, check_container_config);

_Static_assert(sizeof(container_config_fields) / sizeof(container_config_fields[0]) <= 64,
	       "the walker tracks seen fields in a 64-bit mask");

int hcs_container_config_parse(const char *json, size_t len, struct hcs_container_config *out,
			       struct uvm_error *err)
{
	struct hcs_walk w;

	hcs_walk_init(&w, err, NULL, NULL);
	return hcs_decode(&w, &container_config_type, json, len, out);
}

int hcs_container_config_decode(const char *json, size_t len, struct hcs_container_config *out,
				struct uvm_error *err)
{
	struct hcs_walk w;

	hcs_walk_init(&w, err, NULL, NULL);
	w.checks = false;
	return hcs_decode(&w, &container_config_type, json, len, out);
}

int hcs_container_config_validate(const struct hcs_container_config *cfg, struct uvm_error *err)
{
	struct hcs_walk w;

	hcs_walk_init(&w, err, NULL, NULL);
	return hcs_validate(&w, &container_config_type, cfg);
}

int hcs_container_config_problems(const char *json, size_t len, hcs_problem_fn fn, void *ctx)
{
	return hcs_problems(&container_config_type, json, len, fn, ctx);
}

char *hcs_container_config_to_json(const struct hcs_container_config *cfg)
{
	return hcs_encode(&container_config_type, cfg);
}

bool hcs_container_config_equal(const struct hcs_container_config *a,
				const struct hcs_container_config *b)
{
	return hcs_equal(&container_config_type, a, b);
}

void hcs_container_config_free(struct hcs_container_config *cfg)
{
	if (cfg)
		hcs_free(&container_config_type, cfg);
}
