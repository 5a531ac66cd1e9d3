/* Modify on a running compute system (uvm-host-internal.h): mapped folders
 * and disks added and removed while the container runs. An added folder
 * goes on a spare virtio-9p device (vmm/live.h) under an export name that
 * device has never served, a disk into a spare virtio-blk device under a
 * serial never used before; then the agent mounts it where the container
 * (or, with CreateInUtilityVM, the utility VM) wants it. Removing undoes
 * both, the agent first, so the guest lets go before the host does. The
 * folder or disk comes as a descriptor the caller opened: a jailed host
 * cannot see its path. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../vmm/live.h"
#include "control-wire.h"
#include "hcs-error.h"
#include "uvm-host-internal.h"

#define ERR(kind, ...) control_error_response(kind, __VA_ARGS__)

/* The folder added while running at md's path, or NULL. */
static struct host_hot_dir *added_dir(struct host *h, const struct hcs_mapped_dir *md)
{
	for (unsigned i = 0; i < h->plan.vm.spare_shares; i++) {
		struct host_hot_dir *d = &h->hot_dirs[i];

		if (d->used && d->in_uvm == md->create_in_utility_vm &&
		    !strcmp(d->path, md->container_path))
			return d;
	}
	return NULL;
}

/* A folder at that path already: from the config or added since. */
static bool path_taken(struct host *h, const struct hcs_mapped_dir *md)
{
	for (size_t i = 0; i < h->cc.n_mapped_directories; i++) {
		const struct hcs_mapped_dir *o = &h->cc.mapped_directories[i];

		if (o->create_in_utility_vm == md->create_in_utility_vm &&
		    !strcmp(o->container_path, md->container_path))
			return true;
	}
	return added_dir(h, md) != NULL;
}

static json_t *add_dir(struct host *h, const struct hcs_mapped_dir *md, int dir_fd)
{
	struct uvm_error err = { 0 };
	struct host_hot_dir *d = NULL;
	struct gcs_mapped_dir g;
	char tag[16];
	unsigned slot;

	if (dir_fd < 0)
		return ERR(HCS_E_INVALID_DATA, "Settings.HostPath: the folder's descriptor did not "
			   "come with the request (libhcs opens HostPath and sends it)");
	if (path_taken(h, md))
		return ERR(HCS_E_INVALID_DATA, "Settings.ContainerPath: %s already has a mapped "
			   "folder", md->container_path);
	for (slot = 0; slot < h->plan.vm.spare_shares && !d; slot++)
		if (!h->hot_dirs[slot].used)
			d = &h->hot_dirs[slot];
	if (!d)
		return ERR(HCS_E_NOT_SUPPORTED, "MappedDirectory: all %u folders that can be added "
			   "while running are in use; remove one first", h->plan.vm.spare_shares);
	slot = (unsigned)(d - h->hot_dirs);
	snprintf(d->name, sizeof(d->name), "m%u", ++h->hot_seq);
	if (vmm_live_add_share(h->live, &(struct vmm_live_share){
		    .slot = slot, .name = d->name, .dir_fd = dir_fd, .read_only = md->read_only,
		    .iops = md->iops_maximum, .bps = md->bandwidth_maximum }, &err) < 0)
		return host_error_from_uvm(&err);
	snprintf(tag, sizeof(tag), VMM_SPARE_SHARE_TAG "%u", slot);
	g = (struct gcs_mapped_dir){
		.tag = tag, .aname = d->name, .read_only = md->read_only,
		.container_path = md->create_in_utility_vm ? NULL : md->container_path,
		.uvm_path = md->create_in_utility_vm ? md->container_path : NULL,
	};
	if (gcs_add_mapped_directory(h->gcs, h->id, &g, &err) < 0) {
		vmm_live_remove_share(h->live, slot, d->name, NULL);
		return host_error_from_uvm(&err);
	}
	d->path = strdup(md->container_path);
	d->in_uvm = md->create_in_utility_vm;
	d->used = d->path != NULL;
	if (!d->used) {
		gcs_remove_mapped_directory(h->gcs, h->id, g.container_path, g.uvm_path, NULL);
		vmm_live_remove_share(h->live, slot, d->name, NULL);
		return ERR(HCS_E_SYSTEM, "out of memory");
	}
	return control_ok(NULL);
}

