/* Changes to a VM while it runs, made from another thread of the process
 * that called vmm_run(): folders put on and taken off the spare virtio-9p
 * devices (vmm_config.spare_shares, tags VMM_SPARE_SHARE_TAG "0", "1", ...),
 * which boot with nothing to serve, and disk images put in and taken out of
 * the spare virtio-blk devices (vmm_config.spare_disks). The guest mounts a spare device's tag
 * with the export's name as aname; the calls fail with -ESRCH while the VM is
 * not running. */
#ifndef UVM_LIVE_H
#define UVM_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

#define VMM_SPARE_SHARE_TAG "hot"

struct vmm_live;
struct vm_devices;

int vmm_live_create(struct vmm_live **out, struct uvm_error *err);
/* After vmm_run() has returned. NULL is allowed. */
void vmm_live_destroy(struct vmm_live *live);

struct vmm_live_share {
	unsigned slot;            /* which spare device: 0 .. spare_shares - 1 */
	const char *name;         /* export name (the guest's aname) */
	int dir_fd;               /* the folder, open; the VMM keeps a duplicate */
	bool read_only;
	uint64_t iops, bps;       /* 0: unlimited */
};

int vmm_live_add_share(struct vmm_live *live, const struct vmm_live_share *share,
		       struct uvm_error *err);
/* The export's open fids fail with EIO from now on (the guest should have
 * unmounted it first). */
int vmm_live_remove_share(struct vmm_live *live, unsigned slot, const char *name,
			  struct uvm_error *err);

/* A disk image put in spare virtio-blk device `slot` (vmm_config.spare_disks)
 * and taken out again (virtio-blk.h: the guest sees the capacity change and
 * finds the disk by its new serial). path may be /proc/self/fd/N. */
struct vmm_live_disk {
	unsigned slot;
	const char *path;
	const char *serial;
	bool read_only;
	uint64_t iops, bps;
};
int vmm_live_insert_disk(struct vmm_live *live, const struct vmm_live_disk *disk,
			 struct uvm_error *err);
int vmm_live_eject_disk(struct vmm_live *live, unsigned slot, struct uvm_error *err);

/* vmm_run's side: publish the devices once made, withdraw them (NULL)
 * before they go. */
void vmm_live_bind(struct vmm_live *live, struct vm_devices *devs);

#endif
