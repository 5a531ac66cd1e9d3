/* Creation and teardown of a VM's PCI and virtio devices (vm-devices.h). */
#include "vm-devices.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../devices/virtio-rng.h"
#include "../devices/virtio-vsock.h"
#include "live.h"

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

/* A virtio-9p device under its tag (no exports yet). */
static int new_share_device(struct vm_devices *devs, struct vm *vm, const char *tag,
			    struct virtio_9p **out, struct uvm_error *err)
{
	int ret;

	if (devs->nshare_devices == VMM_MAX_SHARES)
		return uvm_err(err, -E2BIG, "at most %d folder devices, spares included",
			       VMM_MAX_SHARES);
	snprintf(devs->names[devs->count], sizeof(devs->names[0]), "9p%u", devs->nshare_devices);
	if ((ret = virtio_9p_create(out, devs->names[devs->count], tag, &vm->mem, err)) < 0 ||
	    (ret = attach(devs, virtio_9p_device(*out), err)) < 0)
		return ret;
	devs->shares[devs->nshare_devices] = *out;
	devs->share_tags[devs->nshare_devices++] = tag;
	return 0;
}

/* Shares with the same tag are exports of one virtio-9p device. */
static int add_share(struct vm_devices *devs, struct vm *vm, const struct vmm_share *sh,
		     struct uvm_error *err)
{
	struct virtio_9p_export exp = {
		.name = sh->name, .host_path = sh->host_path, .read_only = sh->read_only,
		.iops = sh->iops, .bps = sh->bps,
	};
	struct virtio_9p *p9 = NULL;
	int ret;

	for (unsigned i = 0; i < devs->nshare_devices && !p9; i++)
		if (!strcmp(devs->share_tags[i], sh->tag))
			p9 = devs->shares[i];
	if (!p9 && (ret = new_share_device(devs, vm, sh->tag, &p9, err)) < 0)
		return ret;
	ret = virtio_9p_add_export(p9, &exp, err);
	if (ret < 0)
		uvm_err_prefix(err, "--share %s: ", sh->host_path);
	return ret;
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
	for (unsigned i = 0; i < cfg->nshares; i++)
		if ((ret = add_share(devs, vm, &cfg->shares[i], err)) < 0)
			goto fail;
	for (unsigned i = 0; i < cfg->spare_disks && i < VMM_MAX_DISKS; i++) {
		snprintf(devs->names[devs->count], sizeof(devs->names[0]), "hotblk%u", i);
		if ((ret = virtio_blk_create_spare(&devs->spare_disks[i], devs->names[devs->count],
						   &vm->mem, err)) < 0 ||
		    (ret = attach(devs, virtio_blk_device(devs->spare_disks[i]), err)) < 0)
			goto fail;
		devs->nspare_disks++;
	}
	for (unsigned i = 0; i < cfg->spare_shares; i++) {
		char *tag = devs->spare_tags[i];

		snprintf(tag, sizeof(devs->spare_tags[0]), VMM_SPARE_SHARE_TAG "%u", i);
		if ((ret = new_share_device(devs, vm, tag, &devs->spare_shares[i], err)) < 0)
			goto fail;
		devs->nspare_shares++;
	}

	if (cfg->vsock.path) {
		struct virtio_vsock *vs;

		snprintf(devs->names[devs->count], sizeof(devs->names[0]), "vsock0");
		if ((ret = virtio_vsock_create(&vs, devs->names[devs->count], cfg->vsock.cid,
					       cfg->vsock.path, &vm->mem, err)) < 0) {
			uvm_err_prefix(err, "--vsock: ");
			goto fail;
		}
		for (unsigned i = 0; i < cfg->vsock.nroutes; i++) {
			const struct vmm_vsock_route *r = &cfg->vsock.routes[i];

			if ((ret = virtio_vsock_add_route(vs, r->port, r->path, err)) < 0) {
				virtio_device_destroy(virtio_vsock_device(vs));
				goto fail;
			}
		}
		if ((ret = attach(devs, virtio_vsock_device(vs), err)) < 0)
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
	devs->nshare_devices = 0;
	devs->nspare_shares = 0;
	devs->nspare_disks = 0;
	if (devs->pci_ready)
		pci_bus_destroy(&devs->pci);
	if (devs->irq_ready)
		irq_routing_destroy(&devs->irq);
	devs->pci_ready = devs->irq_ready = false;
}
