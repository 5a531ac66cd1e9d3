/* The HCS ContainerConfig schema: configs the Docker daemon writes for a Linux
 * utility VM read, write back byte for byte and round-trip; Windows configs
 * read but are refused; every check names the field by its JSON path; host
 * paths are checked where they are used. Run from the repository root. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "../../hcs-api/schema.h"
#include "fixture.h"
#include "test.h"

/* The fixture as Go's json.Marshal writes it: compact, same order. */
static char *compact(const char *json, size_t len)
{
	json_t *v = json_loadb(json, len, 0, NULL);
	char *s = v ? json_dumps(v, JSON_COMPACT) : NULL;

	json_decref(v);
	return s;
}

/* parse -> to_json -> parse gives the same struct. */
static void check_round_trip(const struct hcs_container_config *cfg, bool validate)
{
	struct hcs_container_config again;
	struct uvm_error err = { 0 };
	char *json = hcs_container_config_to_json(cfg);

	CHECK(json != NULL);
	if (!json)
		return;
	if (validate)
		CHECK_EQ(hcs_container_config_parse(json, strlen(json), &again, &err), 0);
	else
		CHECK_EQ(hcs_container_config_decode(json, strlen(json), &again, &err), 0);
	CHECK_STR_EQ(err.msg, "");
	CHECK(hcs_container_config_equal(cfg, &again));
	hcs_container_config_free(&again);
	free(json);
}

static void docker_create_linux_initrd_config_round_trips_byte_for_byte(void)
{
	struct hcs_container_config cfg;
	struct uvm_error err = { 0 };
	size_t len;
	char *text = read_fixture("hcs-lcow-initrd.json", &len), *expect, *json;

	if (!text)
		{ test_report(__FILE__, __LINE__, "fixture"); return; }
	CHECK_EQ(hcs_container_config_parse(text, len, &cfg, &err), 0);
	CHECK_STR_EQ(err.msg, "");
	CHECK_STR_EQ(cfg.system_type, "container");
	CHECK_STR_EQ(cfg.owner, "docker");
	CHECK(cfg.hv_partition);
	CHECK(cfg.terminate_on_last_handle_closed);
	CHECK_EQ(cfg.processor_count, 2);
	CHECK_EQ(cfg.memory_maximum_in_mb, 1024);
	CHECK_EQ(cfg.n_layers, 2);
	CHECK_STR_EQ(cfg.layers[0].id, "18955d65-d45a-557b-bf1c-49d6dfefc526");
	CHECK_STR_CONTAINS(cfg.layers[1].path, "/layer.vhd");
	CHECK_EQ(cfg.n_mapped_directories, 1);
	CHECK(cfg.mapped_directories[0].create_in_utility_vm);
	CHECK(cfg.mapped_directories[0].read_only);
	CHECK(cfg.mapped_directories[0].linux_metadata);
	CHECK(cfg.hv_runtime != NULL);
	if (cfg.hv_runtime) {
		CHECK_STR_EQ(cfg.hv_runtime->image_path, "/usr/lib/uvmrun/uvm");
		CHECK_STR_EQ(hcs_hv_runtime_kernel_file(cfg.hv_runtime), "kernel");
		CHECK_STR_EQ(hcs_hv_runtime_initrd_file(cfg.hv_runtime), "initrd.img");
		CHECK_STR_EQ(cfg.hv_runtime->linux_boot_parameters, "console=ttyS0 quiet");
		CHECK(!hcs_hv_runtime_boots_vhd(cfg.hv_runtime));
	}
	CHECK(cfg.endpoint_list == NULL && cfg.volume_path == NULL);

	expect = compact(text, len);
	json = hcs_container_config_to_json(&cfg);
	CHECK_STR_EQ(json, expect);
	check_round_trip(&cfg, true);
	free(expect);
	free(json);
	hcs_container_config_free(&cfg);
	free(text);
}

