/* uvmrun's container commands (cli-hcs.h) on top of libhcs: run, create,
 * start, exec, kill, shutdown, terminate, wait, delete, list, ps, stats,
 * inspect, pause, resume, and `host` (the detached per-VM process). */
#include "cli-hcs.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../vmm/fileio.h"
#include "../vmm/vmm.h"
#include "cli-io.h"
#include "layer-build.h"
#include "hcs.h"
#include "uvm-host.h"
#include "uvm-state.h"

#define CLI_FAIL UVM_EXIT_VMM_ERROR

struct cli_opts {
	const char *root;
	const char *id;
	bool tty, interactive, uvm, keep, json;
	int pid;
	const char *query;
	const char *workdir;
	const char *jail_user;
	int first_arg;                /* index of the first positional argument */
};

static int fail(const char *cmd, const struct hcs_error *err)
{
	fprintf(stderr, "uvmrun: %s: %s (%s)\n", cmd, err->msg, hcs_error_kind_name(err->kind));
	return CLI_FAIL;
}

/* Options shared by the commands; stops at the first positional argument
 * or "--". */
static int parse_opts(int argc, char **argv, struct cli_opts *o, const char *usage)
{
	static const struct option options[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "id", required_argument, NULL, 'n' },
		{ "tty", no_argument, NULL, 't' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "uvm", no_argument, NULL, 'u' },
		{ "keep", no_argument, NULL, 'k' },
		{ "query", required_argument, NULL, 'q' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ "pid", required_argument, NULL, 'p' },
		{ "jail-user", required_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt;

	memset(o, 0, sizeof(*o));
	o->root = getenv("UVMRUN_ROOT") ? getenv("UVMRUN_ROOT") : HCS_DEFAULT_ROOT;
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+:tih", options, NULL)) != -1) {
		switch (opt) {
		case 'r': o->root = optarg; break;
		case 'n': o->id = optarg; break;
		case 't': o->tty = true; break;
		case 'i': o->interactive = true; break;
		case 'u': o->uvm = true; break;
		case 'k': o->keep = true; break;
		case 'q': o->query = optarg; break;
		case 'w': o->workdir = optarg; break;
		case 'j': o->json = true; break;
		case 'p': o->pid = atoi(optarg); break;
		case 'J': o->jail_user = optarg; break;
		case 'h': printf("Usage: uvmrun %s %s\n", argv[0], usage); return 1;
		default:
			fprintf(stderr, "uvmrun: %s: bad option '%s'\nUsage: uvmrun %s %s\n", argv[0],
				argv[optind - 1], argv[0], usage);
			return -1;
		}
	}
	o->first_arg = optind;
	return 0;
}

static char *read_config(const char *path)
{
	struct uvm_error err = { 0 };
	uint8_t *data = NULL;
	size_t len = 0;
	char *text;

	if (read_file(path, 4 << 20, &data, &len, &err) < 0) {
		fprintf(stderr, "uvmrun: %s\n", err.msg);
		return NULL;
	}
	text = realloc(data, len + 1);
	if (!text) {
		free(data);
		return NULL;
	}
	text[len] = '\0';
	return text;
}

/* The config's Name, the id when none is given. */
static char *config_name(const char *json)
{
	json_t *v = json_loads(json, 0, NULL);
	const char *name = json_string_value(json_object_get(v, "Name"));
	char *copy = name ? strdup(name) : NULL;

	json_decref(v);
	return copy;
}

