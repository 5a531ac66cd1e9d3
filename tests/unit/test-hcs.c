/* libhcs without KVM: ids that cannot leave the state folder, the control
 * socket's framing against garbage, ContainerConfig -> VM mapping, command
 * lines, the default OCI spec, and the compute system lifecycle up to (not
 * including) booting: create runs a real detached host process (build/uvmrun),
 * other handles open it by id, enumerate, refusals, terminate, a host killed
 * with SIGKILL, delete. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../hcs-api/control-wire.h"
#include "../../hcs-api/hcs.h"
#include "../../hcs-api/process-map.h"
#include "../../hcs-api/uvm-plan.h"
#include "../../hcs-api/uvm-state.h"
#include "test.h"

static void ids_cannot_leave_the_state_folder(void)
{
	static const char *const bad[] = { "", "..", ".", "../x", "a/b", "-x", ".hidden", "a b",
					   "x\n", "\xc3\xa9" };
	char longid[HCS_ID_MAX + 2];
	struct hcs_error err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(state_check_id(bad[i], &err) < 0);
		CHECK_EQ(err.kind, HCS_E_INVALID_DATA);
	}
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	CHECK(state_check_id(longid, &err) < 0);
	longid[HCS_ID_MAX] = '\0';
	CHECK_EQ(state_check_id(longid, &err), 0);
	CHECK_EQ(state_check_id("5e0055c814a6005b8e57ac59f9a52206", &err), 0);
	CHECK_EQ(state_check_id("my-container_1.2", &err), 0);
}

static void control_messages_carry_json_and_descriptors(void)
{
	int sv[2], pfd[2], fds[CONTROL_MAX_FDS];
	size_t nfds = 0;
	json_t *msg = NULL;
	char buf[8] = { 0 };

	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	CHECK_EQ(pipe(pfd), 0);
	msg = json_pack("{s:s}", "op", "hello");
	CHECK_EQ(control_send(sv[0], msg, pfd, 2), 0);
	json_decref(msg);
	CHECK_EQ(control_recv(sv[1], &msg, fds, &nfds), 0);
	CHECK_STR_EQ(json_string_value(json_object_get(msg, "op")), "hello");
	CHECK_EQ(nfds, 2);
	CHECK_EQ(write(fds[1], "hi", 2), 2);
	CHECK_EQ(read(pfd[0], buf, 2), 2);
	CHECK_STR_EQ(buf, "hi");
	json_decref(msg);
	for (size_t i = 0; i < nfds; i++)
		close(fds[i]);
	close(pfd[0]);
	close(pfd[1]);
	/* A clean end between messages. */
	close(sv[0]);
	CHECK_EQ(control_recv(sv[1], &msg, fds, &nfds), -ECONNRESET);
	close(sv[1]);
}

/* Raw bytes in, the receiver's verdict out. */
static int recv_raw(const void *bytes, size_t len)
{
	int sv[2], fds[CONTROL_MAX_FDS], ret;
	size_t nfds;
	json_t *msg = NULL;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -999;
	if (write(sv[0], bytes, len) != (ssize_t)len)
		return -998;
	close(sv[0]);
	ret = control_recv(sv[1], &msg, fds, &nfds);
	json_decref(msg);
	close(sv[1]);
	return ret;
}

static void control_garbage_is_refused(void)
{
	CHECK_EQ(recv_raw("\0\0\0\0", 4), -EPROTO);                    /* empty body */
	CHECK_EQ(recv_raw("\xff\xff\xff\x7f{}", 6), -EPROTO);          /* too long */
	CHECK_EQ(recv_raw("\x05\0\0\0{\"a\"", 8), -EPROTO);            /* cut short */
	CHECK_EQ(recv_raw("\x03\0\0\0abc", 7), -EPROTO);               /* not JSON */
	CHECK_EQ(recv_raw("\x02\0\0\0[]", 6), -EPROTO);                /* not an object */
	CHECK_EQ(recv_raw("\x02\0", 2), -EPROTO);                      /* cut header */
	CHECK_EQ(recv_raw("\x0d\0\0\0{\"a\":1,\"a\":2}", 17), -EPROTO); /* duplicate keys */
	CHECK_EQ(recv_raw("\x02\0\0\0{}", 6), 0);
}