static void docker_create_linux_vhd_config_round_trips_byte_for_byte(void)
{
	struct hcs_container_config cfg;
	struct uvm_error err = { 0 };
	size_t len;
	char *text = read_fixture("hcs-lcow-vhd.json", &len), *expect, *json;

	if (!text)
		{ test_report(__FILE__, __LINE__, "fixture"); return; }
	CHECK_EQ(hcs_container_config_parse(text, len, &cfg, &err), 0);
	CHECK_STR_EQ(err.msg, "");
	CHECK(hcs_hv_runtime_boots_vhd(cfg.hv_runtime));
	CHECK_EQ(cfg.n_mapped_virtual_disks, 1);
	CHECK_STR_EQ(cfg.mapped_virtual_disks[0].cache, "Enabled");
	CHECK(!cfg.mapped_virtual_disks[0].attach_only);
	/* AttachOnly is written even when false: hcsshim's tag is ",omitempty:" */
	expect = compact(text, len);
	json = hcs_container_config_to_json(&cfg);
	CHECK_STR_EQ(json, expect);
	CHECK_STR_CONTAINS(json, "\"AttachOnly\":false");
	check_round_trip(&cfg, true);
	free(expect);
	free(json);
	hcs_container_config_free(&cfg);
	free(text);
}

struct problems {
	char msg[16][512];
	int code[16];
	int n;
};

static void collect(void *ctx, int code, const char *msg)
{
	struct problems *p = ctx;

	if (p->n < 16) {
		snprintf(p->msg[p->n], sizeof(p->msg[0]), "%s", msg);
		p->code[p->n++] = code;
	}
}

static void windows_hyperv_sample_reads_but_is_refused_field_by_field(void)
{
	struct hcs_container_config cfg;
	struct uvm_error err = { 0 };
	struct problems p = { .n = 0 };
	size_t len;
	char *text = read_fixture("hcs-windows-hyperv.json", &len);

	if (!text)
		{ test_report(__FILE__, __LINE__, "fixture"); return; }
	CHECK_EQ(hcs_container_config_decode(text, len, &cfg, &err), 0);
	CHECK_STR_EQ(err.msg, "");
	CHECK(cfg.ignore_flushes_during_boot && !cfg.is_dummy && cfg.hv_partition);
	CHECK_STR_EQ(cfg.sandbox_path, "C:\\\\control\\\\windowsfilter");
	CHECK_EQ(cfg.n_endpoint_list, 1);
	CHECK_EQ(cfg.n_mapped_directories, 0);
	CHECK_STR_CONTAINS(cfg.hv_runtime ? cfg.hv_runtime->image_path : NULL, "UtilityVM");
	check_round_trip(&cfg, false);
	CHECK_EQ(hcs_container_config_validate(&cfg, &err), -EOPNOTSUPP);
	CHECK_STR_CONTAINS(err.msg, "IgnoreFlushesDuringBoot: not supported: Windows-only setting");
	hcs_container_config_free(&cfg);

	err.msg[0] = '\0';
	CHECK_EQ(hcs_container_config_parse(text, len, &cfg, &err), -EOPNOTSUPP);
	CHECK_STR_CONTAINS(err.msg, "IgnoreFlushesDuringBoot: not supported: Windows-only setting");
	CHECK(cfg.name == NULL && cfg.layers == NULL); /* left empty */

	CHECK_EQ(hcs_container_config_problems(text, len, collect, &p), 6);
	CHECK_STR_CONTAINS(p.msg[0], "IgnoreFlushesDuringBoot: not supported: Windows-only setting");
	CHECK_STR_CONTAINS(p.msg[1], "Layers[0].Path: Windows paths are not supported");
	CHECK_STR_CONTAINS(p.msg[2], "SandboxPath: not supported: Windows-only setting");
	CHECK_STR_EQ(p.msg[3], "EndpointList: networking is not supported yet");
	CHECK_STR_CONTAINS(p.msg[4], "HvRuntime.ImagePath: Windows paths are not supported");
	CHECK_STR_CONTAINS(p.msg[5], "ContainerType: required: \"Linux\"");
	CHECK_EQ(p.code[3], -EOPNOTSUPP);
	CHECK_EQ(p.code[5], -EINVAL);
	free(text);
}

static void windows_process_isolated_sample_fails_first_on_volume_path(void)
{
	struct hcs_container_config cfg;
	struct uvm_error err = { 0 };
	struct problems p = { .n = 0 };
	size_t len;
	char *text = read_fixture("hcs-windows-process.json", &len);

	if (!text)
		{ test_report(__FILE__, __LINE__, "fixture"); return; }
	CHECK_EQ(hcs_container_config_parse(text, len, &cfg, &err), -EOPNOTSUPP);
	CHECK_STR_EQ(err.msg, "VolumePath: not supported: Windows-only setting "
			      "(the scratch volume of a process-isolated Windows container)");
	hcs_container_config_problems(text, len, collect, &p);
	CHECK(p.n >= 6);
	CHECK_STR_EQ(p.msg[4], "HvPartition: process-isolated containers are not supported; "
			       "set HvPartition to true");
	CHECK_STR_CONTAINS(p.msg[p.n - 2], "HvRuntime: required");
	free(text);
}