/* A ProcessConfig for argv (NULL: the image's shell) with our streams. */
static char *process_config(const struct cli_opts *o, int argc, char **argv)
{
	json_t *pc = json_object(), *args = json_array();
	unsigned rows = 0, cols = 0;
	char *text;

	for (int i = 0; i < argc; i++)
		json_array_append_new(args, json_string(argv[i]));
	if (!argc)
		json_array_append_new(args, json_string("/bin/sh"));
	json_object_set_new(pc, "CommandArgs", args);
	json_object_set_new(pc, "CreateStdInPipe", json_boolean(o->interactive));
	json_object_set_new(pc, "CreateStdOutPipe", json_true());
	json_object_set_new(pc, "CreateStdErrPipe", json_boolean(!o->tty));
	json_object_set_new(pc, "EmulateConsole", json_boolean(o->tty));
	if (o->tty) {
		const char *term = getenv("TERM");

		json_object_set_new(pc, "Environment",
				    json_pack("{s:s}", "TERM", term && *term ? term : "xterm"));
		if (cli_console_size(&rows, &cols) == 0)
			json_object_set_new(pc, "ConsoleSize", json_pack("[i,i]", (int)rows, (int)cols));
	}
	if (o->workdir)
		json_object_set_new(pc, "WorkingDirectory", json_string(o->workdir));
	if (o->uvm)
		json_object_set_new(pc, "CreateInUtilityVm", json_true());
	text = json_dumps(pc, JSON_COMPACT);
	json_decref(pc);
	return text;
}

static int run_process(struct hcs_system *s, const struct cli_opts *o, int argc, char **argv,
		       int *code)
{
	char *pc = process_config(o, argc, argv);
	struct hcs_process *p;
	struct hcs_error err = { 0 };
	int ret;

	if (!pc)
		return -1;
	ret = hcs_create_process(s, pc, &p, &err);
	free(pc);
	if (ret < 0) {
		fail("process", &err);
		return -1;
	}
	ret = cli_attach(p, o->tty, code, &err);
	if (ret < 0 && (err.kind == HCS_E_ALREADY_STOPPED || err.kind == HCS_E_UNEXPECTED_EXIT)) {
		/* The VM stopped under the process: it was killed with it. */
		fprintf(stderr, "uvmrun: process %d: its compute system stopped\n", hcs_process_pid(p));
		*code = 128 + SIGKILL;
		ret = 0;
	} else if (ret < 0) {
		fail("process", &err);
	}
	hcs_process_close(p);
	return ret;
}

/* Shut the system down (terminate after 30 s) and wait for its end. */
static void stop_system(struct hcs_system *s)
{
	struct hcs_error err = { 0 };

	if (hcs_shutdown(s, &err) < 0 || hcs_wait_timeout(s, 30000, &err) < 0) {
		hcs_terminate(s, &err);
		hcs_wait_timeout(s, 30000, &err);
	}
}

static int cmd_run(int argc, char **argv)
{
	struct cli_opts o;
	struct hcs_system *s = NULL;
	struct hcs_error err = { 0 };
	char *config, *name = NULL;
	const char *id;
	int code = CLI_FAIL, ret;

	if ((ret = parse_opts(argc, argv, &o, "[--root DIR] [--id ID] [-t] [-i] [--keep] [--workdir DIR] "
			      "[--jail-user UID[:GID]] CONFIG.json [COMMAND [ARG...]]")))
		return ret > 0 ? 0 : CLI_FAIL;
	if (o.first_arg >= argc) {
		fprintf(stderr, "uvmrun: run: no ContainerConfig file given\n");
		return CLI_FAIL;
	}
	if (o.jail_user)
		setenv("UVMRUN_JAIL_USER", o.jail_user, 1);
	if (!(config = read_config(argv[o.first_arg])))
		return CLI_FAIL;
	id = o.id ? o.id : (name = config_name(config));
	if (!id) {
		fprintf(stderr, "uvmrun: run: the config has no Name; give --id\n");
		free(config);
		return CLI_FAIL;
	}
	if (hcs_create(o.root, id, config, &s, &err) < 0) {
		fail("create", &err);
		goto out;
	}
	if (hcs_start(s, &err) < 0) {
		fail("start", &err);
		stop_system(s);
		goto cleanup;
	}
	if (run_process(s, &o, argc - o.first_arg - 1, argv + o.first_arg + 1, &code) < 0)
		code = CLI_FAIL;
	stop_system(s);
cleanup:
	hcs_close(s);
	if (!o.keep && hcs_delete(o.root, id, &err) < 0)
		fail("delete", &err);
out:
	free(config);
	free(name);
	return code;
}

