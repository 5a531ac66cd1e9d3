/* Command-line options of `uvmrun boot` (vmm.h). */
#include "vmm.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vm.h"

void vmm_config_defaults(struct vmm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->cmdline = VMM_DEFAULT_CMDLINE;
	cfg->cpus = VMM_DEFAULT_CPUS;
	cfg->memory_mib = VMM_DEFAULT_MEMORY_MIB;
	cfg->console_in = STDIN_FILENO;
	cfg->console_out = STDOUT_FILENO;
}

void vmm_boot_usage(FILE *out, const char *prog)
{
	fprintf(out,
		"Usage: %s boot --kernel PATH [options]\n"
		"Boot a Linux kernel (bzImage) in a KVM virtual machine with its console on\n"
		"this terminal.\n"
		"\n"
		"Options:\n"
		"  --kernel PATH     bzImage to boot (required)\n"
		"  --initrd PATH     initial ramdisk (cpio, optionally compressed)\n"
		"  --cmdline STR     kernel command line (default \"%s\")\n"
		"  --cpus N          virtual CPUs, 1-%d (default %d)\n"
		"  --memory MIB      guest RAM in MiB (default %d)\n"
		"  --timeout SEC     kill the VM after SEC seconds and exit with 124\n"
		"  --disk PATH[,ro][,serial=ID][,iops=N][,bps=N]\n"
		"                    a virtio-blk disk from a raw or VHD image (detected by\n"
		"                    content); repeatable, the guest sees vda, vdb, ... in\n"
		"                    order; serial is up to 20 bytes; iops and bps cap the\n"
		"                    disk's operations and bytes per second\n"
		"  --share DIR,tag=TAG[,name=NAME][,ro][,iops=N][,bps=N]\n"
		"                    share a host folder over virtio-9p (9P2000.L); the guest\n"
		"                    mounts it with: mount -t 9p -o trans=virtio TAG /mnt;\n"
		"                    shares with the same tag are one device, picked by\n"
		"                    aname=NAME (NAME defaults to the tag); repeatable\n"
		"  --vsock PATH[,cid=N]\n"
		"                    a virtio-vsock device (guest CID N, default 3); host\n"
		"                    programs connect to the Unix socket PATH and write\n"
		"                    \"CONNECT <port>\\n\"; guest connections to host port P\n"
		"                    reach the Unix socket PATH_P\n"
		"  --report-memory   at exit, print the VMM's peak RSS and the guest memory\n"
		"                    it touched to stderr\n"
		"  --no-seccomp      do not confine the VMM to its system call allow-list\n"
		"  --jail-user UID[:GID]  run the VMM as this user, in its own mount namespace\n"
		"                    where only the VM's files are visible (needs root)\n"
		"                    (for debugging the VMM; the filter is on by default)\n"
		"  -h, --help        show this help\n"
		"\n"
		"Console: the guest's ttyS0 is this process's stdout; stdin is forwarded\n"
		"when it is a terminal (raw mode; Ctrl-A x quits, Ctrl-A Ctrl-A sends Ctrl-A)\n"
		"or a pipe.\n"
		"\n"
		"Exit status:\n"
		"  0        the guest powered off\n"
		"  N        the guest wrote byte N to I/O port 0xf4\n"
		"  %d      the guest rebooted (or triple-faulted)\n"
		"  %d      the guest kernel panicked\n"
		"  %d      --timeout expired; the VM was killed\n"
		"  %d      uvmrun failed (bad arguments, no usable /dev/kvm, bad files)\n"
		"  128+N    uvmrun got signal N (130 also for Ctrl-A x)\n",
		prog, VMM_DEFAULT_CMDLINE, VM_MAX_VCPUS, VMM_DEFAULT_CPUS, VMM_DEFAULT_MEMORY_MIB,
		UVM_EXIT_REBOOT, UVM_EXIT_PANIC, UVM_EXIT_TIMEOUT, UVM_EXIT_VMM_ERROR);
}

static int parse_uint(const char *opt, const char *s, unsigned long long max,
		      unsigned long long *out, struct uvm_error *err)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (*s == '-' || *s == '\0')
		return uvm_err(err, -EINVAL, "%s: '%s' is not a positive number", opt, s);
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return uvm_err(err, -EINVAL, "%s: '%s' is not a positive number", opt, s);
	if (v == 0 || v > max)
		return uvm_err(err, -ERANGE, "%s: %s is outside 1..%llu", opt, s, max);
	*out = v;
	return 0;
}