/* ---- one problem at a time, on a valid base config ---- */

static const char base_config[] =
	"{\"SystemType\":\"Container\",\"Name\":\"c1\",\"Owner\":\"test\","
	"\"Layers\":[{\"ID\":\"18955d65-d45a-557b-bf1c-49d6dfefc526\",\"Path\":\"/l/0/layer.vhd\"}],"
	"\"HvPartition\":true,\"HvRuntime\":{\"ImagePath\":\"/uvm\"},\"ContainerType\":\"Linux\"}";

/* base_config with `key` set to the JSON `value` (or removed when NULL). */
static int parse_with(const char *key, const char *value, struct uvm_error *err)
{
	json_t *root = json_loads(base_config, 0, NULL);
	struct hcs_container_config cfg;
	char *text;
	int ret;

	if (value)
		json_object_set_new(root, key, json_loads(value, JSON_DECODE_ANY, NULL));
	else
		json_object_del(root, key);
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	memset(err, 0, sizeof(*err));
	ret = hcs_container_config_parse(text, strlen(text), &cfg, err);
	if (ret == 0)
		hcs_container_config_free(&cfg);
	free(text);
	return ret;
}

#define EXPECT(key, value, code, text)                                         \
	do {                                                                   \
		struct uvm_error _e;                                           \
		CHECK_EQ(parse_with(key, value, &_e), code);                   \
		CHECK_STR_CONTAINS(_e.msg, text);                              \
	} while (0)

static void base_config_is_valid(void)
{
	struct uvm_error err;

	CHECK_EQ(parse_with("Owner", "\"x\"", &err), 0);
	CHECK_EQ(parse_with("MappedDirectories", "[]", &err), 0);
	CHECK_EQ(parse_with("EndpointList", "[]", &err), 0);
	CHECK_EQ(parse_with("Owner", "null", &err), 0);
	CHECK_EQ(parse_with("ContainerType", "\"linux\"", &err), 0);
	CHECK_EQ(parse_with("Servicing", "false", &err), 0);
	CHECK_EQ(parse_with("MemoryMaximumInMB", "64", &err), 0);
	CHECK_EQ(parse_with("HostName", "\"web-1\"", &err), 0);
}

static void missing_required_fields_are_named(void)
{
	struct uvm_error err;

	EXPECT("SystemType", NULL, -EINVAL, "SystemType: required");
	EXPECT("Name", NULL, -EINVAL, "Name: required");
	EXPECT("Layers", NULL, -EINVAL, "Layers: required: at least one layer");
	EXPECT("Layers", "[]", -EINVAL, "Layers: required");
	EXPECT("Layers", "null", -EINVAL, "Layers: required");
	EXPECT("HvRuntime", NULL, -EINVAL, "HvRuntime: required");
	EXPECT("HvRuntime", "{}", -EINVAL, "HvRuntime.ImagePath: required");
	EXPECT("ContainerType", NULL, -EINVAL, "ContainerType: required");
	EXPECT("Layers", "[{\"Path\":\"/l.vhd\"}]", -EINVAL, "Layers[0].ID: required");
	EXPECT("Layers", "[{\"ID\":\"18955d65-d45a-557b-bf1c-49d6dfefc526\"}]", -EINVAL,
	       "Layers[0].Path: required");
	CHECK_EQ(parse_with("MappedDirectories",
			    "[{\"HostPath\":\"/a\",\"ContainerPath\":\"/b\"},{\"ContainerPath\":\"/c\"}]",
			    &err), -EINVAL);
	CHECK_STR_EQ(err.msg, "MappedDirectories[1].HostPath: required");
	EXPECT("MappedDirectories", "[{\"HostPath\":\"/a\",\"ContainerPath\":\"\"}]", -EINVAL,
	       "MappedDirectories[0].ContainerPath: required");
	EXPECT("MappedVirtualDisks", "[{\"HostPath\":\"/d.vhd\"}]", -EINVAL,
	       "MappedVirtualDisks[0].ContainerPath: required");
	CHECK_EQ(parse_with("MappedVirtualDisks", "[{\"HostPath\":\"/d.vhd\",\"AttachOnly\":true}]",
			    &err), 0);
}

