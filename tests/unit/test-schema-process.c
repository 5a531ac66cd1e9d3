/* The HCS schema beyond ContainerConfig: ProcessConfig as the Docker daemon
 * builds it for start and exec (the OCI spec kept byte for byte), the
 * ComputeSystemQuery and ResourceModificationRequestResponse inputs, and the
 * field names and Go-compatible values of Statistics, ProcessList and
 * ContainerProperties. Run from the repository root. */
#include <errno.h>

#include <jansson.h>

#include "../../hcs-api/schema.h"
#include "fixture.h"
#include "test.h"

/* ---- ProcessConfig ---- */

static void start_process_config_keeps_the_oci_spec_verbatim(void)
{
	struct hcs_process_config pc, again;
	struct uvm_error err = { 0 };
	size_t len;
	char *text = read_fixture("hcs-process-init.json", &len), *json, *spec_start;

	if (!text) {
		test_report(__FILE__, __LINE__, "fixture");
		return;
	}
	CHECK_EQ(hcs_process_config_parse(text, len, &pc, &err), 0);
	CHECK_STR_EQ(err.msg, "");
	CHECK_EQ(pc.n_command_args, 3);
	CHECK_STR_EQ(pc.command_args[2], "echo hello");
	CHECK_STR_EQ(pc.working_directory, "/");
	CHECK_STR_EQ(hcs_process_config_getenv(&pc, "HOSTNAME"), "b3ea9126d677");
	CHECK(pc.create_std_in_pipe && pc.create_std_out_pipe && pc.create_std_err_pipe);
	CHECK(!pc.emulate_console);

	/* the spec's bytes, whitespace and escapes included */
	spec_start = strstr(text, "{\n\t\t\"ociVersion\"");
	CHECK(spec_start != NULL && pc.oci_specification != NULL);
	if (spec_start && pc.oci_specification) {
		/* up to the spec's closing brace, before "\n}\n" */
		CHECK_EQ(pc.oci_specification_len, strrchr(text, '}') - 1 - spec_start);
		CHECK(!memcmp(pc.oci_specification, spec_start, pc.oci_specification_len));
		CHECK_EQ(strlen(pc.oci_specification), pc.oci_specification_len);
	}
	CHECK_STR_CONTAINS(pc.oci_specification, "\"caf\\u00e9\"");
	CHECK_STR_CONTAINS(pc.oci_specification, "{ \"uid\": 0, \"gid\": 0 }");

	json = hcs_process_config_to_json(&pc);
	CHECK_STR_CONTAINS(json, "\"ConsoleSize\":[0,0],\"OCISpecification\":{\n\t\t\"ociVersion\"");
	CHECK_EQ(hcs_process_config_parse(json, strlen(json), &again, &err), 0);
	CHECK(hcs_process_config_equal(&pc, &again));
	hcs_process_config_free(&again);
	free(json);
	hcs_process_config_free(&pc);
	CHECK(pc.oci_specification == NULL && pc.n_command_args == 0);
	free(text);
}

static void exec_process_config_round_trips_byte_for_byte(void)
{
	struct hcs_process_config pc;
	struct uvm_error err = { 0 };
	size_t len;
	char *text = read_fixture("hcs-process-exec.json", &len), *json, *expect;
	json_t *v;

	if (!text) {
		test_report(__FILE__, __LINE__, "fixture");
		return;
	}
	CHECK_EQ(hcs_process_config_parse(text, len, &pc, &err), 0);
	CHECK(pc.emulate_console);
	CHECK_EQ(pc.console_size[0], 24); /* height first, as the daemon fills it */
	CHECK_EQ(pc.console_size[1], 80);
	CHECK(pc.oci_specification == NULL);
	v = json_loadb(text, len, 0, NULL);
	expect = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	json = hcs_process_config_to_json(&pc);
	CHECK_STR_EQ(json, expect);
	free(json);
	free(expect);
	hcs_process_config_free(&pc);
	free(text);
}

static int process_parse(const char *text, struct uvm_error *err)
{
	struct hcs_process_config pc;
	int ret;

	memset(err, 0, sizeof(*err));
	ret = hcs_process_config_parse(text, strlen(text), &pc, err);
	hcs_process_config_free(&pc);
	return ret;
}