static void error_responses_keep_their_kind(void)
{
	json_t *resp = control_error_response(HCS_E_ALREADY_STOPPED, "gone %d", 7), *result;
	struct hcs_error err = { 0 };

	CHECK(control_parse_response(resp, &result, &err) < 0);
	CHECK(hcs_is_already_stopped(&err));
	CHECK(!hcs_is_not_exist(&err));
	CHECK_STR_EQ(err.msg, "gone 7");
	json_decref(resp);
	resp = control_ok(json_integer(5));
	CHECK_EQ(control_parse_response(resp, &result, &err), 0);
	CHECK_EQ(json_integer_value(result), 5);
	json_decref(resp);
	CHECK_STR_EQ(hcs_error_kind_name(HCS_E_TIMEOUT), "timeout");
}

static const char plan_config[] =
	"{\"SystemType\":\"Container\",\"Name\":\"p\",\"HvPartition\":true,\"ContainerType\":\"Linux\","
	"\"ProcessorCount\":2,\"ProcessorMaximum\":5000,\"ProcessorWeight\":300,\"MemoryMaximumInMB\":1024,"
	"\"StorageIOPSMaximum\":200,\"StorageBandwidthMaximum\":1048576,\"HostName\":\"web\","
	"\"LayerFolderPath\":\"/srv/c1\",\"Layers\":["
	"{\"ID\":\"18955d65-d45a-557b-bf1c-49d6dfefc526\",\"Path\":\"/l/base.vhd\"},"
	"{\"ID\":\"AABBCCDD-d45a-557b-bf1c-49d6dfefc526\",\"Path\":\"/l/top.vhd\"}],"
	"\"MappedDirectories\":[{\"HostPath\":\"/data\",\"ContainerPath\":\"/data\",\"ReadOnly\":true,"
	"\"IOPSMaximum\":10,\"BandwidthMaximum\":4096},"
	"{\"HostPath\":\"/tools\",\"ContainerPath\":\"/opt/tools\",\"CreateInUtilityVM\":true}],"
	"\"MappedVirtualDisks\":[{\"HostPath\":\"/d/extra.img\",\"ContainerPath\":\"/extra\"},"
	"{\"HostPath\":\"/d/raw.img\",\"AttachOnly\":true}],"
	"\"HvRuntime\":{\"ImagePath\":\"/uvm\",\"LinuxBootParameters\":\"loglevel=3\"}}";