int vmm_parse_jail_user(const char *spec, struct vmm_jail *jail, struct uvm_error *err)
{
	unsigned long uid, gid;
	char *end;

	errno = 0;
	uid = strtoul(spec, &end, 10);
	gid = uid;
	if (!errno && *end == ':' && end[1])
		gid = strtoul(end + 1, &end, 10);
	if (errno || *end || end == spec || *spec == '-' || uid == 0 || uid > 0xfffffffeUL ||
	    gid == 0 || gid > 0xfffffffeUL)
		return uvm_err(err, -EINVAL, "--jail-user: '%s' is not UID[:GID] (numbers, not 0)",
			       spec);
	jail->enabled = true;
	jail->uid = (unsigned)uid;
	jail->gid = (unsigned)gid;
	return 0;
}

int vmm_parse_boot_args(int argc, char **argv, struct vmm_config *cfg, struct uvm_error *err)
{
	enum { OPT_KERNEL = 256, OPT_INITRD, OPT_CMDLINE, OPT_CPUS, OPT_MEMORY, OPT_TIMEOUT,
	       OPT_REPORT_MEMORY, OPT_DISK, OPT_SHARE, OPT_VSOCK, OPT_NO_SECCOMP, OPT_JAIL_USER };
	static const struct option options[] = {
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "initrd", required_argument, NULL, OPT_INITRD },
		{ "cmdline", required_argument, NULL, OPT_CMDLINE },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "memory", required_argument, NULL, OPT_MEMORY },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "report-memory", no_argument, NULL, OPT_REPORT_MEMORY },
		{ "disk", required_argument, NULL, OPT_DISK },
		{ "share", required_argument, NULL, OPT_SHARE },
		{ "vsock", required_argument, NULL, OPT_VSOCK },
		{ "no-seccomp", no_argument, NULL, OPT_NO_SECCOMP },
		{ "jail-user", required_argument, NULL, OPT_JAIL_USER },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	unsigned long long v;
	char *end;
	int opt, ret;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+:h", options, NULL)) != -1) {
		switch (opt) {
		case OPT_KERNEL:
			cfg->kernel = optarg;
			break;
		case OPT_INITRD:
			cfg->initrd = optarg;
			break;
		case OPT_CMDLINE:
			cfg->cmdline = optarg;
			break;
		case OPT_CPUS:
			if ((ret = parse_uint("--cpus", optarg, VM_MAX_VCPUS, &v, err)) < 0)
				return ret;
			cfg->cpus = (unsigned)v;
			break;
		case OPT_MEMORY:
			if ((ret = parse_uint("--memory", optarg, 1ULL << 22, &v, err)) < 0)
				return ret;
			cfg->memory_mib = v;
			break;
		case OPT_TIMEOUT:
			errno = 0;
			cfg->timeout_sec = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(cfg->timeout_sec > 0) ||
			    cfg->timeout_sec > 1e7)
				return uvm_err(err, -EINVAL, "--timeout: '%s' is not a number of seconds above 0",
					       optarg);
			break;
		case OPT_REPORT_MEMORY:
			cfg->report_memory = true;
			break;
		case OPT_NO_SECCOMP:
			cfg->no_seccomp = true;
			break;
		case OPT_JAIL_USER:
			if ((ret = vmm_parse_jail_user(optarg, &cfg->jail, err)) < 0)
				return ret;
			break;
		case OPT_DISK:
			if (cfg->ndisks == VMM_MAX_DISKS)
				return uvm_err(err, -E2BIG, "--disk: at most %d disks", VMM_MAX_DISKS);
			if ((ret = vmm_parse_disk(optarg, &cfg->disks[cfg->ndisks], err)) < 0)
				return ret;
			cfg->ndisks++;
			break;
		case OPT_SHARE:
			if (cfg->nshares == VMM_MAX_SHARES)
				return uvm_err(err, -E2BIG, "--share: at most %d shares", VMM_MAX_SHARES);
			if ((ret = vmm_parse_share(optarg, &cfg->shares[cfg->nshares], err)) < 0)
				return ret;
			cfg->nshares++;
			break;
		case OPT_VSOCK:
			if (cfg->vsock.path)
				return uvm_err(err, -EINVAL, "--vsock: only one vsock device per VM");
			if ((ret = vmm_parse_vsock(optarg, &cfg->vsock, err)) < 0)
				return ret;
			break;
		case 'h':
			vmm_boot_usage(stdout, "uvmrun");
			return 1;
		case ':':
			return uvm_err(err, -EINVAL, "%s needs a value", argv[optind - 1]);
		default:
			return uvm_err(err, -EINVAL, "unknown option '%s' (see uvmrun boot --help)",
				       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return uvm_err(err, -EINVAL, "unexpected argument '%s' (see uvmrun boot --help)",
			       argv[optind]);
	return vmm_config_check(cfg, err);
}

