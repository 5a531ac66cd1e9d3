/* Running one VM to its end: the configuration of `uvmrun boot`, the exit
 * statuses it documents, and vmm_run(), which builds the VM, boots the
 * kernel, runs the vCPUs and the main loop, and tears everything down. */
#ifndef UVM_VMM_H
#define UVM_VMM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"

struct vmm_live;

/* Exit statuses of a VM run. 0 is a poweroff; a byte written by the guest to
 * port 0xf4 is returned as is; these are uvmrun's own. */
#define UVM_EXIT_REBOOT     122  /* the guest rebooted (uvmrun does not restart it) */
#define UVM_EXIT_PANIC      123  /* the guest kernel panicked */
#define UVM_EXIT_TIMEOUT    124  /* --timeout expired; the VM was killed */
#define UVM_EXIT_VMM_ERROR  125  /* uvmrun failed: bad arguments, no KVM, unreadable files, ... */

#define VMM_DEFAULT_CPUS       1
#define VMM_DEFAULT_MEMORY_MIB 256
#define VMM_DEFAULT_CMDLINE    "console=ttyS0"

#define VMM_MAX_DISKS 24
#define VMM_SERIAL_MAX 20

/* --disk PATH[,ro][,serial=ID][,iops=N][,bps=N] */
struct vmm_disk {
	const char *path;
	bool read_only;
	char serial[VMM_SERIAL_MAX + 1];
	uint64_t iops;
	uint64_t bps;
};

#define VMM_MAX_SHARES 32

/* --share HOSTDIR,tag=TAG[,name=NAME][,ro][,iops=N][,bps=N] */
struct vmm_share {
	const char *host_path;
	const char *tag;           /* the virtio-9p mount tag; shares with one tag share a device */
	const char *name;          /* Tattach aname; defaults to the tag */
	bool read_only;
	uint64_t iops;
	uint64_t bps;
};

/* --vsock PATH[,cid=N] */
#define VMM_MAX_VSOCK_ROUTES 16
struct vmm_vsock_route {
	uint32_t port;             /* a guest connection to this host port ... */
	const char *path;          /* ... reaches this Unix socket, not PATH_<port> */
};
struct vmm_vsock {
	const char *path;          /* NULL: no vsock device */
	uint64_t cid;
	struct vmm_vsock_route routes[VMM_MAX_VSOCK_ROUTES];
	unsigned nroutes;
};
#define VMM_DEFAULT_GUEST_CID 3

/* --jail-user UID[:GID] */
struct vmm_jail {
	bool enabled;
	unsigned uid, gid;
};

struct vmm_config {
	const char *kernel;
	const char *initrd;        /* NULL: none */
	const char *cmdline;
	unsigned cpus;
	uint64_t memory_mib;
	double timeout_sec;        /* 0: none */
	bool report_memory;        /* print peak RSS and guest memory at exit */
	bool no_seccomp;           /* run without the syscall filter (debugging) */
	int console_in;            /* fd forwarded to the guest's ttyS0 */
	int console_out;           /* fd the guest's ttyS0 is written to */
	struct vmm_disk disks[VMM_MAX_DISKS];
	unsigned ndisks;
	struct vmm_share shares[VMM_MAX_SHARES];
	unsigned nshares;
	struct vmm_vsock vsock;
	struct vmm_jail jail;
	unsigned spare_shares;     /* empty virtio-9p devices for folders added later */
	unsigned spare_disks;      /* empty virtio-blk devices for disks added later */
	struct vmm_live *live;     /* NULL: no changes while running (vmm/live.h) */
};

/* Parse one --disk, --share or --vsock value (strings point into `spec`). */
int vmm_parse_disk(char *spec, struct vmm_disk *disk, struct uvm_error *err);
int vmm_parse_share(char *spec, struct vmm_share *share, struct uvm_error *err);
int vmm_parse_vsock(char *spec, struct vmm_vsock *vsock, struct uvm_error *err);
/* --jail-user UID[:GID] (not root's). */
int vmm_parse_jail_user(const char *spec, struct vmm_jail *jail, struct uvm_error *err);

void vmm_config_defaults(struct vmm_config *cfg);

/* Parse `boot` options (argv[0] is the command name). Returns 0, 1 when
 * --help was printed, or a negative error. */
int vmm_parse_boot_args(int argc, char **argv, struct vmm_config *cfg, struct uvm_error *err);
void vmm_boot_usage(FILE *out, const char *prog);

/* Check a configuration without touching KVM. */
int vmm_config_check(const struct vmm_config *cfg, struct uvm_error *err);

/* Run the VM; returns the process exit status described above. Errors are
 * printed to stderr as one line prefixed with "uvmrun: ". */
int vmm_run(const struct vmm_config *cfg);

#endif
