/* The uvmrun command line: dispatch of subcommands to the libraries. Each
 * command's logic lives with its library; this file only routes and prints. */
#include <stdio.h>
#include <string.h>

#include "../vmm/vmm.h"

struct command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

static int cmd_boot(int argc, char **argv)
{
	struct vmm_config cfg;
	struct uvm_error err = { 0 };
	int ret;

	vmm_config_defaults(&cfg);
	ret = vmm_parse_boot_args(argc, argv, &cfg, &err);
	if (ret == 1)
		return 0;
	if (ret < 0) {
		fprintf(stderr, "uvmrun: %s\n", err.msg);
		return UVM_EXIT_VMM_ERROR;
	}
	return vmm_run(&cfg);
}

static const struct command commands[] = {
	{ "boot", "boot a Linux kernel in a VM with its console here", cmd_boot },
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: uvmrun COMMAND [options]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nRun 'uvmrun COMMAND --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return UVM_EXIT_VMM_ERROR;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "uvmrun: unknown command '%s' (see uvmrun --help)\n", argv[1]);
	return UVM_EXIT_VMM_ERROR;
}