int vmm_parse_disk(char *spec, struct vmm_disk *disk, struct uvm_error *err)
{
	char *opt, *save = NULL;
	unsigned long long v;
	int ret;

	memset(disk, 0, sizeof(*disk));
	disk->path = strtok_r(spec, ",", &save);
	if (!disk->path || !*disk->path)
		return uvm_err(err, -EINVAL, "--disk: missing the image path");
	while ((opt = strtok_r(NULL, ",", &save))) {
		if (!strcmp(opt, "ro")) {
			disk->read_only = true;
		} else if (!strncmp(opt, "serial=", 7)) {
			if (strlen(opt + 7) > VMM_SERIAL_MAX)
				return uvm_err(err, -EINVAL, "--disk %s: serial '%s' is longer than %d bytes",
					       disk->path, opt + 7, VMM_SERIAL_MAX);
			strcpy(disk->serial, opt + 7);
		} else if (!strncmp(opt, "iops=", 5)) {
			if ((ret = parse_uint("--disk iops", opt + 5, 1ULL << 40, &v, err)) < 0)
				return ret;
			disk->iops = v;
		} else if (!strncmp(opt, "bps=", 4)) {
			if ((ret = parse_uint("--disk bps", opt + 4, 1ULL << 50, &v, err)) < 0)
				return ret;
			disk->bps = v;
		} else {
			return uvm_err(err, -EINVAL, "--disk %s: unknown option '%s' (ro, serial=, iops=, bps=)",
				       disk->path, opt);
		}
	}
	return 0;
}

int vmm_parse_share(char *spec, struct vmm_share *share, struct uvm_error *err)
{
	char *opt, *save = NULL;
	unsigned long long v;
	int ret;

	memset(share, 0, sizeof(*share));
	share->host_path = strtok_r(spec, ",", &save);
	if (!share->host_path || !*share->host_path)
		return uvm_err(err, -EINVAL, "--share: missing the host folder");
	while ((opt = strtok_r(NULL, ",", &save))) {
		if (!strcmp(opt, "ro")) {
			share->read_only = true;
		} else if (!strncmp(opt, "tag=", 4)) {
			share->tag = opt + 4;
		} else if (!strncmp(opt, "name=", 5)) {
			share->name = opt + 5;
		} else if (!strncmp(opt, "iops=", 5)) {
			if ((ret = parse_uint("--share iops", opt + 5, 1ULL << 40, &v, err)) < 0)
				return ret;
			share->iops = v;
		} else if (!strncmp(opt, "bps=", 4)) {
			if ((ret = parse_uint("--share bps", opt + 4, 1ULL << 50, &v, err)) < 0)
				return ret;
			share->bps = v;
		} else {
			return uvm_err(err, -EINVAL,
				       "--share %s: unknown option '%s' (tag=, name=, ro, iops=, bps=)",
				       share->host_path, opt);
		}
	}
	if (!share->tag || !*share->tag || strlen(share->tag) > 64)
		return uvm_err(err, -EINVAL, "--share %s: tag= is required, 1 to 64 bytes",
			       share->host_path);
	if (!share->name)
		share->name = share->tag;
	return 0;
}

int vmm_parse_vsock(char *spec, struct vmm_vsock *vsock, struct uvm_error *err)
{
	char *opt, *save = NULL;
	unsigned long long v;
	int ret;

	vsock->cid = VMM_DEFAULT_GUEST_CID;
	vsock->path = strtok_r(spec, ",", &save);
	if (!vsock->path || !*vsock->path)
		return uvm_err(err, -EINVAL, "--vsock: missing the socket path");
	while ((opt = strtok_r(NULL, ",", &save))) {
		if (!strncmp(opt, "cid=", 4)) {
			if ((ret = parse_uint("--vsock cid", opt + 4, 0xfffffffeULL, &v, err)) < 0)
				return ret;
			if (v < 3)
				return uvm_err(err, -EINVAL, "--vsock cid: %llu is reserved (use 3 or more)", v);
			vsock->cid = v;
		} else {
			return uvm_err(err, -EINVAL, "--vsock %s: unknown option '%s' (cid=)", vsock->path,
				       opt);
		}
	}
	return 0;
}

int vmm_config_check(const struct vmm_config *cfg, struct uvm_error *err)
{
	long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGESIZE);
	unsigned long long host_mib = pages > 0 && page_size > 0 ?
		(unsigned long long)pages * (unsigned long long)page_size >> 20 : 0;

	if (!cfg->kernel)
		return uvm_err(err, -EINVAL, "--kernel is required (see uvmrun boot --help)");
	if (cfg->cpus < 1 || cfg->cpus > VM_MAX_VCPUS)
		return uvm_err(err, -ERANGE, "--cpus: %u is outside 1..%d", cfg->cpus, VM_MAX_VCPUS);
	if (host_mib && cfg->memory_mib > host_mib)
		return uvm_err(err, -ERANGE, "--memory: %llu MiB is more than this host's %llu MiB of RAM",
			       (unsigned long long)cfg->memory_mib, host_mib);
	return 0;
}
