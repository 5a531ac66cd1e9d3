/* The devices one VM gets beyond the legacy platform: the interrupt routing
 * table, PCI bus 0, and the virtio devices on it (an entropy source, one
 * virtio-blk per --disk, one virtio-9p per share tag and per spare, vsock), created from
 * the configuration before the VM runs and torn down after its vCPUs stop. */
#ifndef UVM_VM_DEVICES_H
#define UVM_VM_DEVICES_H

#include "../devices/virtio-9p.h"
#include "../devices/virtio-blk.h"
#include "../devices/virtio-pci.h"
#include "irq-routing.h"
#include "pci.h"
#include "vm.h"
#include "vmm.h"

/* rng, disks and spare disks, one 9p device per share tag or spare, vsock */
#define VM_MAX_VIRTIO (1 + 2 * VMM_MAX_DISKS + VMM_MAX_SHARES + 1)

struct vm_devices {
	struct vm *vm;
	struct irq_routing irq;
	bool irq_ready;
	struct pci_bus pci;
	bool pci_ready;
	struct virtio_device *vdevs[VM_MAX_VIRTIO];
	struct virtio_pci transports[VM_MAX_VIRTIO];
	bool transport_ready[VM_MAX_VIRTIO];
	char names[VM_MAX_VIRTIO][16];
	unsigned count;
	struct virtio_9p *shares[VMM_MAX_SHARES];   /* by tag, in order of first use */
	const char *share_tags[VMM_MAX_SHARES];
	unsigned nshare_devices;
	struct virtio_9p *spare_shares[VMM_MAX_SHARES];   /* also counted in shares[] */
	char spare_tags[VMM_MAX_SHARES][16];
	unsigned nspare_shares;
	struct virtio_blk *spare_disks[VMM_MAX_DISKS];
	unsigned nspare_disks;
};

int vm_devices_create(struct vm_devices *devs, struct vm *vm, const struct vmm_config *cfg,
		      struct uvm_error *err);
/* Stop every device thread and free everything; call after the vCPUs stop. */
void vm_devices_destroy(struct vm_devices *devs);

#endif