static void config_maps_onto_the_vm_and_storage(void)
{
	struct hcs_container_config cc;
	struct uvm_error err = { 0 };
	static struct uvm_plan p;

	CHECK_EQ(hcs_container_config_parse(plan_config, strlen(plan_config), &cc, &err), 0);
	if (err.code)
		printf("#   %s\n", err.msg);
	CHECK_EQ(plan_build(&cc, "/run/uvmrun/p", &p, &err), 0);
	CHECK_STR_EQ(p.vm.kernel, "/uvm/kernel");
	CHECK_STR_EQ(p.vm.initrd, "/uvm/initrd.img");
	CHECK_STR_CONTAINS(p.vm.cmdline, "console=ttyS0");
	CHECK_STR_CONTAINS(p.vm.cmdline, " loglevel=3");
	CHECK_EQ(p.vm.cpus, 2);
	CHECK_EQ(p.vm.memory_mib, 1024);
	CHECK_STR_EQ(p.vm.vsock.path, "/run/uvmrun/p/vsock.sock");
	/* Layers: lowest first in the config, top-most first as disks. */
	CHECK_EQ(p.vm.ndisks, 5);
	CHECK_STR_EQ(p.vm.disks[0].path, "/l/top.vhd");
	CHECK_STR_EQ(p.vm.disks[0].serial, "aabbccddd45a557bbf1c");
	CHECK_STR_EQ(p.vm.disks[1].serial, "18955d65d45a557bbf1c");
	CHECK(p.vm.disks[0].read_only && p.vm.disks[1].read_only);
	CHECK_EQ(p.storage.n_layers, 2);
	CHECK_STR_EQ(p.storage.layers[0].serial, "aabbccddd45a557bbf1c");
	CHECK_STR_EQ(p.vm.disks[2].path, "/srv/c1/scratch.img");
	CHECK(!p.vm.disks[2].read_only);
	CHECK_STR_EQ(p.storage.scratch_serial, "scratch");
	for (unsigned i = 0; i < p.vm.ndisks; i++) {
		CHECK_EQ(p.vm.disks[i].iops, 200);
		CHECK_EQ(p.vm.disks[i].bps, 1048576);
	}
	/* Mapped folders: a 9p device each (a guest mounts a channel once). */
	CHECK_EQ(p.vm.nshares, 2);
	CHECK_STR_EQ(p.vm.shares[0].tag, "md0");
	CHECK_STR_EQ(p.vm.shares[1].name, "md1");
	CHECK(p.vm.shares[0].read_only);
	CHECK_EQ(p.vm.shares[0].iops, 10);
	CHECK_EQ(p.vm.shares[0].bps, 4096);
	CHECK_STR_EQ(p.storage.dirs[0].container_path, "/data");
	CHECK(p.storage.dirs[1].container_path == NULL);
	CHECK_STR_EQ(p.storage.dirs[1].uvm_path, "/opt/tools");
	/* Mapped disks: attached; AttachOnly ones are not mounted. */
	CHECK_STR_EQ(p.vm.disks[3].serial, "mvd0");
	CHECK_EQ(p.storage.n_disks, 1);
	CHECK_STR_EQ(p.storage.disks[0].container_path, "/extra");
	CHECK_STR_EQ(p.host_name, "web");
	CHECK_EQ(p.cpu_weight, 300);
	CHECK_EQ(p.cpu_max_quota_us, 100000);   /* 50% of 2 vCPUs per 100 ms */
	hcs_container_config_free(&cc);
}

static void vhd_boot_disk_and_colliding_serials(void)
{
	static const char vhd[] =
		"{\"SystemType\":\"Container\",\"Name\":\"p\",\"HvPartition\":true,\"ContainerType\":\"Linux\","
		"\"Layers\":[{\"ID\":\"18955d65-d45a-557b-bf1c-49d6dfefc526\",\"Path\":\"/l/a\"}],"
		"\"HvRuntime\":{\"ImagePath\":\"/uvm.vhd\",\"BootSource\":\"Vhd\"}}";
	static const char twins[] =
		"{\"SystemType\":\"Container\",\"Name\":\"p\",\"HvPartition\":true,\"ContainerType\":\"Linux\","
		"\"Layers\":[{\"ID\":\"18955d65-d45a-557b-bf1c-49d6dfefc526\",\"Path\":\"/l/a\"},"
		"{\"ID\":\"18955d65-d45a-557b-bf1c-000000000000\",\"Path\":\"/l/b\"}],"
		"\"HvRuntime\":{\"ImagePath\":\"/uvm\"}}";
	struct hcs_container_config cc;
	struct uvm_error err = { 0 };
	static struct uvm_plan p;

	/* The boot disk goes in read-only; kernel and initrd come out of it. */
	CHECK_EQ(hcs_container_config_parse(vhd, strlen(vhd), &cc, &err), 0);
	CHECK_EQ(plan_build(&cc, "/s", &p, &err), 0);
	CHECK_STR_EQ(p.vm.kernel, "/s/boot-vmlinuz");
	CHECK_STR_EQ(p.vm.initrd, "/s/boot-initrd.img");
	CHECK_STR_EQ(p.boot_disk, "/uvm.vhd");
	CHECK_STR_CONTAINS(p.vm.cmdline, " uvm.root=uvm-boot");
	CHECK(!strstr(p.vm.cmdline, "uvm-boot,rw"));
	CHECK_EQ(p.vm.ndisks, 2);
	CHECK_STR_EQ(p.vm.disks[1].serial, "uvm-boot");
	CHECK(p.vm.disks[1].read_only);
	hcs_container_config_free(&cc);
	CHECK_EQ(hcs_container_config_parse(twins, strlen(twins), &cc, &err), 0);
	CHECK_EQ(plan_build(&cc, "/s", &p, &err), -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "share the disk serial");
	hcs_container_config_free(&cc);
}

