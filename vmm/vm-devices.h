/* The devices one VM gets beyond the legacy platform: the interrupt routing
 * table, PCI bus 0, and the virtio devices on it (an entropy source, and
 * one virtio-blk per --disk), created from the configuration before the VM
 * runs and torn down after its vCPUs stop. */
#ifndef UVM_VM_DEVICES_H
#define UVM_VM_DEVICES_H

#include "../devices/virtio-pci.h"
#include "irq-routing.h"
#include "pci.h"
#include "vm.h"
#include "vmm.h"

#define VM_MAX_VIRTIO (VMM_MAX_DISKS + 1)

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
};

int vm_devices_create(struct vm_devices *devs, struct vm *vm, const struct vmm_config *cfg,
		      struct uvm_error *err);
/* Stop every device thread and free everything; call after the vCPUs stop. */
void vm_devices_destroy(struct vm_devices *devs);

#endif
