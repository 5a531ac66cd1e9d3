/* Creation and teardown of a VM's PCI and virtio devices (vm-devices.h). */
#include "vm-devices.h"

#include <stdio.h>
#include <string.h>

#include "../devices/virtio-blk.h"
#include "../devices/virtio-rng.h"

static int attach(struct vm_devices *devs, struct virtio_device *vdev, struct uvm_error *err)
{
	unsigned i = devs->count;
	int ret;

	devs->vdevs[i] = vdev;
	devs->count++;
	ret = virtio_pci_create(&devs->transports[i], vdev, &devs->pci, &devs->irq, err);
	if (ret < 0)
		return ret;
	devs->transport_ready[i] = true;
	return 0;
}

int vm_devices_create(struct vm_devices *devs, struct vm *vm, const struct vmm_config *cfg,
		      struct uvm_error *err)
{
	struct virtio_rng *rng;
	int ret;

	memset(devs, 0, sizeof(*devs));
	devs->vm = vm;
	if ((ret = irq_routing_init(&devs->irq, vm->vm_fd, err)) < 0)
		goto fail;
	devs->irq_ready = true;
	if ((ret = pci_bus_init(&devs->pci, vm, err)) < 0)
		goto fail;
	devs->pci_ready = true;

	snprintf(devs->names[devs->count], sizeof(devs->names[0]), "rng0");
	if ((ret = virtio_rng_create(&rng, devs->names[devs->count], &vm->mem, err)) < 0 ||
	    (ret = attach(devs, virtio_rng_device(rng), err)) < 0)
		goto fail;

	for (unsigned d = 0; d < cfg->ndisks; d++) {
		const struct vmm_disk *disk = &cfg->disks[d];
		struct virtio_blk_config bc = {
			.path = disk->path, .read_only = disk->read_only,
			.iops = disk->iops, .bps = disk->bps,
		};
		struct virtio_blk *blk;

		memcpy(bc.serial, disk->serial, sizeof(bc.serial));
		snprintf(devs->names[devs->count], sizeof(devs->names[0]), "blk%u", d);
		if ((ret = virtio_blk_create(&blk, devs->names[devs->count], &bc, &vm->mem, err)) < 0) {
			uvm_err_prefix(err, "--disk: ");
			goto fail;
		}
		if ((ret = attach(devs, virtio_blk_device(blk), err)) < 0)
			goto fail;
	}
	return 0;
fail:
	vm_devices_destroy(devs);
	return ret;
}

void vm_devices_destroy(struct vm_devices *devs)
{
	for (unsigned i = 0; i < devs->count; i++) {
		virtio_device_destroy(devs->vdevs[i]);
		if (devs->transport_ready[i])
			virtio_pci_destroy(&devs->transports[i]);
	}
	devs->count = 0;
	if (devs->pci_ready)
		pci_bus_destroy(&devs->pci);
	if (devs->irq_ready)
		irq_routing_destroy(&devs->irq);
	devs->pci_ready = devs->irq_ready = false;
}