static int cmd_create(int argc, char **argv)
{
	struct cli_opts o;
	struct hcs_system *s;
	struct hcs_error err = { 0 };
	char *config, *name = NULL;
	const char *id;
	int ret;

	if ((ret = parse_opts(argc, argv, &o, "[--root DIR] [--id ID] [--jail-user UID[:GID]] CONFIG.json")))
		return ret > 0 ? 0 : CLI_FAIL;
	if (o.first_arg != argc - 1) {
		fprintf(stderr, "uvmrun: create: give one ContainerConfig file\n");
		return CLI_FAIL;
	}
	if (o.jail_user)
		setenv("UVMRUN_JAIL_USER", o.jail_user, 1);
	if (!(config = read_config(argv[o.first_arg])))
		return CLI_FAIL;
	id = o.id ? o.id : (name = config_name(config));
	ret = 0;
	if (!id) {
		fprintf(stderr, "uvmrun: create: the config has no Name; give --id\n");
		ret = CLI_FAIL;
	} else if (hcs_create(o.root, id, config, &s, &err) < 0) {
		ret = fail("create", &err);
	} else {
		printf("%s\n", id);
		hcs_close(s);
	}
	free(config);
	free(name);
	return ret;
}

/* Commands that take one id and make one call. */
static int cmd_simple(int argc, char **argv)
{
	struct cli_opts o;
	struct hcs_system *s;
	struct hcs_error err = { 0 };
	const char *cmd = argv[0];
	char *json = NULL, state[32];
	int ret;

	if ((ret = parse_opts(argc, argv, &o, "[--root DIR] [--json] ID")))
		return ret > 0 ? 0 : CLI_FAIL;
	if (o.first_arg != argc - 1) {
		fprintf(stderr, "uvmrun: %s: give one compute system id\n", cmd);
		return CLI_FAIL;
	}
	if (strcmp(cmd, "delete") == 0)
		return hcs_delete(o.root, argv[o.first_arg], &err) < 0 ? fail(cmd, &err) : 0;
	if (hcs_open(o.root, argv[o.first_arg], &s, &err) < 0)
		return fail(cmd, &err);
	if (strcmp(cmd, "start") == 0)
		ret = hcs_start(s, &err);
	else if (strcmp(cmd, "shutdown") == 0)
		ret = hcs_shutdown(s, &err);
	else if (strcmp(cmd, "terminate") == 0)
		ret = hcs_terminate(s, &err);
	else if (strcmp(cmd, "pause") == 0)
		ret = hcs_pause(s, &err);
	else if (strcmp(cmd, "resume") == 0)
		ret = hcs_resume(s, &err);
	else if (strcmp(cmd, "state") == 0 && (ret = hcs_state(s, state, sizeof(state), &err)) == 0)
		printf("%s\n", state);
	else if (strcmp(cmd, "wait") == 0 && (ret = hcs_wait(s, &err)) == 0) {
		int status = 0;

		hcs_exit_status(s, &status, &err);
		printf("%d\n", status);
	} else if (strcmp(cmd, "ps") == 0)
		ret = hcs_process_list(s, &json, &err);
	else if (strcmp(cmd, "stats") == 0)
		ret = hcs_statistics(s, &json, &err);
	else if (strcmp(cmd, "inspect") == 0)
		ret = hcs_properties(s, &json, &err);
	if (ret == 0 && json && o.json) {
		printf("%s\n", json);
	} else if (ret == 0 && json) {
		json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);
		char *pretty = v ? json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY) : NULL;

		printf("%s\n", pretty ? pretty : json);
		free(pretty);
		json_decref(v);
	}
	free(json);
	hcs_close(s);
	return ret < 0 ? fail(cmd, &err) : 0;
}