static void command_lines_split_like_a_shell(void)
{
	struct uvm_error err = { 0 };
	char **argv = NULL;
	size_t argc = 0;

	CHECK_EQ(split_command_line("  sh -c 'echo \"a b\"'  x\\ y \"q\\\"\" ", &argv, &argc, &err), 0);
	CHECK_EQ(argc, 5);
	if (argc == 5) {
		CHECK_STR_EQ(argv[0], "sh");
		CHECK_STR_EQ(argv[2], "echo \"a b\"");
		CHECK_STR_EQ(argv[3], "x y");
		CHECK_STR_EQ(argv[4], "q\"");
		CHECK(argv[5] == NULL);
	}
	for (size_t i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
	CHECK_EQ(split_command_line("echo 'open", &argv, &argc, &err), -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "unterminated");
}

static void default_spec_runs_the_process_in_its_own_namespaces(void)
{
	static const char pc_json[] =
		"{\"CommandLine\":\"ls -l /\",\"WorkingDirectory\":\"/tmp\",\"EmulateConsole\":true,"
		"\"ConsoleSize\":[30,100],\"Environment\":{\"A\":\"1\"}}";
	struct hcs_process_config pc;
	struct uvm_error err = { 0 };
	json_t *spec, *ns;
	char *text;

	CHECK_EQ(hcs_process_config_parse(pc_json, strlen(pc_json), &pc, &err), 0);
	text = oci_default_spec(&pc, "box");
	CHECK(text != NULL);
	spec = text ? json_loads(text, 0, NULL) : NULL;
	CHECK(spec != NULL);
	CHECK_STR_EQ(json_string_value(json_object_get(spec, "hostname")), "box");
	CHECK_STR_EQ(json_string_value(json_array_get(json_object_get(json_object_get(spec, "process"),
								      "args"), 1)), "-l");
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(spec, "process"), "cwd")), "/tmp");
	CHECK(json_is_true(json_object_get(json_object_get(spec, "process"), "terminal")));
	CHECK_STR_EQ(json_string_value(json_array_get(json_object_get(json_object_get(spec, "process"),
								      "env"), 0)), "A=1");
	ns = json_object_get(json_object_get(spec, "linux"), "namespaces");
	CHECK_EQ(json_array_size(ns), 4);
	json_decref(spec);
	free(text);
	hcs_process_config_free(&pc);
}

/* ---- the lifecycle with a real host process ---- */

static char tmp[64];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static char *lifecycle_config(const char *name)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf),
		 "{\"SystemType\":\"Container\",\"Name\":\"%s\",\"Owner\":\"unit\",\"HvPartition\":true,"
		 "\"ContainerType\":\"Linux\",\"TerminateOnLastHandleClosed\":false,"
		 "\"Layers\":[{\"ID\":\"18955d65-d45a-557b-bf1c-49d6dfefc526\",\"Path\":\"%s/layer.img\"}],"
		 "\"MappedVirtualDisks\":[{\"HostPath\":\"%s/layer.img\",\"ContainerPath\":\"/data\"}],"
		 "\"LayerFolderPath\":\"%s/scratch\",\"HvRuntime\":{\"ImagePath\":\"%s/uvm\"}}",
		 name, tmp, tmp, tmp, tmp);
	return buf;
}