static void wrong_types_are_named_with_their_path(void)
{
	struct uvm_error err;

	CHECK_EQ(parse_with("Layers", "[{\"ID\":7,\"Path\":\"/l.vhd\"}]", &err), -EINVAL);
	CHECK_STR_EQ(err.msg, "Layers[0].ID: expected a string, got number");
	EXPECT("Name", "true", -EINVAL, "Name: expected a string, got boolean");
	EXPECT("ProcessorCount", "\"2\"", -EINVAL, "ProcessorCount: expected an integer, got string");
	EXPECT("ProcessorCount", "2.5", -EINVAL,
	       "ProcessorCount: expected an integer, got a number with a fraction or exponent");
	EXPECT("HvPartition", "\"true\"", -EINVAL, "HvPartition: expected a boolean, got string");
	EXPECT("Layers", "{}", -EINVAL, "Layers: expected an array of objects, got object");
	EXPECT("Layers", "[\"/l.vhd\"]", -EINVAL, "Layers[0]: expected an object, got string");
	EXPECT("HvRuntime", "[]", -EINVAL, "HvRuntime: expected an object, got array");
	EXPECT("HvRuntime", "{\"ImagePath\":\"/u\",\"SkipTemplate\":1}", -EINVAL,
	       "HvRuntime.SkipTemplate: expected a boolean, got number");
	EXPECT("EndpointList", "\"e1bb1e61\"", -EINVAL, "EndpointList: expected an array of strings, got string");
	EXPECT("EndpointList", "[\"a\",false]", -EINVAL, "EndpointList[1]: expected a string, got boolean");
	EXPECT("MappedDirectories", "[{\"HostPath\":\"/a\",\"ContainerPath\":\"/b\",\"ReadOnly\":\"yes\"}]",
	       -EINVAL, "MappedDirectories[0].ReadOnly: expected a boolean, got string");
	EXPECT("MemoryMaximumInMB", "[]", -EINVAL, "MemoryMaximumInMB: expected an integer, got array");

	CHECK_EQ(hcs_container_config_parse("[1]", 3, &(struct hcs_container_config){ 0 }, &err), -EINVAL);
	CHECK_STR_EQ(err.msg, "expected a JSON object, got array");
}

static void unknown_fields_are_refused_with_a_suggestion(void)
{
	struct uvm_error err;

	CHECK_EQ(parse_with("ProcessorCnt", "2", &err), -EINVAL);
	CHECK_STR_EQ(err.msg, "ProcessorCnt: unknown field \"ProcessorCnt\" (did you mean \"ProcessorCount\"?)");
	EXPECT("hostname", "\"x\"", -EINVAL, "(did you mean \"HostName\"?)");
	EXPECT("MemoryMaximumInMb", "128", -EINVAL, "did you mean \"MemoryMaximumInMB\"?");
	EXPECT("HvRuntime", "{\"ImagePath\":\"/u\",\"LinuxKernelFle\":\"k\"}", -EINVAL,
	       "HvRuntime.LinuxKernelFle: unknown field \"LinuxKernelFle\" (did you mean \"LinuxKernelFile\"?)");
	EXPECT("MappedDirectories",
	       "[{\"HostPath\":\"/a\",\"ContainerPath\":\"/b\",\"CreateInUtilityVm\":true}]", -EINVAL,
	       "MappedDirectories[0].CreateInUtilityVm: unknown field \"CreateInUtilityVm\" "
	       "(did you mean \"CreateInUtilityVM\"?)");
	CHECK_EQ(parse_with("Frobnicate", "1", &err), -EINVAL);
	CHECK_STR_EQ(err.msg, "Frobnicate: unknown field \"Frobnicate\"");
}