#define EXPECT(text, code, want)                                               \
	do {                                                                   \
		struct uvm_error _e;                                           \
		CHECK_EQ(process_parse(text, &_e), code);                      \
		CHECK_STR_CONTAINS(_e.msg, want);                              \
	} while (0)

static void process_config_problems_are_named(void)
{
	struct uvm_error err;

	CHECK_EQ(process_parse("{\"CommandLine\":\"ls -l\"}", &err), 0);
	CHECK_EQ(process_parse("{\"OCISpecification\":{}}", &err), 0);
	EXPECT("{}", -EINVAL, "CommandArgs: required: what to run");
	EXPECT("{\"CommandArgs\":[]}", -EINVAL, "CommandArgs: required");
	EXPECT("{\"ApplicationName\":\"cmd.exe\",\"CommandArgs\":[\"sh\"]}", -EOPNOTSUPP,
	       "ApplicationName: not supported: Windows-only setting");
	EXPECT("{\"CommandArgs\":[\"sh\"],\"WorkingDirectory\":\"C:\\\\\"}", -EINVAL,
	       "WorkingDirectory: Windows paths are not supported");
	EXPECT("{\"CommandArgs\":[\"sh\"],\"WorkingDirectory\":\"tmp\"}", -EINVAL,
	       "WorkingDirectory: must be an absolute path");
	EXPECT("{\"CommandArgs\":[\"sh\",1]}", -EINVAL, "CommandArgs[1]: expected a string, got number");
	EXPECT("{\"CommandArgs\":[\"sh\"],\"Environment\":{\"A\":\"1\",\"FOO\":2}}", -EINVAL,
	       "Environment[\"FOO\"]: expected a string, got number");
	EXPECT("{\"CommandArgs\":[\"sh\"],\"Environment\":[\"A=1\"]}", -EINVAL,
	       "Environment: expected an object of strings, got array");
	EXPECT("{\"CommandArgs\":[\"sh\"],\"Environment\":{\"A=B\":\"1\"}}", -EINVAL,
	       "Environment[\"A=B\"]: a variable name must be non-empty");
	EXPECT("{\"CommandArgs\":[\"sh\"],\"ConsoleSize\":[24]}", -EINVAL,
	       "ConsoleSize: expected an array of 2 integers, got 1 elements");
	EXPECT("{\"CommandArgs\":[\"sh\"],\"ConsoleSize\":[24,\"80\"]}", -EINVAL,
	       "ConsoleSize[1]: expected an integer, got string");
	EXPECT("{\"CommandArgs\":[\"sh\"],\"ConsoleSize\":[24,70000]}", -ERANGE,
	       "ConsoleSize: the width ([1]) must be at most 65535");
	EXPECT("{\"CommandArgs\":[\"sh\"],\"OCISpecification\":\"{}\"}", -EINVAL,
	       "OCISpecification: expected an object, got string");
	EXPECT("{\"CreateInUtilityVm\":true,\"OCISpecification\":{\"ociVersion\":\"1.0.1\"}}", -EINVAL,
	       "OCISpecification: not used with CreateInUtilityVm");
	EXPECT("{\"CommandArg\":[\"sh\"]}", -EINVAL,
	       "CommandArg: unknown field \"CommandArg\" (did you mean \"CommandArgs\"?)");
	EXPECT("{\"CommandArgs\":[\"sh\"],\"CreateInUtilityVM\":true}", -EINVAL,
	       "(did you mean \"CreateInUtilityVm\"?)");
	EXPECT("{\"CommandArgs\":[\"sh\"],\n\"EmulateConsole\":tru}", -EINVAL, "invalid JSON at line 2, column");
}

static void oci_spec_is_found_wherever_it_sits_and_however_its_key_is_escaped(void)
{
	const char *text = " { \"OCISpec\\u0069fication\" :\t{\"a\":[1,{\"b\":\"}]\\\"\"}]} ,"
			   " \"CommandArgs\" : [\"sh\"] } ";
	struct hcs_process_config pc;
	struct uvm_error err = { 0 };

	CHECK_EQ(hcs_process_config_parse(text, strlen(text), &pc, &err), 0);
	CHECK_STR_EQ(err.msg, "");
	CHECK_STR_EQ(pc.oci_specification, "{\"a\":[1,{\"b\":\"}]\\\"\"}]}");
	hcs_process_config_free(&pc);
	text = "{\"OCISpecification\":null,\"CommandArgs\":[\"x\"]}";
	CHECK_EQ(hcs_process_config_parse(text, strlen(text), &pc, &err), 0);
	CHECK(pc.oci_specification == NULL);
	hcs_process_config_free(&pc);
}