static int cmd_exec(int argc, char **argv)
{
	struct cli_opts o;
	struct hcs_system *s;
	struct hcs_error err = { 0 };
	int code = CLI_FAIL, ret;

	if ((ret = parse_opts(argc, argv, &o, "[--root DIR] [-t] [-i] [--uvm] [--workdir DIR] "
			      "ID COMMAND [ARG...]")))
		return ret > 0 ? 0 : CLI_FAIL;
	if (o.first_arg >= argc - 1) {
		fprintf(stderr, "uvmrun: exec: give a compute system id and a command\n");
		return CLI_FAIL;
	}
	if (hcs_open(o.root, argv[o.first_arg], &s, &err) < 0)
		return fail("exec", &err);
	if (run_process(s, &o, argc - o.first_arg - 1, argv + o.first_arg + 1, &code) < 0)
		code = CLI_FAIL;
	hcs_close(s);
	return code;
}

static int cmd_kill(int argc, char **argv)
{
	struct cli_opts o;
	struct hcs_system *s;
	struct hcs_process *p;
	struct hcs_error err = { 0 };
	int sig = SIGTERM, ret;

	if ((ret = parse_opts(argc, argv, &o, "[--root DIR] [--pid PID] ID [SIGNAL]   "
			      "(default: SIGTERM to the container's init)")))
		return ret > 0 ? 0 : CLI_FAIL;
	if (argc - o.first_arg < 1 || argc - o.first_arg > 2) {
		fprintf(stderr, "uvmrun: kill: give an id and maybe a signal number\n");
		return CLI_FAIL;
	}
	if (argc - o.first_arg == 2)
		sig = atoi(argv[o.first_arg + 1]);
	if (hcs_open(o.root, argv[o.first_arg], &s, &err) < 0)
		return fail("kill", &err);
	ret = hcs_open_process(s, o.pid, &p, &err);
	if (ret == 0) {
		ret = hcs_process_signal(p, sig, &err);
		hcs_process_close(p);
	}
	hcs_close(s);
	return ret < 0 ? fail("kill", &err) : 0;
}

static int cmd_list(int argc, char **argv)
{
	struct cli_opts o;
	struct hcs_error err = { 0 };
	char *json;
	json_t *list, *item;
	size_t i;
	int ret;

	if ((ret = parse_opts(argc, argv, &o, "[--root DIR] [--json] [--query ComputeSystemQuery-JSON]")))
		return ret > 0 ? 0 : CLI_FAIL;
	if (hcs_enumerate(o.root, o.query, &json, &err) < 0)
		return fail("list", &err);
	if (o.json) {
		printf("%s\n", json);
		free(json);
		return 0;
	}
	list = json_loads(json, 0, NULL);
	free(json);
	printf("%-24s %-10s %-24s %s\n", "ID", "STATE", "NAME", "OWNER");
	json_array_foreach(list, i, item) {
		const char *owner = json_string_value(json_object_get(item, "Owner"));

		printf("%-24s %-10s %-24s %s\n", json_string_value(json_object_get(item, "Id")),
		       json_string_value(json_object_get(item, "State")),
		       json_string_value(json_object_get(item, "Name")), owner ? owner : "");
	}
	json_decref(list);
	return 0;
}

static int cmd_mklayer(int argc, char **argv)
{
	struct cli_opts o;
	struct uvm_error err = { 0 };
	uint64_t size = 0;
	int ret;

	if ((ret = parse_opts(argc, argv, &o, "SRC OUT   SRC: a folder, a .tar or a .tar.gz; "
			      "OUT: a raw image, or a fixed VHD when it ends in .vhd")))
		return ret > 0 ? 0 : CLI_FAIL;
	if (o.first_arg != argc - 2) {
		fprintf(stderr, "uvmrun: mklayer: give a source and an output file\n");
		return CLI_FAIL;
	}
	if (layer_build(argv[o.first_arg], argv[o.first_arg + 1], &size, &err) < 0) {
		fprintf(stderr, "uvmrun: %s\n", err.msg);
		return CLI_FAIL;
	}
	printf("%s: ext4, %llu MiB\n", argv[o.first_arg + 1], (unsigned long long)(size >> 20));
	return 0;
}