static void windows_only_settings_are_refused(void)
{
	struct uvm_error err;

	EXPECT("VolumePath", "\"\\\\\\\\?\\\\Volume{66d1ef4c-7a00-11e6-8948-00155ddbef9d}\"", -EOPNOTSUPP,
	       "VolumePath: not supported: Windows-only setting");
	EXPECT("Credentials", "\"spec\"", -EOPNOTSUPP, "Credentials: not supported: Windows-only setting");
	EXPECT("IgnoreFlushesDuringBoot", "true", -EOPNOTSUPP,
	       "IgnoreFlushesDuringBoot: not supported: Windows-only setting");
	EXPECT("Servicing", "true", -EOPNOTSUPP, "Servicing: not supported: Windows-only setting");
	EXPECT("IsDummy", "true", -EOPNOTSUPP, "IsDummy: not supported: Windows-only setting");
	EXPECT("SandboxPath", "\"/x\"", -EOPNOTSUPP, "SandboxPath: not supported: Windows-only setting");
	/* A Windows named pipe: MappedPipes map host Unix sockets here. */
	EXPECT("MappedPipes", "[{\"HostPath\":\"\\\\\\\\.\\\\pipe\\\\a\",\"ContainerPipeName\":\"a\"}]",
	       -EINVAL, "MappedPipes[0].HostPath: Windows paths are not supported");
	EXPECT("MappedPipes", "[{\"HostPath\":\"/run/a.sock\",\"ContainerPipeName\":\"a\"}]",
	       -EINVAL, "MappedPipes[0].ContainerPipeName:");
	CHECK_EQ(parse_with("MappedPipes", "[{\"HostPath\":\"/run/a.sock\",\"ContainerPipeName\":\"/run/a\"}]",
			    &err), 0);
	EXPECT("AssignedDevices", "[{\"InterfaceClassGuid\":\"5B45201D-F2F2-4F3B-85BB-30FF1F953599\"}]",
	       -EOPNOTSUPP, "AssignedDevices: not supported: Windows-only setting");
	EXPECT("MappedVirtualDisks", "[{\"HostPath\":\"/d.vhd\",\"ContainerPath\":\"/d\",\"Cache\":\"Private\"}]",
	       -EOPNOTSUPP, "MappedVirtualDisks[0].Cache: not supported: Windows-only setting");
	EXPECT("ContainerType", "\"Windows\"", -EOPNOTSUPP, "ContainerType: Windows containers are not supported");
	CHECK_EQ(parse_with("MappedPipes", "[]", &err), 0);
	CHECK_EQ(parse_with("IgnoreFlushesDuringBoot", "false", &err), 0);
}

static void process_isolation_and_networking_are_refused(void)
{
	struct uvm_error err;

	CHECK_EQ(parse_with("HvPartition", "false", &err), -EOPNOTSUPP);
	CHECK_STR_EQ(err.msg, "HvPartition: process-isolated containers are not supported; set HvPartition to true");
	EXPECT("HvPartition", NULL, -EOPNOTSUPP, "HvPartition: process-isolated containers are not supported");
	CHECK_EQ(parse_with("EndpointList", "[\"e1bb1e61-d56f-405e-b75d-fd520cefa0cb\"]", &err), -EOPNOTSUPP);
	CHECK_STR_EQ(err.msg, "EndpointList: networking is not supported yet");
	EXPECT("DNSSearchList", "\"a.com,b.com\"", -EOPNOTSUPP, "DNSSearchList: networking is not supported yet");
	EXPECT("AllowUnqualifiedDNSQuery", "true", -EOPNOTSUPP, "AllowUnqualifiedDNSQuery: networking");
	EXPECT("NetworkSharedContainerName", "\"other\"", -EOPNOTSUPP, "NetworkSharedContainerName: networking");
	/* I/O limits map onto the VMM's disk and share rate limits. */
	CHECK_EQ(parse_with("StorageIOPSMaximum", "100", &err), 0);
	CHECK_EQ(parse_with("StorageBandwidthMaximum", "1048576", &err), 0);
	CHECK_EQ(parse_with("MappedDirectories",
			    "[{\"HostPath\":\"/a\",\"ContainerPath\":\"/b\",\"IOPSMaximum\":5,\"BandwidthMaximum\":9}]",
			    &err), 0);
}

static void out_of_range_numbers_are_refused(void)
{
	EXPECT("MemoryMaximumInMB", "32", -ERANGE, "MemoryMaximumInMB: must be at least 64");
	EXPECT("MemoryMaximumInMB", "-1", -ERANGE, "MemoryMaximumInMB: must be at least 64");
	EXPECT("MemoryMaximumInMB", "5000000", -ERANGE, "MemoryMaximumInMB: must be at most 4194304");
	EXPECT("ProcessorCount", "65", -ERANGE, "ProcessorCount: must be at most 64");
	EXPECT("ProcessorCount", "-1", -ERANGE, "ProcessorCount: must not be negative");
	EXPECT("ProcessorCount", "4294967296", -ERANGE, "ProcessorCount: out of range");
	EXPECT("ProcessorWeight", "10001", -ERANGE, "ProcessorWeight: must be at most 10000");
	EXPECT("ProcessorMaximum", "-5", -ERANGE, "ProcessorMaximum: must not be negative");
	EXPECT("StorageSandboxSize", "4096", -ERANGE, "StorageSandboxSize: must be at least 16777216");
	EXPECT("HostName", "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"", -EINVAL,
	       "HostName: longer than 64 bytes");
}