static void process_config_built_in_c_writes_sorted_environment(void)
{
	struct hcs_env_var env[] = { { "TERM", "xterm" }, { "HOME", "/root" }, { "A", "" } };
	char *args[] = { "/bin/true" };
	struct hcs_process_config pc = {
		.command_args = args, .n_command_args = 1, .environment = env, .n_environment = 3,
		.oci_specification = "{\"ociVersion\":\"1.0.1\"}", .oci_specification_len = 22,
	};
	struct uvm_error err = { 0 };
	char *json;

	CHECK_EQ(hcs_process_config_validate(&pc, &err), 0);
	json = hcs_process_config_to_json(&pc);
	CHECK_STR_EQ(json, "{\"CommandArgs\":[\"/bin/true\"],\"Environment\":{\"A\":\"\",\"HOME\":\"/root\","
			   "\"TERM\":\"xterm\"},\"ConsoleSize\":[0,0],\"OCISpecification\":{\"ociVersion\":\"1.0.1\"}}");
	free(json);
	env[1].name = "TERM";
	CHECK_EQ(hcs_process_config_validate(&pc, &err), -EINVAL);
	CHECK_STR_EQ(err.msg, "Environment[\"TERM\"]: given twice");
	env[1].name = "HOME";
	pc.oci_specification_len = 10;
	CHECK_EQ(hcs_process_config_validate(&pc, &err), -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "OCISpecification: invalid JSON at line 1");
	errno = 0;
	CHECK(hcs_process_config_to_json(&pc) == NULL); /* would not be JSON */
	CHECK_EQ(errno, EINVAL);
}

/* ---- ComputeSystemQuery ---- */

static void query_reads_hcsshim_names_and_matches(void)
{
	const char *text = "{\"Ids\":[\"c1\",\"c2\"],\"Types\":[\"container\"],\"Owners\":[\"docker\"]}";
	struct hcs_compute_system_query q, again;
	struct uvm_error err = { 0 };
	char *json;

	CHECK_EQ(hcs_compute_system_query_parse(text, strlen(text), &q, &err), 0);
	CHECK_EQ(q.n_ids, 2);
	CHECK_EQ(q.n_names, 0);
	CHECK(hcs_compute_system_query_matches(&q, "c2", "Container", "any", "docker"));
	CHECK(!hcs_compute_system_query_matches(&q, "c3", "Container", "any", "docker"));
	CHECK(!hcs_compute_system_query_matches(&q, "c1", "Container", "any", "garden"));
	CHECK(!hcs_compute_system_query_matches(&q, "c1", "VirtualMachine", "any", "docker"));
	json = hcs_compute_system_query_to_json(&q);
	CHECK_STR_EQ(json, text);
	CHECK_EQ(hcs_compute_system_query_parse(json, strlen(json), &again, &err), 0);
	CHECK(hcs_compute_system_query_equal(&q, &again));
	hcs_compute_system_query_free(&again);
	hcs_compute_system_query_free(&q);
	free(json);

	CHECK_EQ(hcs_compute_system_query_parse("{}", 2, &q, &err), 0);
	CHECK(hcs_compute_system_query_matches(&q, "x", "Container", "n", "o"));
	json = hcs_compute_system_query_to_json(&q);
	CHECK_STR_EQ(json, "{}");
	free(json);
	hcs_compute_system_query_free(&q);

	CHECK_EQ(hcs_compute_system_query_parse("{\"IDs\":[\"c1\"]}", 14, &q, &err), -EINVAL);
	CHECK_STR_EQ(err.msg, "IDs: unknown field \"IDs\" (did you mean \"Ids\"?)");
	CHECK_EQ(hcs_compute_system_query_parse("{\"Types\":[\"Container\",\"Pod\"]}", 29, &q, &err), -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "Types[1]: must be \"Container\", \"VirtualMachine\" or \"Host\"");
	CHECK_EQ(hcs_compute_system_query_parse("{\"Names\":\"a\"}", 13, &q, &err), -EINVAL);
	CHECK_STR_EQ(err.msg, "Names: expected an array of strings, got string");
}