static json_t *remove_dir(struct host *h, const struct hcs_mapped_dir *md)
{
	struct uvm_error err = { 0 };
	struct host_hot_dir *d = added_dir(h, md);
	unsigned slot;

	if (!d) {
		if (path_taken(h, md))
			return ERR(HCS_E_NOT_SUPPORTED, "Settings.ContainerPath: %s was mapped by the "
				   "container's configuration; only folders added while running can "
				   "be removed", md->container_path);
		return ERR(HCS_E_NOT_EXIST, "Settings.ContainerPath: no folder was added at %s",
			   md->container_path);
	}
	slot = (unsigned)(d - h->hot_dirs);
	if (gcs_remove_mapped_directory(h->gcs, h->id, d->in_uvm ? NULL : d->path,
					d->in_uvm ? d->path : NULL, &err) < 0)
		return host_error_from_uvm(&err);
	/* The guest has let go (lazily): stop serving the folder. */
	vmm_live_remove_share(h->live, slot, d->name, NULL);
	free(d->path);
	*d = (struct host_hot_dir){ 0 };
	return control_ok(NULL);
}

/* ---- disks ---- */

/* The disk added while running from vd's HostPath, or NULL. */
static struct host_hot_disk *added_disk(struct host *h, const struct hcs_mapped_virtual_disk *vd)
{
	for (unsigned i = 0; i < h->plan.vm.spare_disks; i++)
		if (h->hot_disks[i].used && !strcmp(h->hot_disks[i].host_path, vd->host_path))
			return &h->hot_disks[i];
	return NULL;
}

/* That HostPath attached already: by the config or added since. */
static bool disk_taken(struct host *h, const struct hcs_mapped_virtual_disk *vd)
{
	for (size_t i = 0; i < h->cc.n_mapped_virtual_disks; i++)
		if (!strcmp(h->cc.mapped_virtual_disks[i].host_path, vd->host_path))
			return true;
	return added_disk(h, vd) != NULL;
}

static json_t *add_disk(struct host *h, const struct hcs_mapped_virtual_disk *vd, int fd)
{
	struct uvm_error err = { 0 };
	struct host_hot_disk *d = NULL;
	struct gcs_mapped_disk g;
	char path[64];
	unsigned slot;

	if (fd < 0)
		return ERR(HCS_E_INVALID_DATA, "Settings.HostPath: the disk's descriptor did not "
			   "come with the request (libhcs opens HostPath and sends it)");
	if (!vd->attach_only && !vd->container_path)
		return ERR(HCS_E_INVALID_DATA, "Settings.ContainerPath: required unless AttachOnly");
	if (disk_taken(h, vd))
		return ERR(HCS_E_INVALID_DATA, "Settings.HostPath: %s is attached already",
			   vd->host_path);
	for (slot = 0; slot < h->plan.vm.spare_disks && !d; slot++)
		if (!h->hot_disks[slot].used)
			d = &h->hot_disks[slot];
	if (!d)
		return ERR(HCS_E_NOT_SUPPORTED, "MappedVirtualDisk: all %u disks that can be added "
			   "while running are in use; remove one first", h->plan.vm.spare_disks);
	slot = (unsigned)(d - h->hot_disks);
	snprintf(d->serial, sizeof(d->serial), "hotdisk%u", ++h->hot_seq);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (vmm_live_insert_disk(h->live, &(struct vmm_live_disk){
		    .slot = slot, .path = path, .serial = d->serial, .read_only = vd->read_only,
		    .iops = h->cc.storage_iops_maximum, .bps = h->cc.storage_bandwidth_maximum },
		    &err) < 0) {
		uvm_err_prefix(&err, "Settings.HostPath %s: ", vd->host_path);
		return host_error_from_uvm(&err);
	}
	g = (struct gcs_mapped_disk){
		.serial = d->serial, .read_only = vd->read_only,
		.container_path = vd->create_in_utility_vm ? NULL : vd->container_path,
		.uvm_path = vd->create_in_utility_vm ? vd->container_path : NULL,
	};
	if (!vd->attach_only && gcs_add_mapped_disk(h->gcs, h->id, &g, &err) < 0) {
		vmm_live_eject_disk(h->live, slot, NULL);
		return host_error_from_uvm(&err);
	}
	d->host_path = strdup(vd->host_path);
	d->path = vd->container_path ? strdup(vd->container_path) : NULL;
	d->in_uvm = vd->create_in_utility_vm;
	d->attach_only = vd->attach_only;
	d->read_only = vd->read_only;
	d->used = true;
	if (!d->host_path || (vd->container_path && !d->path)) {
		if (!vd->attach_only)
			gcs_remove_mapped_disk(h->gcs, h->id, d->serial, g.container_path, g.uvm_path,
					       NULL);
		vmm_live_eject_disk(h->live, slot, NULL);
		free(d->host_path);
		free(d->path);
		*d = (struct host_hot_disk){ 0 };
		return ERR(HCS_E_SYSTEM, "out of memory");
	}
	return control_ok(NULL);
}