/* modify ID REQUEST: a ResourceModificationRequestResponse, as JSON text or
 * a file holding it. */
static int cmd_modify(int argc, char **argv)
{
	struct cli_opts o;
	struct hcs_system *s;
	struct hcs_error err = { 0 };
	char *request;
	int ret;

	if ((ret = parse_opts(argc, argv, &o, "[--root DIR] ID REQUEST.json|'{...}'")))
		return ret > 0 ? 0 : CLI_FAIL;
	if (o.first_arg != argc - 2) {
		fprintf(stderr, "uvmrun: modify: give a compute system id and a "
			"ResourceModificationRequestResponse (JSON or a file)\n");
		return CLI_FAIL;
	}
	request = argv[o.first_arg + 1][0] == '{' ? strdup(argv[o.first_arg + 1])
						  : read_config(argv[o.first_arg + 1]);
	if (!request)
		return CLI_FAIL;
	ret = hcs_open(o.root, argv[o.first_arg], &s, &err);
	if (ret == 0) {
		ret = hcs_modify(s, request, &err);
		hcs_close(s);
	}
	free(request);
	return ret < 0 ? fail("modify", &err) : 0;
}

static int cmd_host(int argc, char **argv)
{
	struct cli_opts o;
	const char *ready = getenv("UVMRUN_READY_FD");
	struct vmm_jail jail = { 0 };
	struct hcs_error err = { 0 };
	int ret;

	if ((ret = parse_opts(argc, argv, &o, "--root DIR ID   (started by libhcs)")))
		return ret > 0 ? 0 : CLI_FAIL;
	if (o.first_arg != argc - 1 || state_check_id(argv[o.first_arg], &err) < 0) {
		fprintf(stderr, "uvmrun: host: give one valid id\n");
		return CLI_FAIL;
	}
	unsetenv("UVMRUN_READY_FD");
	if (o.jail_user) {
		struct uvm_error uerr = { 0 };

		if (vmm_parse_jail_user(o.jail_user, &jail, &uerr) < 0) {
			fprintf(stderr, "uvmrun: host: %s\n", uerr.msg);
			return CLI_FAIL;
		}
	}
	return uvm_host_main(o.root, argv[o.first_arg], ready ? atoi(ready) : -1, &jail);
}

const struct cli_command cli_hcs_commands[] = {
	{ "run", "create, start, run a command in a container, stop, delete", cmd_run },
	{ "create", "create a compute system from a ContainerConfig (not started)", cmd_create },
	{ "start", "boot a compute system's utility VM", cmd_simple },
	{ "exec", "run a process in a running container (or --uvm: in its VM)", cmd_exec },
	{ "kill", "signal a process of a container", cmd_kill },
	{ "shutdown", "stop a container's processes and power its VM off", cmd_simple },
	{ "terminate", "stop a compute system's VM now", cmd_simple },
	{ "wait", "wait for a compute system to stop; print its VM's exit status", cmd_simple },
	{ "delete", "remove a stopped compute system's state", cmd_simple },
	{ "list", "list compute systems", cmd_list },
	{ "state", "print a compute system's state", cmd_simple },
	{ "ps", "a container's processes (ProcessList JSON)", cmd_simple },
	{ "stats", "a container's statistics (Statistics JSON)", cmd_simple },
	{ "inspect", "a compute system's ContainerProperties JSON", cmd_simple },
	{ "modify", "add or remove a mapped folder of a running container", cmd_modify },
	{ "pause", "freeze a compute system's VM", cmd_simple },
	{ "resume", "thaw a paused VM", cmd_simple },
	{ "mklayer", "make a layer disk (ext4, raw or VHD) from a folder, tar or tar.gz", cmd_mklayer },
	{ "host", NULL, cmd_host },
	{ NULL, NULL, NULL },
};