/* ---- ResourceModificationRequestResponse ---- */

/* A MappedDirectory modification: Settings is a MappedDir, checked as one. */
static void resource_modification_maps_folders(void)
{
	static const struct {
		const char *json;
		int code;
		const char *msg;
	} cases[] = {
		{ "{\"ResourceType\":\"MappedDirectory\",\"Settings\":{\"HostPath\":\"/srv/data\","
		  "\"ContainerPath\":\"/data\",\"ReadOnly\":true},\"RequestType\":\"Add\"}", 0, NULL },
		{ "{\"ResourceType\":\"MappedDirectory\",\"Settings\":{\"HostPath\":\"/srv/data\","
		  "\"ContainerPath\":\"/data\"},\"RequestType\":\"Remove\"}", 0, NULL },
		{ "{\"ResourceType\":\"MappedVirtualDisk\",\"RequestType\":\"Add\"}", -EINVAL,
		  "Settings: required: a MappedVirtualDisk" },
		{ "{\"ResourceType\":\"MappedVirtualDisk\",\"RequestType\":\"Add\",\"Settings\":"
		  "{\"HostPath\":\"/d.vhd\",\"ContainerPath\":\"/d\",\"Cache\":\"Private\"}}", -EOPNOTSUPP,
		  "Settings: Cache: not supported: Windows-only setting (Hyper-V VHD cache mode "
		  "\"Private\"; use \"Enabled\" or \"Disabled\")" },
		{ "{\"ResourceType\":\"MappedDirectory\",\"RequestType\":\"Add\"}", -EINVAL,
		  "Settings: required: a MappedDir" },
		{ "{\"ResourceType\":\"MappedDirectory\",\"Settings\":\"x\",\"RequestType\":\"Add\"}", -EINVAL,
		  "Settings: expected a JSON object, got string" },
		{ "{\"ResourceType\":\"MappedDirectory\",\"Settings\":{\"HostPath\":\"/srv\"},"
		  "\"RequestType\":\"Add\"}",
		  -EINVAL, "Settings: ContainerPath: required" },
		{ "{\"ResourceType\":\"MappedDirectory\",\"Settings\":{\"HostPath\":\"srv\","
		  "\"ContainerPath\":\"/d\"}}", -EINVAL, NULL },
		{ "{\"ResourceType\":\"MappedDirectory\",\"Settings\":{\"HostPath\":\"/srv\","
		  "\"ContainerPath\":\"/d\",\"Size\":1}}", -EINVAL, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hcs_resource_modification m;
		struct uvm_error err = { 0 };
		int ret = hcs_resource_modification_parse(cases[i].json, strlen(cases[i].json), &m,
							  &err);

		CHECK_EQ(ret, cases[i].code);
		if (cases[i].msg)
			CHECK_STR_EQ(err.msg, cases[i].msg);
		if (ret == 0) {
			struct hcs_mapped_dir md;

			CHECK_EQ(hcs_mapped_dir_parse(m.settings, m.settings_len, &md, &err), 0);
			CHECK_STR_EQ(md.container_path, "/data");
			hcs_mapped_dir_free(&md);
			hcs_resource_modification_free(&m);
		}
	}
}

static void resource_modification_reads_but_networking_is_refused(void)
{
	const char *text = "{\"ResourceType\":\"Network\",\"Settings\":\"e1bb1e61-d56f-405e-b75d-fd520cefa0cb\","
			   "\"RequestType\":\"Add\"}";
	struct hcs_resource_modification m, again;
	struct uvm_error err = { 0 };
	char *json;

	CHECK_EQ(hcs_resource_modification_decode(text, strlen(text), &m, &err), 0);
	CHECK_STR_EQ(m.resource_type, "Network");
	CHECK_STR_EQ(m.settings, "\"e1bb1e61-d56f-405e-b75d-fd520cefa0cb\"");
	CHECK_STR_EQ(m.request_type, "Add");
	json = hcs_resource_modification_to_json(&m);
	CHECK_STR_EQ(json, text);
	CHECK_EQ(hcs_resource_modification_decode(json, strlen(json), &again, &err), 0);
	CHECK(hcs_resource_modification_equal(&m, &again));
	CHECK_EQ(hcs_resource_modification_validate(&m, &err), -EOPNOTSUPP);
	CHECK_STR_EQ(err.msg, "ResourceType: networking is not supported yet");
	hcs_resource_modification_free(&again);
	hcs_resource_modification_free(&m);
	free(json);

	CHECK_EQ(hcs_resource_modification_parse(text, strlen(text), &m, &err), -EOPNOTSUPP);
	CHECK_STR_EQ(err.msg, "ResourceType: networking is not supported yet");
	CHECK_EQ(hcs_resource_modification_parse("{\"ResourceType\":\"Memory\",\"RequestType\":\"Add\"}",
						 45, &m, &err), -EINVAL);
	CHECK_STR_EQ(err.msg, "ResourceType: unknown resource type \"Memory\" (known: "
		     "\"MappedDirectory\", \"MappedVirtualDisk\", \"Network\")");
	CHECK_EQ(hcs_resource_modification_parse("{\"RequestType\":\"Delete\"}", 24, &m, &err), -EINVAL);
	CHECK_STR_EQ(err.msg, "RequestType: must be \"Add\" or \"Remove\", got \"Delete\"");
	CHECK_EQ(hcs_resource_modification_parse("{\"ResourceType\":1}", 18, &m, &err), -EINVAL);
	CHECK_STR_EQ(err.msg, "ResourceType: expected a string, got number");

	/* Settings may be any value; written as null when absent (no omitempty) */
	text = "{\"ResourceType\":\"Network\",\"Settings\":{ \"Id\" : 1 }}";
	CHECK_EQ(hcs_resource_modification_decode(text, strlen(text), &m, &err), 0);
	CHECK_STR_EQ(m.settings, "{ \"Id\" : 1 }");
	hcs_resource_modification_free(&m);
	json = hcs_resource_modification_to_json(&(struct hcs_resource_modification){ .resource_type = "Network" });
	CHECK_STR_EQ(json, "{\"ResourceType\":\"Network\",\"Settings\":null}");
	free(json);
}

/* ---- outputs ---- */

static json_t *load(char *text)
{
	json_t *v = text ? json_loads(text, 0, NULL) : NULL;

	CHECK(v != NULL);
	free(text);
	return v;
}

static const char *str_at(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static long long int_at(json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

static void statistics_use_hcsshim_names_and_go_times(void)
{
	struct hcs_network_stats net = { .bytes_received = 10, .packets_sent = 3, .endpoint_id = "ep0" };
	struct hcs_statistics s = {
		.timestamp = { .tv_sec = 1548324000, .tv_nsec = 500000000 },
		.memory = { .usage_commit_bytes = 1 << 20, .usage_private_working_set_bytes = 4096 },
		.processor = { .total_runtime_100ns = 99, .runtime_kernel_100ns = 9 },
		.storage = { .read_size_bytes = 512 },
		.network = &net, .n_network = 1,
	};
	json_t *v = load(hcs_statistics_to_json(&s)), *net0;

	CHECK_STR_EQ(str_at(v, "Timestamp"), "2019-01-24T10:00:00.5Z");
	CHECK_STR_EQ(str_at(v, "ContainerStartTime"), "0001-01-01T00:00:00Z");
	CHECK(!json_object_get(v, "Uptime100ns")); /* omitempty */
	CHECK_EQ(int_at(json_object_get(v, "Memory"), "MemoryUsageCommitBytes"), 1 << 20);
	CHECK_EQ(int_at(json_object_get(v, "Memory"), "MemoryUsagePrivateWorkingSetBytes"), 4096);
	CHECK(!json_object_get(json_object_get(v, "Memory"), "MemoryUsageCommitPeakBytes"));
	CHECK_EQ(int_at(json_object_get(v, "Processor"), "TotalRuntime100ns"), 99);
	CHECK_EQ(int_at(json_object_get(v, "Processor"), "RuntimeKernel100ns"), 9);
	CHECK_EQ(int_at(json_object_get(v, "Storage"), "ReadSizeBytes"), 512);
	net0 = json_array_get(json_object_get(v, "Network"), 0);
	CHECK_EQ(int_at(net0, "BytesReceived"), 10);
	CHECK_EQ(int_at(net0, "PacketsSent"), 3);
	CHECK_STR_EQ(str_at(net0, "EndpointId"), "ep0");
	CHECK(!json_object_get(net0, "InstanceId"));
	json_decref(v);

	/* an empty Statistics still has its nested structs, as Go writes them */
	memset(&s, 0, sizeof(s));
	s.storage.write_count_normalized = UINT64_MAX; /* clamped */
	v = load(hcs_statistics_to_json(&s));
	CHECK(json_is_object(json_object_get(v, "Memory")) && !json_object_size(json_object_get(v, "Memory")));
	CHECK(json_is_object(json_object_get(v, "Processor")));
	CHECK_EQ(int_at(json_object_get(v, "Storage"), "WriteCountNormalized"), INT64_MAX);
	CHECK(!json_object_get(v, "Network"));
	json_decref(v);
}

static void process_list_uses_hcsshim_names(void)
{
	struct hcs_process_list_item items[] = {
		{ .create_timestamp = { 1548324000, 123000000 }, .image_name = "sh", .process_id = 1,
		  .kernel_time_100ns = 5, .user_time_100ns = 7, .memory_commit_bytes = 8,
		  .memory_working_set_private_bytes = 9, .memory_working_set_shared_bytes = 11 },
		{ .process_id = 42 },
	};
	json_t *v = load(hcs_process_list_to_json(items, 2)), *p0, *p1;
	char *empty;

	CHECK_EQ(json_array_size(v), 2);
	p0 = json_array_get(v, 0);
	p1 = json_array_get(v, 1);
	CHECK_STR_EQ(str_at(p0, "CreateTimestamp"), "2019-01-24T10:00:00.123Z");
	CHECK_STR_EQ(str_at(p0, "ImageName"), "sh");
	CHECK_EQ(int_at(p0, "ProcessId"), 1);
	CHECK_EQ(int_at(p0, "KernelTime100ns"), 5);
	CHECK_EQ(int_at(p0, "UserTime100ns"), 7);
	CHECK_EQ(int_at(p0, "MemoryCommitBytes"), 8);
	CHECK_EQ(int_at(p0, "MemoryWorkingSetPrivateBytes"), 9);
	CHECK_EQ(int_at(p0, "MemoryWorkingSetSharedBytes"), 11);
	CHECK_EQ(json_object_size(p1), 2); /* CreateTimestamp (always) and ProcessId */
	CHECK_STR_EQ(str_at(p1, "CreateTimestamp"), "0001-01-01T00:00:00Z");
	json_decref(v);
	empty = hcs_process_list_to_json(NULL, 0);
	CHECK_STR_EQ(empty, "[]");
	free(empty);
}

static void container_properties_use_hcsshim_names(void)
{
	struct hcs_mapped_virtual_disk_slot slots[] = {
		{ .lun = 1, .disk = { .host_path = "/d.vhd", .container_path = "/d", .read_only = true } },
	};
	struct hcs_mapped_virtual_disk_controller ctrls[] = {
		{ .controller = 2 }, { .controller = 10, .disks = slots, .n_disks = 1 },
	};
	struct hcs_schema_version versions[] = { { 2, 1 } };
	struct hcs_process_list_item proc = { .process_id = 7 };
	struct hcs_container_properties p[2] = { {
		.id = "c1", .state = "Running", .name = "c1", .system_type = "Container", .owner = "docker",
		.runtime_os_type = "Linux", .stopped = false, .process_list = &proc, .n_process_list = 1,
		.mapped_virtual_disk_controllers = ctrls, .n_mapped_virtual_disk_controllers = 2,
		.guest_connection_info = { .supported_schema_versions = versions,
					   .n_supported_schema_versions = 1, .protocol_version = 4,
					   .guest_defined_capabilities = { .signal_process_supported = true } },
	}, { .id = "c2", .runtime_id = "9c1b8a51-2f4e-5d37-8a0c-7e2d4b6f1a93" } };
	json_t *v = load(hcs_container_properties_to_json(&p[0])), *gci, *mvd;
	const char *key;
	int order = 0;
	char *text;

	CHECK_STR_EQ(str_at(v, "Id"), "c1");
	CHECK_STR_EQ(str_at(v, "State"), "Running");
	CHECK_STR_EQ(str_at(v, "SystemType"), "Container");
	CHECK_STR_EQ(str_at(v, "RuntimeOsType"), "Linux");
	CHECK_STR_EQ(str_at(v, "RuntimeId"), "00000000-0000-0000-0000-000000000000");
	CHECK(!json_object_get(v, "SiloGuid") && !json_object_get(v, "Stopped"));
	CHECK(json_is_object(json_object_get(v, "Statistics")));
	CHECK_EQ(int_at(json_array_get(json_object_get(v, "ProcessList"), 0), "ProcessId"), 7);
	mvd = json_object_get(v, "MappedVirtualDiskControllers");
	json_object_foreach(mvd, key, gci) /* Go sorts int keys as strings */
		CHECK_STR_EQ(key, order++ ? "2" : "10");
	CHECK_EQ(json_object_size(json_object_get(mvd, "2")), 0);
	gci = json_object_get(json_object_get(json_object_get(mvd, "10"), "MappedVirtualDisks"), "1");
	CHECK_STR_EQ(str_at(gci, "HostPath"), "/d.vhd");
	CHECK(json_is_true(json_object_get(gci, "ReadOnly")));
	CHECK(json_is_false(json_object_get(gci, "AttachOnly")));
	gci = json_object_get(v, "GuestConnectionInfo");
	CHECK_EQ(int_at(json_array_get(json_object_get(gci, "SupportedSchemaVersions"), 0), "Major"), 2);
	CHECK_EQ(int_at(json_array_get(json_object_get(gci, "SupportedSchemaVersions"), 0), "Minor"), 1);
	CHECK_EQ(int_at(gci, "ProtocolVersion"), 4);
	CHECK(json_is_true(json_object_get(json_object_get(gci, "GuestDefinedCapabilities"),
					   "SignalProcessSupported")));
	json_decref(v);

	text = hcs_container_properties_list_to_json(p, 2);
	CHECK_STR_CONTAINS(text, "[{\"Id\":\"c1\",\"State\":\"Running\",\"Name\":\"c1\"");
	CHECK_STR_CONTAINS(text, "{\"Id\":\"c2\",\"State\":\"\",\"Name\":\"\",\"SystemType\":\"\",\"Owner\":\"\","
				 "\"RuntimeId\":\"9c1b8a51-2f4e-5d37-8a0c-7e2d4b6f1a93\",\"Statistics\":{");
	CHECK_STR_CONTAINS(text, "\"GuestConnectionInfo\":{\"GuestDefinedCapabilities\":{}}}]");
	free(text);
}

static void times_are_written_like_go(void)
{
	char buf[40];

	CHECK_STR_EQ(hcs_format_time(&(struct timespec){ 0, 0 }, buf), "0001-01-01T00:00:00Z");
	CHECK_STR_EQ(hcs_format_time(&(struct timespec){ 1548324000, 0 }, buf), "2019-01-24T10:00:00Z");
	CHECK_STR_EQ(hcs_format_time(&(struct timespec){ 1548324000, 1 }, buf),
		     "2019-01-24T10:00:00.000000001Z");
	CHECK_STR_EQ(hcs_format_time(&(struct timespec){ 1548324000, 120000000 }, buf),
		     "2019-01-24T10:00:00.12Z");
	CHECK_STR_EQ(hcs_format_time(&(struct timespec){ 1, 0 }, buf), "1970-01-01T00:00:01Z");
}

TEST_LIST(T(start_process_config_keeps_the_oci_spec_verbatim),
	  T(exec_process_config_round_trips_byte_for_byte),
	  T(process_config_problems_are_named),
	  T(oci_spec_is_found_wherever_it_sits_and_however_its_key_is_escaped),
	  T(process_config_built_in_c_writes_sorted_environment),
	  T(query_reads_hcsshim_names_and_matches),
	  T(resource_modification_reads_but_networking_is_refused),
	  T(resource_modification_maps_folders),
	  T(statistics_use_hcsshim_names_and_go_times),
	  T(process_list_uses_hcsshim_names),
	  T(container_properties_use_hcsshim_names),
	  T(times_are_written_like_go));
TEST_MAIN("schema-process")
