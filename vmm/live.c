/* Changes to a running VM from another thread (live.h). */
#include "live.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm-devices.h"

struct vmm_live {
	pthread_mutex_t lock;        /* devs, and one change at a time */
	struct vm_devices *devs;     /* NULL unless the VM runs */
};

int vmm_live_create(struct vmm_live **out, struct uvm_error *err)
{
	struct vmm_live *live = calloc(1, sizeof(*live));

	if (!live)
		return uvm_err(err, -ENOMEM, "out of memory");
	pthread_mutex_init(&live->lock, NULL);
	*out = live;
	return 0;
}

void vmm_live_destroy(struct vmm_live *live)
{
	if (!live)
		return;
	pthread_mutex_destroy(&live->lock);
	free(live);
}

void vmm_live_bind(struct vmm_live *live, struct vm_devices *devs)
{
	if (!live)
		return;
	pthread_mutex_lock(&live->lock);
	live->devs = devs;
	pthread_mutex_unlock(&live->lock);
}

/* Lock held: the spare device in that slot. */
static int spare(struct vmm_live *live, unsigned slot, struct virtio_9p **p9,
		 struct uvm_error *err)
{
	if (!live->devs)
		return uvm_err(err, -ESRCH, "the VM is not running");
	if (slot >= live->devs->nspare_shares)
		return uvm_err(err, -ENOSPC, "no spare folder device %u (the VM has %u)", slot,
			       live->devs->nspare_shares);
	*p9 = live->devs->spare_shares[slot];
	return 0;
}

int vmm_live_add_share(struct vmm_live *live, const struct vmm_live_share *share,
		       struct uvm_error *err)
{
	struct virtio_9p_export exp = {
		.name = share->name, .dir_fd = share->dir_fd, .read_only = share->read_only,
		.iops = share->iops, .bps = share->bps,
	};
	struct virtio_9p *p9 = NULL;
	int ret;

	pthread_mutex_lock(&live->lock);
	ret = spare(live, share->slot, &p9, err);
	if (!ret)
		ret = virtio_9p_add_export(p9, &exp, err);
	pthread_mutex_unlock(&live->lock);
	return ret;
}

int vmm_live_remove_share(struct vmm_live *live, unsigned slot, const char *name,
			  struct uvm_error *err)
{
	struct virtio_9p *p9 = NULL;
	int ret;

	pthread_mutex_lock(&live->lock);
	ret = spare(live, slot, &p9, err);
	if (!ret)
		ret = virtio_9p_remove_export(p9, name, err);
	pthread_mutex_unlock(&live->lock);
	return ret;
}

/* Lock held: the spare disk in that slot. */
static int spare_disk(struct vmm_live *live, unsigned slot, struct virtio_blk **blk,
		      struct uvm_error *err)
{
	if (!live->devs)
		return uvm_err(err, -ESRCH, "the VM is not running");
	if (slot >= live->devs->nspare_disks)
		return uvm_err(err, -ENOSPC, "no spare disk device %u (the VM has %u)", slot,
			       live->devs->nspare_disks);
	*blk = live->devs->spare_disks[slot];
	return 0;
}

int vmm_live_insert_disk(struct vmm_live *live, const struct vmm_live_disk *disk,
			 struct uvm_error *err)
{
	struct virtio_blk_config cfg = {
		.path = disk->path, .read_only = disk->read_only, .iops = disk->iops, .bps = disk->bps,
	};
	struct virtio_blk *blk = NULL;
	int ret;

	if (strlen(disk->serial) > VIRTIO_BLK_SERIAL_LEN)
		return uvm_err(err, -EINVAL, "disk serial %s: longer than %d", disk->serial,
			       VIRTIO_BLK_SERIAL_LEN);
	memcpy(cfg.serial, disk->serial, strlen(disk->serial));
	pthread_mutex_lock(&live->lock);
	ret = spare_disk(live, disk->slot, &blk, err);
	if (!ret)
		ret = virtio_blk_insert(blk, &cfg, err);
	pthread_mutex_unlock(&live->lock);
	return ret;
}

int vmm_live_eject_disk(struct vmm_live *live, unsigned slot, struct uvm_error *err)
{
	struct virtio_blk *blk = NULL;
	int ret;

	pthread_mutex_lock(&live->lock);
	ret = spare_disk(live, slot, &blk, err);
	if (!ret)
		ret = virtio_blk_eject(blk, err);
	pthread_mutex_unlock(&live->lock);
	return ret;
}