static void bad_values_say_what_is_wrong(void)
{
	struct uvm_error err;

	EXPECT("SystemType", "\"VirtualMachine\"", -EINVAL, "SystemType: must be \"Container\"");
	EXPECT("Name", "\"../etc\"", -EINVAL, "Name: must be usable as a file name");
	EXPECT("ContainerType", "\"Solaris\"", -EINVAL, "ContainerType: must be \"Linux\"");
	EXPECT("Layers", "[{\"ID\":\"layer0\",\"Path\":\"/l.vhd\"}]", -EINVAL, "Layers[0].ID: must be a GUID");
	EXPECT("Layers", "[{\"ID\":\"18955d65-d45a-557b-bf1c-49d6dfefc526\",\"Path\":\"l.vhd\"}]", -EINVAL,
	       "Layers[0].Path: must be an absolute path, got \"l.vhd\"");
	EXPECT("Layers",
	       "[{\"ID\":\"18955d65-d45a-557b-bf1c-49d6dfefc526\",\"Path\":\"/a.vhd\"},"
	       "{\"ID\":\"18955D65-D45A-557B-BF1C-49D6DFEFC526\",\"Path\":\"/b.vhd\"}]",
	       -EINVAL, "Layers[1].ID: same as Layers[0].ID");
	EXPECT("LayerFolderPath", "\"C:\\\\x\"", -EINVAL, "LayerFolderPath: Windows paths are not supported");
	EXPECT("HvRuntime", "{\"ImagePath\":\"/u\",\"BootSource\":\"Disk\"}", -EINVAL,
	       "HvRuntime.BootSource: must be \"Vhd\" or empty");
	EXPECT("HvRuntime", "{\"ImagePath\":\"/u\",\"LinuxKernelFile\":\"../vmlinuz\"}", -EINVAL,
	       "HvRuntime.LinuxKernelFile: must stay under ImagePath");
	EXPECT("HvRuntime", "{\"ImagePath\":\"/u\",\"LinuxInitrdFile\":\"/boot/initrd\"}", -EINVAL,
	       "HvRuntime.LinuxInitrdFile: must be a file name under ImagePath");
	EXPECT("HvRuntime", "{\"ImagePath\":\"/u.vhd\",\"BootSource\":\"Vhd\",\"LinuxKernelFile\":\"k\"}",
	       -EINVAL, "HvRuntime.LinuxKernelFile: not used when BootSource is \"Vhd\"");
	EXPECT("HvRuntime", "{\"ImagePath\":\"/u\",\"WritableBootSource\":true}", -EINVAL,
	       "HvRuntime.WritableBootSource: only valid with BootSource \"Vhd\"");
	EXPECT("HvRuntime", "{\"ImagePath\":\"/u\",\"LinuxBootParameters\":\"a\\nb\"}", -EINVAL,
	       "HvRuntime.LinuxBootParameters: must not contain control characters");
	EXPECT("MappedVirtualDisks", "[{\"HostPath\":\"/d.vhd\",\"ContainerPath\":\"/d\",\"Cache\":\"On\"}]",
	       -EINVAL, "MappedVirtualDisks[0].Cache: must be");
	CHECK_EQ(parse_with("HvRuntime", "{\"ImagePath\":\"/u.vhd\",\"BootSource\":\"Vhd\","
				       "\"WritableBootSource\":true,\"SkipTemplate\":true}", &err), 0);
}

