/* The uvmrun command line: dispatch of subcommands to the libraries. Each
 * command's logic lives with its library; this file only routes and prints. */
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../boot/uvm-image.h"
#include "../vmm/vmm.h"
#include "cli-hcs.h"
#include "vhd-image.h"


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

/* Files installed next to the uvmrun binary (build/ in a checkout). */
static void sibling_path(const char *rel, char *out, size_t cap)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0) {
		snprintf(out, cap, "%s", rel);
		return;
	}
	self[n] = '\0';
	snprintf(out, cap, "%s/%s", dirname(self), rel);
}

static void mkimage_usage(FILE *out)
{
	fprintf(out,
		"Usage: uvmrun mkimage OUTDIR [--kernel-package NAME] [--kernel-root DIR] [--agent PATH]\n"
		"       uvmrun mkimage --vhd OUT.vhd [same options]\n"
		"Write a utility VM image folder: OUTDIR/%s (Debian's kernel) and OUTDIR/%s\n"
		"(the guest agent as /init, crun, mke2fs and the kernel modules the VM needs).\n"
		"With --vhd, one bootable disk instead (HvRuntime BootSource \"Vhd\"): an ext4\n"
		"fixed VHD holding that tree as its root, with %s and %s.\n"
		"\n"
		"  --kernel-package NAME  Debian kernel package (default: what linux-image-amd64\n"
		"                         depends on); downloaded with apt-get, never installed\n"
		"  --kernel-root DIR      use an already unpacked kernel package instead\n"
		"  --agent PATH           the static guest agent (default: guest-agent/uvm-agent\n"
		"                         next to uvmrun)\n",
		UVM_IMAGE_KERNEL, UVM_IMAGE_INITRD, VHD_IMAGE_KERNEL, VHD_IMAGE_INITRD);
}

static int cmd_mkimage(int argc, char **argv)
{
	static const struct option options[] = {
		{ "kernel-package", required_argument, NULL, 'p' },
		{ "kernel-root", required_argument, NULL, 'r' },
		{ "agent", required_argument, NULL, 'a' },
		{ "vhd", required_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct uvm_image_config cfg = { 0 };
	struct uvm_error err = { 0 };
	char agent[PATH_MAX];
	const char *vhd = NULL;
	int opt;

	sibling_path("guest-agent/uvm-agent", agent, sizeof(agent));
	cfg.agent = agent;
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		switch (opt) {
		case 'p': cfg.kernel_package = optarg; break;
		case 'r': cfg.kernel_root = optarg; break;
		case 'a': cfg.agent = optarg; break;
		case 'v': vhd = optarg; break;
		case 'h': mkimage_usage(stdout); return 0;
		default:
			fprintf(stderr, "uvmrun: mkimage: bad option '%s' (see uvmrun mkimage --help)\n",
				argv[optind - 1]);
			return UVM_EXIT_VMM_ERROR;
		}
	}
	if (argc - optind != (vhd ? 0 : 1)) {
		mkimage_usage(stderr);
		return UVM_EXIT_VMM_ERROR;
	}
	if (vhd) {
		if (vhd_image_build(&cfg, vhd, &err) < 0) {
			fprintf(stderr, "uvmrun: mkimage: %s\n", err.msg);
			return UVM_EXIT_VMM_ERROR;
		}
		printf("%s\n", vhd);
		return 0;
	}
	cfg.outdir = argv[optind];
	if (uvm_image_build(&cfg, &err) < 0) {
		fprintf(stderr, "uvmrun: mkimage: %s\n", err.msg);
		return UVM_EXIT_VMM_ERROR;
	}
	printf("%s/%s\n%s/%s\n", cfg.outdir, UVM_IMAGE_KERNEL, cfg.outdir, UVM_IMAGE_INITRD);
	return 0;
}

static const struct cli_command commands[] = {
	{ "boot", "boot a Linux kernel in a VM with its console here", cmd_boot },
	{ "mkimage", "build a utility VM image (kernel + initrd with the guest agent)", cmd_mkimage },
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: uvmrun COMMAND [options]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	for (const struct cli_command *c = cli_hcs_commands; c->name; c++)
		if (c->summary)
			fprintf(out, "  %-10s %s\n", c->name, c->summary);
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
	for (const struct cli_command *c = cli_hcs_commands; c->name; c++)
		if (!strcmp(argv[1], c->name))
			return c->run(argc - 1, argv + 1);
	fprintf(stderr, "uvmrun: unknown command '%s' (see uvmrun --help)\n", argv[1]);
	return UVM_EXIT_VMM_ERROR;
}
