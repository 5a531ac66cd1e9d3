/* What a ContainerConfig means for one utility VM: the VMM configuration
 * (kernel, initrd, command line, vCPUs, memory, disks with their serials and
 * rate limits, the 9p exports, the vsock socket) and the storage the agent
 * mounts for the container (layers top-most first, the scratch disk, mapped
 * folders and disks), the host sockets mapped in as vsock routes, plus the
 * host-side CPU limits. Pure mapping, plus
 * creating the scratch disk file; no VM is touched here. */
#ifndef UVM_PLAN_H
#define UVM_PLAN_H

#include <limits.h>

#include "../vmm/vmm.h"
#include "gcs-client.h"
#include "schema.h"

#define PLAN_DEFAULT_SANDBOX_BYTES (20ULL << 30)  /* Docker's default LCOW sandbox size */
#define PLAN_SCRATCH_FILE "scratch.img"            /* under LayerFolderPath */
/* Empty folder devices for MappedDirectories added while running (Modify),
 * fewer when the PCI bus has no room for them. */
#define PLAN_SPARE_SHARES 4
#define PLAN_SPARE_DISKS 2                          /* and MappedVirtualDisks */
#define PLAN_PCI_DEVICES 31                         /* slots beside the host bridge */
/* MappedPipes[i] is host vsock port PLAN_PIPE_PORT_BASE + i (below the
 * agent's own ports, GCS_PORT and up). */
#define PLAN_PIPE_PORT_BASE 0x20000000u

struct uvm_plan {
	struct vmm_config vm;
	char kernel[PATH_MAX];
	char initrd[PATH_MAX];
	char cmdline[2048];
	char vsock[PATH_MAX];
	char scratch[PATH_MAX];            /* "" when the upper layer is tmpfs */
	const char *boot_disk;             /* BootSource "Vhd": the disk; kernel and
					    * initrd are copied out of it (plan_boot_files) */
	bool scratch_created;              /* by plan_create_scratch, this time */
	char share_names[VMM_MAX_SHARES][16];
	struct gcs_layer layers[VMM_MAX_DISKS];
	struct gcs_mapped_dir dirs[VMM_MAX_SHARES];
	struct gcs_mapped_disk disks[VMM_MAX_DISKS];
	struct gcs_mapped_pipe pipes[VMM_MAX_VSOCK_ROUTES];
	struct gcs_storage storage;
	const char *host_name;             /* NULL: the container's id */
	uint64_t cpu_weight;               /* cgroup v2 cpu.weight; 0: leave */
	uint64_t cpu_max_quota_us;         /* cpu.max quota per 100 ms period; 0: leave */
};

/* The disk serial of a layer: its GUID's hex digits, the first 20. */
void plan_layer_serial(const char *guid, char out[VMM_SERIAL_MAX + 1]);
/* Map a validated config; state_dir holds the vsock socket. Pointers in the
 * plan point into cc, which must outlive it. */
int plan_build(const struct hcs_container_config *cc, const char *state_dir,
	       struct uvm_plan *plan, struct uvm_error *err);
/* BootSource "Vhd": copy the kernel and initrd out of the boot disk into
 * the state folder, where the plan's kernel and initrd point. */
int plan_boot_files(struct uvm_plan *plan, const char *state_dir, struct uvm_error *err);
#define PLAN_BOOT_SERIAL "uvm-boot"                 /* the boot disk's serial */
/* Create the scratch disk (sparse, StorageSandboxSize) when missing. */
int plan_create_scratch(struct uvm_plan *plan, const struct hcs_container_config *cc,
			struct uvm_error *err);

#endif