static void invalid_json_reports_line_and_column(void)
{
	const char *bad = "{\n  \"SystemType\": \"Container\",\n  \"Name\" \"c1\"\n}";
	const char *dup = "{\"Name\":\"a\",\"Name\":\"b\"}";
	struct hcs_container_config cfg;
	struct uvm_error err = { 0 };

	CHECK_EQ(hcs_container_config_parse(bad, strlen(bad), &cfg, &err), -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "invalid JSON at line 3, column");
	CHECK_EQ(hcs_container_config_parse(dup, strlen(dup), &cfg, &err), -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "duplicate");
	CHECK_EQ(hcs_container_config_parse("{} x", 4, &cfg, &err), -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "invalid JSON at line 1");
	CHECK_EQ(hcs_container_config_parse("", 0, &cfg, &err), -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "invalid JSON");
	/* the length bounds the text: what follows is not read */
	CHECK_EQ(hcs_container_config_parse(base_config, sizeof(base_config) - 1 - 1, &cfg, &err), -EINVAL);
	CHECK_EQ(hcs_container_config_parse(base_config, sizeof(base_config) - 1, &cfg, &err), 0);
	hcs_container_config_free(&cfg);
}

static void first_problem_is_the_first_in_the_document(void)
{
	const char *text =
		"{\"ContainerType\":\"Linux\",\"MemoryMaximumInMB\":1,\"Name\":\"c\",\"SystemType\":\"Container\","
		"\"VolumePath\":\"v\",\"Layers\":[{\"ID\":\"18955d65-d45a-557b-bf1c-49d6dfefc526\","
		"\"Path\":\"/l\"}],\"HvPartition\":true,\"HvRuntime\":{\"ImagePath\":\"/u\"}}";
	struct hcs_container_config cfg;
	struct uvm_error err = { 0 };

	CHECK_EQ(hcs_container_config_parse(text, strlen(text), &cfg, &err), -ERANGE);
	CHECK_STR_CONTAINS(err.msg, "MemoryMaximumInMB: must be at least 64");
	/* the struct checks go in hcsshim's field order: VolumePath first */
	CHECK_EQ(hcs_container_config_decode(text, strlen(text), &cfg, &err), 0);
	CHECK_EQ(hcs_container_config_validate(&cfg, &err), -EOPNOTSUPP);
	CHECK_STR_CONTAINS(err.msg, "VolumePath: not supported");
	hcs_container_config_free(&cfg);
}

static void config_built_in_c_validates_and_writes_hcsshim_json(void)
{
	struct hcs_layer layer = { .id = "18955d65-d45a-557b-bf1c-49d6dfefc526", .path = "/l/layer.vhd" };
	struct hcs_hv_runtime rt = { .image_path = "/usr/lib/uvmrun/uvm" };
	struct hcs_container_config cfg = {
		.system_type = "Container", .name = "c1", .layers = &layer, .n_layers = 1,
		.hv_partition = true, .hv_runtime = &rt, .container_type = "Linux",
	};
	struct uvm_error err = { 0 };
	char *json;

	CHECK_EQ(hcs_container_config_validate(&cfg, &err), 0);
	CHECK_STR_EQ(err.msg, "");
	json = hcs_container_config_to_json(&cfg);
	CHECK_STR_EQ(json, "{\"SystemType\":\"Container\",\"Name\":\"c1\",\"Layers\":[{\"ID\":"
			   "\"18955d65-d45a-557b-bf1c-49d6dfefc526\",\"Path\":\"/l/layer.vhd\"}],"
			   "\"HvPartition\":true,\"HvRuntime\":{\"ImagePath\":\"/usr/lib/uvmrun/uvm\"},"
			   "\"ContainerType\":\"Linux\"}");
	check_round_trip(&cfg, true);
	free(json);

	cfg.n_layers = 0;
	json = hcs_container_config_to_json(&cfg);
	CHECK_STR_CONTAINS(json, "\"Layers\":[]"); /* no omitempty on Layers */
	free(json);
	CHECK_EQ(hcs_container_config_validate(&cfg, &err), -EINVAL);
	CHECK_STR_EQ(err.msg, "Layers: required: at least one layer");

	cfg.n_layers = 1;
	cfg.name = "bad\xff";
	errno = 0;
	CHECK(hcs_container_config_to_json(&cfg) == NULL);
	CHECK_EQ(errno, EINVAL);
}

/* ---- host paths ---- */

static void touch(const char *dir, const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	if (fd >= 0)
		close(fd);
}

