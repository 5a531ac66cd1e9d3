/* uvm-agent: the guest agent program. As PID 1 of a utility VM it sets the
 * system up (init.c), then serves the host over vsock until told to power
 * off; run as an ordinary process (tests) it only serves. Options only here;
 * the work is in the other files. */
#include "agent.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " AGENT_NAME " [--unix-base BASE] [--run-dir DIR] [--crun PATH]\n"
		"           [--sys-block DIR] [--cgroup-root DIR] [--port N]\n"
		"           [--exit-on-disconnect] [--no-init] [--verbose]\n"
		"Serves the uvmrun host over vsock (CID 2, port %u), or over the Unix\n"
		"sockets BASE_<port> with --unix-base. As PID 1 (unless --no-init) it\n"
		"mounts the basic file systems, loads /lib/modules/load-order and powers\n"
		"the VM off when it ends.\n", GCS_PORT);
}

/* PID 1 must never exit: the kernel would panic. */
static void fatal(bool pid1, const char *msg)
{
	agent_log("fatal: %s", msg);
	if (pid1)
		init_power_off();
	exit(1);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "unix-base", required_argument, NULL, 'u' },
		{ "run-dir", required_argument, NULL, 'r' },
		{ "crun", required_argument, NULL, 'c' },
		{ "sys-block", required_argument, NULL, 'b' },
		{ "cgroup-root", required_argument, NULL, 'g' },
		{ "port", required_argument, NULL, 'p' },
		{ "exit-on-disconnect", no_argument, NULL, 'x' },
		{ "no-init", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct agent_options opt = { 0 };
	struct uvm_error err = { 0 };
	struct agent a;
	bool no_init = false;
	int c, ret;

	opterr = getpid() != 1;   /* the kernel may pass PID 1 arguments it did not use */
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'u': opt.unix_base = optarg; break;
		case 'r': opt.run_dir = optarg; break;
		case 'c': opt.crun = optarg; break;
		case 'b': opt.sys_block = optarg; break;
		case 'g': opt.cgroup_root = optarg; break;
		case 'p': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 0);

			if (*end || !v || v > UINT32_MAX) {
				fprintf(stderr, AGENT_NAME ": --port: bad port \"%s\"\n", optarg);
				return 2;
			}
			opt.port = (uint32_t)v;
			break;
		}
		case 'x': opt.exit_on_disconnect = true; break;
		case 'n': no_init = true; break;
		case 'v': opt.verbose = true; break;
		case 'h': usage(stdout); return 0;
		default:
			if (getpid() != 1) {
				usage(stderr);
				return 2;
			}
		}
	}
	if (getenv("UVM_AGENT_VERBOSE"))
		opt.verbose = true;
	opt.pid1 = getpid() == 1 && !no_init;
	if (opt.pid1) {
		/* Run again from the boot disk: the system is set up already. */
		bool switched = getenv("UVM_ROOT_SWITCHED") != NULL;

		/* The console needs /dev first; until then, whatever fd 2 is. */
		if (!switched && init_pid1(&err) < 0) {
			agent_log_init(true, opt.verbose);
			fatal(true, err.msg);
		}
		agent_log_init(true, opt.verbose);
		agent_log("starting as PID 1%s", switched ? " on the boot disk" : "");
		if (!switched) {
			init_load_modules("/lib/modules/load-order");
			init_switch_root();
		}
		if (init_loopback_up(&err) < 0)
			agent_log("loopback: %s", err.msg);
	} else {
		agent_log_init(false, opt.verbose);
	}
	ret = agent_init(&a, &opt, &err);
	if (ret < 0)
		fatal(opt.pid1, err.msg);
	ret = agent_run(&a);
	agent_fini(&a);
	if (opt.pid1)
		init_power_off();
	return ret;
}