static bool setup_tree(char *root, size_t size)
{
	char path[128];
	int fd;

	snprintf(tmp, sizeof(tmp), "/tmp/hcs-test-XXXXXX");
	if (!mkdtemp(tmp))
		return false;
	snprintf(path, sizeof(path), "%s/uvm", tmp);
	mkdir(path, 0755);
	for (int i = 0; i < 3; i++) {
		static const char *const files[] = { "uvm/kernel", "uvm/initrd.img", "layer.img" };

		snprintf(path, sizeof(path), "%s/%s", tmp, files[i]);
		fd = open(path, O_WRONLY | O_CREAT, 0644);
		if (fd < 0)
			return false;
		close(fd);
	}
	snprintf(root, size, "%s/state", tmp);
	/* The host processes are this build's uvmrun. */
	setenv("UVMRUN_BINARY", getenv("UVMRUN_BINARY") ? getenv("UVMRUN_BINARY") : "build/uvmrun", 1);
	return true;
}

static void lifecycle_before_boot(void)
{
	struct hcs_system *s = NULL, *other = NULL;
	struct hcs_process *p = NULL;
	struct hcs_error err = { 0 };
	char root[96], state[32], *json = NULL;
	int status = -1;

	if (!setup_tree(root, sizeof(root))) {
		CHECK(!"temporary tree");
		return;
	}
	CHECK_EQ(hcs_create(root, "c1", lifecycle_config("c1"), &s, &err), 0);
	if (!s) {
		printf("#   create: %s\n", err.msg);
		goto out;
	}
	CHECK_EQ(hcs_state(s, state, sizeof(state), &err), 0);
	CHECK_STR_EQ(state, "Created");
	/* Another handle, by id, sees the same system. */
	CHECK_EQ(hcs_open(root, "c1", &other, &err), 0);
	CHECK_EQ(hcs_state(other, state, sizeof(state), &err), 0);
	CHECK_STR_EQ(state, "Created");
	{
		struct hcs_system *dup = NULL;

		CHECK(hcs_create(root, "c1", lifecycle_config("c1"), &dup, &err) < 0);
		CHECK(hcs_is_already_exists(&err));
		CHECK(dup == NULL);
	}
	CHECK_EQ(hcs_enumerate(root, "{\"Owners\":[\"unit\"]}", &json, &err), 0);
	CHECK_STR_CONTAINS(json, "\"Id\":\"c1\"");
	CHECK_STR_CONTAINS(json, "\"State\":\"Created\"");
	free(json);
	CHECK_EQ(hcs_mapped_virtual_disks(s, &json, &err), 0);
	CHECK_STR_CONTAINS(json, "\"ContainerPath\":\"/data\"");
	free(json);
	CHECK_EQ(hcs_enumerate(root, "{\"Owners\":[\"nobody\"]}", &json, &err), 0);
	CHECK_STR_EQ(json, "[]");
	free(json);
	CHECK(hcs_create_process(s, "{\"CommandLine\":\"true\"}", &p, &err) < 0);
	CHECK_EQ(err.kind, HCS_E_INVALID_STATE);
	CHECK(hcs_delete(root, "c1", &err) < 0);
	CHECK_EQ(err.kind, HCS_E_INVALID_STATE);
	CHECK(hcs_modify(s, "{\"ResourceType\":\"Network\",\"RequestType\":\"Add\",\"Settings\":{}}",
			 &err) < 0);
	CHECK(hcs_wait_timeout(s, 100, &err) < 0);
	CHECK(hcs_is_timeout(&err));
	CHECK_EQ(hcs_terminate(other, &err), 0);
	CHECK_EQ(hcs_wait_timeout(s, 10000, &err), 0);
	CHECK_EQ(hcs_exit_status(s, &status, &err), 0);
	CHECK_EQ(status, 0);
	for (int i = 0; i < 50 && hcs_state(s, state, sizeof(state), &err) == 0 &&
			strcmp(state, "Stopped"); i++)
		usleep(100000);
	CHECK_STR_EQ(state, "Stopped");
	CHECK(hcs_start(s, &err) < 0);
	hcs_close(other);
	hcs_close(s);
	s = NULL;
	CHECK_EQ(hcs_delete(root, "c1", &err), 0);
	CHECK(hcs_open(root, "c1", &s, &err) < 0);
	CHECK(hcs_is_not_exist(&err));
out:
	nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void killed_host_reads_as_stopped_and_bad_configs_leave_nothing(void)
{
	struct hcs_system *s = NULL;
	struct hcs_error err = { 0 };
	char root[96], state[32], path[160], *bad;
	int pid;

	if (!setup_tree(root, sizeof(root))) {
		CHECK(!"temporary tree");
		return;
	}
	CHECK_EQ(hcs_create(root, "k1", lifecycle_config("k1"), &s, &err), 0);
	if (!s)
		goto out;
	snprintf(path, sizeof(path), "%s/k1/host.pid", root);
	pid = state_host_pid(root, "k1");
	CHECK(pid > 0);
	if (pid > 0)
		kill(pid, SIGKILL);
	for (int i = 0; i < 50 && state_host_alive(root, "k1"); i++)
		usleep(100000);
	CHECK_EQ(hcs_state(s, state, sizeof(state), &err), 0);
	CHECK_STR_EQ(state, "Stopped");
	hcs_close(s);
	CHECK_EQ(hcs_delete(root, "k1", &err), 0);
	CHECK(access(path, F_OK) < 0);

	/* A config asking for more memory than the host has and one that
	 * fails validation: errors, and the state folder stays empty. */
	bad = lifecycle_config("b1");
	memmove(bad + 1 + strlen("\"MemoryMaximumInMB\":4194304,"), bad + 1, strlen(bad));
	memcpy(bad + 1, "\"MemoryMaximumInMB\":4194304,", strlen("\"MemoryMaximumInMB\":4194304,"));
	CHECK(hcs_create(root, "b1", bad, &s, &err) < 0);
	CHECK_STR_CONTAINS(err.msg, "MemoryMaximumInMB");
	CHECK(hcs_create(root, "b2", "{\"SystemType\":\"Container\"}", &s, &err) < 0);
	CHECK(hcs_is_invalid_data(&err));
	CHECK(hcs_create(root, "../b3", lifecycle_config("b3"), &s, &err) < 0);
	snprintf(path, sizeof(path), "%s/b1", root);
	CHECK(access(path, F_OK) < 0);
	snprintf(path, sizeof(path), "%s/b2", root);
	CHECK(access(path, F_OK) < 0);
out:
	nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void last_handle_closed_terminates_when_asked(void)
{
	struct hcs_system *s = NULL, *other = NULL;
	struct hcs_error err = { 0 };
	char root[96], *config;
	int status = -1;

	if (!setup_tree(root, sizeof(root))) {
		CHECK(!"temporary tree");
		return;
	}
	config = lifecycle_config("t1");
	{
		char *flag = strstr(config, "\"TerminateOnLastHandleClosed\":false");

		CHECK(flag != NULL);
		if (flag)
			memcpy(flag + strlen("\"TerminateOnLastHandleClosed\":"), "true ", 5);
	}
	CHECK_EQ(hcs_create(root, "t1", config, &s, &err), 0);
	CHECK_EQ(hcs_open(root, "t1", &other, &err), 0);
	hcs_close(s);
	usleep(300000);
	CHECK(state_host_alive(root, "t1"));        /* one handle is still open */
	hcs_close(other);
	for (int i = 0; i < 50 && state_host_alive(root, "t1"); i++)
		usleep(100000);
	CHECK(!state_host_alive(root, "t1"));
	CHECK_EQ(state_exit_status(root, "t1", &status), 0);
	CHECK_EQ(hcs_delete(root, "t1", &err), 0);
	nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

TEST_LIST(T(ids_cannot_leave_the_state_folder), T(control_messages_carry_json_and_descriptors),
	  T(control_garbage_is_refused), T(error_responses_keep_their_kind),
	  T(config_maps_onto_the_vm_and_storage), T(vhd_boot_disk_and_colliding_serials),
	  T(command_lines_split_like_a_shell), T(default_spec_runs_the_process_in_its_own_namespaces),
	  T(lifecycle_before_boot), T(killed_host_reads_as_stopped_and_bad_configs_leave_nothing),
	  T(last_handle_closed_terminates_when_asked));
TEST_MAIN("hcs")