static void host_paths_are_checked_where_they_are_used(void)
{
	char dir[] = "/tmp/hcs-paths.XXXXXX", layer[64], share[64], img[64], scratch[64], sub[256];
	struct hcs_layer layers[1] = { { .id = "18955d65-d45a-557b-bf1c-49d6dfefc526", .path = layer } };
	struct hcs_mapped_dir md = { .host_path = share, .container_path = "/data" };
	struct hcs_hv_runtime rt = { .image_path = img };
	struct hcs_container_config cfg = {
		.layer_folder_path = scratch, .layers = layers, .n_layers = 1,
		.mapped_directories = &md, .n_mapped_directories = 1, .hv_runtime = &rt,
	};
	struct uvm_error err = { 0 };

	if (!mkdtemp(dir))
		{ test_report(__FILE__, __LINE__, "mkdtemp"); return; }
	snprintf(layer, sizeof(layer), "%s/layer.vhd", dir);
	snprintf(share, sizeof(share), "%s/share", dir);
	snprintf(img, sizeof(img), "%s/uvm", dir);
	snprintf(scratch, sizeof(scratch), "%s/scratch/", dir); /* need not exist yet */
	touch(dir, "layer.vhd");
	mkdir(share, 0755);
	mkdir(img, 0755);
	touch(img, "kernel");
	touch(img, "initrd.img");
	CHECK_EQ(hcs_config_check_paths(&cfg, &err), 0);
	CHECK_STR_EQ(err.msg, "");

	snprintf(sub, sizeof(sub), "%s/initrd.img", img);
	unlink(sub);
	CHECK_EQ(hcs_config_check_paths(&cfg, &err), -ENOENT);
	CHECK_STR_CONTAINS(err.msg, "HvRuntime.LinuxInitrdFile (default \"initrd.img\"): ");
	CHECK_STR_CONTAINS(err.msg, "/uvm/initrd.img: No such file or directory");
	rt.linux_initrd_file = "initrd-6.1.img";
	CHECK_EQ(hcs_config_check_paths(&cfg, &err), -ENOENT);
	CHECK_STR_CONTAINS(err.msg, "HvRuntime.LinuxInitrdFile: ");

	rmdir(share);
	CHECK_EQ(hcs_config_check_paths(&cfg, &err), -ENOENT);
	CHECK_STR_CONTAINS(err.msg, "MappedDirectories[0].HostPath: ");

	layers[0].path = share; /* now missing too, and earlier in field order */
	CHECK_EQ(hcs_config_check_paths(&cfg, &err), -ENOENT);
	CHECK_STR_CONTAINS(err.msg, "Layers[0].Path: ");
	layers[0].path = img;
	CHECK_EQ(hcs_config_check_paths(&cfg, &err), -EISDIR);
	CHECK_STR_CONTAINS(err.msg, "Layers[0].Path: ");

	snprintf(scratch, sizeof(scratch), "%s/no/such/scratch", dir);
	CHECK_EQ(hcs_config_check_paths(&cfg, &err), -ENOENT);
	CHECK_STR_CONTAINS(err.msg, "LayerFolderPath: ");
	CHECK_STR_CONTAINS(err.msg, "/no/such: No such file or directory");

	/* booting a VHD: ImagePath is the file */
	cfg.layer_folder_path = NULL;
	cfg.n_layers = 0;
	cfg.n_mapped_directories = 0;
	rt.boot_source = "Vhd";
	CHECK_EQ(hcs_config_check_paths(&cfg, &err), -EISDIR);
	CHECK_STR_CONTAINS(err.msg, "HvRuntime.ImagePath: ");
	snprintf(img, sizeof(img), "%s/layer.vhd", dir);
	CHECK_EQ(hcs_config_check_paths(&cfg, &err), 0);

	snprintf(sub, sizeof(sub), "rm -rf '%s'", dir);
	CHECK_EQ(system(sub), 0);
}

TEST_LIST(T(docker_create_linux_initrd_config_round_trips_byte_for_byte),
	  T(docker_create_linux_vhd_config_round_trips_byte_for_byte),
	  T(windows_hyperv_sample_reads_but_is_refused_field_by_field),
	  T(windows_process_isolated_sample_fails_first_on_volume_path),
	  T(base_config_is_valid),
	  T(missing_required_fields_are_named),
	  T(wrong_types_are_named_with_their_path),
	  T(unknown_fields_are_refused_with_a_suggestion),
	  T(windows_only_settings_are_refused),
	  T(process_isolation_and_networking_are_refused),
	  T(out_of_range_numbers_are_refused),
	  T(bad_values_say_what_is_wrong),
	  T(invalid_json_reports_line_and_column),
	  T(first_problem_is_the_first_in_the_document),
	  T(config_built_in_c_validates_and_writes_hcsshim_json),
	  T(host_paths_are_checked_where_they_are_used));
TEST_MAIN("schema")