static json_t *remove_disk(struct host *h, const struct hcs_mapped_virtual_disk *vd)
{
	struct uvm_error err = { 0 };
	struct host_hot_disk *d = added_disk(h, vd);
	unsigned slot;

	if (!d) {
		if (disk_taken(h, vd))
			return ERR(HCS_E_NOT_SUPPORTED, "Settings.HostPath: %s was attached by the "
				   "container's configuration; only disks added while running can "
				   "be removed", vd->host_path);
		return ERR(HCS_E_NOT_EXIST, "Settings.HostPath: %s was not added", vd->host_path);
	}
	slot = (unsigned)(d - h->hot_disks);
	if (!d->attach_only &&
	    gcs_remove_mapped_disk(h->gcs, h->id, d->serial, d->in_uvm ? NULL : d->path,
				   d->in_uvm ? d->path : NULL, &err) < 0)
		return host_error_from_uvm(&err);
	/* The guest has let go (lazily): take the disk out. */
	if (vmm_live_eject_disk(h->live, slot, &err) < 0)
		return host_error_from_uvm(&err);
	free(d->host_path);
	free(d->path);
	*d = (struct host_hot_disk){ 0 };
	return control_ok(NULL);
}

/* One folder or disk added or removed; the modify lock is held. */
static json_t *modify_one(struct host *h, const struct hcs_resource_modification *m, int fd)
{
	bool removing = m->request_type && !strcmp(m->request_type, "Remove");
	struct uvm_error err = { 0 };
	json_t *resp;

	if (!strcmp(m->resource_type, "MappedVirtualDisk")) {
		struct hcs_mapped_virtual_disk vd;

		if (hcs_mapped_virtual_disk_parse(m->settings, m->settings_len, &vd, &err) < 0)
			return ERR(HCS_E_INVALID_DATA, "Settings: %s", err.msg);
		resp = removing ? remove_disk(h, &vd) : add_disk(h, &vd, fd);
		hcs_mapped_virtual_disk_free(&vd);
	} else {
		struct hcs_mapped_dir md;

		if (hcs_mapped_dir_parse(m->settings, m->settings_len, &md, &err) < 0)
			return ERR(HCS_E_INVALID_DATA, "Settings: %s", err.msg);
		resp = removing ? remove_dir(h, &md) : add_dir(h, &md, fd);
		hcs_mapped_dir_free(&md);
	}
	return resp;
}

json_t *host_op_modify(struct host *h, json_t *req, int *in_fds, size_t n_in)
{
	const char *text = json_string_value(json_object_get(req, "request"));
	struct hcs_resource_modification m;
	struct uvm_error err = { 0 };
	json_t *resp;
	bool created;

	if (!text)
		return ERR(HCS_E_INVALID_DATA, "modify: no ResourceModificationRequestResponse");
	/* Validated: a MappedDirectory or MappedVirtualDisk with its Settings. */
	if (hcs_resource_modification_parse(text, strlen(text), &m, &err) < 0)
		return ERR(err.code == -EOPNOTSUPP ? HCS_E_NOT_SUPPORTED : HCS_E_INVALID_DATA,
			   "ResourceModificationRequestResponse: %s", err.msg);
	pthread_mutex_lock(&h->lock);
	created = h->container_created;
	pthread_mutex_unlock(&h->lock);
	pthread_mutex_lock(&h->modify_lock);
	if (host_get_state(h) != HOST_RUNNING)
		resp = host_not_running(h);
	else if (!created)
		resp = ERR(HCS_E_INVALID_STATE, "compute system %s: the container has no process "
			   "yet; create its first process before mapping folders or disks into it",
			   h->id);
	else
		resp = modify_one(h, &m, n_in ? in_fds[0] : -1);
	pthread_mutex_unlock(&h->modify_lock);
	hcs_resource_modification_free(&m);
	return resp;
}
