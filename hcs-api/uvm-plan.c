/* ContainerConfig -> utility VM and container storage (uvm-plan.h). */
#include "uvm-plan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../boot/vhd-boot.h"
#include "vhd-image.h"

void plan_layer_serial(const char *guid, char out[VMM_SERIAL_MAX + 1])
{
	size_t n = 0;

	for (const char *p = guid; *p && n < VMM_SERIAL_MAX; p++)
		if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F'))
			out[n++] = (char)((*p >= 'A' && *p <= 'F') ? *p - 'A' + 'a' : *p);
	out[n] = '\0';
}

static int add_disk(struct uvm_plan *p, const struct hcs_container_config *cc, const char *path,
		    bool ro, const char *serial, struct uvm_error *err)
{
	struct vmm_disk *d;

	if (p->vm.ndisks >= VMM_MAX_DISKS)
		return uvm_err(err, -E2BIG, "Layers, MappedVirtualDisks: more than %d disks in all",
			       VMM_MAX_DISKS);
	for (unsigned i = 0; i < p->vm.ndisks; i++)
		if (strcmp(p->vm.disks[i].serial, serial) == 0)
			return uvm_err(err, -EINVAL, "Layers: two layers share the disk serial %s "
				       "(the first 20 hex digits of their IDs)", serial);
	d = &p->vm.disks[p->vm.ndisks++];
	d->path = path;
	d->read_only = ro;
	snprintf(d->serial, sizeof(d->serial), "%s", serial);
	d->iops = cc->storage_iops_maximum;
	d->bps = cc->storage_bandwidth_maximum;
	return 0;
}

/* A folder from `uvmrun mkimage`, or with BootSource "Vhd" a disk from
 * `uvmrun mkimage --vhd`: its kernel and initrd are copied out into the
 * state folder, the disk is attached, and uvm.root tells the agent to make
 * it the root (read-only unless WritableBootSource). */
static int image_paths(const struct hcs_container_config *cc, const char *state_dir,
		       struct uvm_plan *p, struct uvm_error *err)
{
	const struct hcs_hv_runtime *rt = cc->hv_runtime;
	bool vhd = hcs_hv_runtime_boots_vhd(rt);
	int n;

	if (vhd) {
		p->boot_disk = rt->image_path;
		n = snprintf(p->kernel, sizeof(p->kernel), "%s/boot-vmlinuz", state_dir);
	} else {
		n = snprintf(p->kernel, sizeof(p->kernel), "%s/%s", rt->image_path,
			     hcs_hv_runtime_kernel_file(rt));
	}
	if (n < 0 || (size_t)n >= sizeof(p->kernel))
		return uvm_err(err, -ENAMETOOLONG, "HvRuntime.ImagePath: too long");
	if (vhd)
		n = snprintf(p->initrd, sizeof(p->initrd), "%s/boot-initrd.img", state_dir);
	else
		n = snprintf(p->initrd, sizeof(p->initrd), "%s/%s", rt->image_path,
			     hcs_hv_runtime_initrd_file(rt));
	if (n < 0 || (size_t)n >= sizeof(p->initrd))
		return uvm_err(err, -ENAMETOOLONG, "HvRuntime.ImagePath: too long");
	n = snprintf(p->cmdline, sizeof(p->cmdline), "console=ttyS0 quiet panic=-1%s%s%s%s",
		     vhd ? " uvm.root=" PLAN_BOOT_SERIAL : "",
		     vhd && rt->writable_boot_source ? ",rw" : "",
		     rt->linux_boot_parameters ? " " : "",
		     rt->linux_boot_parameters ? rt->linux_boot_parameters : "");
	if (n < 0 || (size_t)n >= sizeof(p->cmdline))
		return uvm_err(err, -E2BIG, "HvRuntime.LinuxBootParameters: too long");
	return 0;
}

static int map_dirs(const struct hcs_container_config *cc, struct uvm_plan *p,
		    struct uvm_error *err)
{
	if (cc->n_mapped_directories > VMM_MAX_SHARES)
		return uvm_err(err, -E2BIG, "MappedDirectories: more than %d", VMM_MAX_SHARES);
	for (size_t i = 0; i < cc->n_mapped_directories; i++) {
		const struct hcs_mapped_dir *md = &cc->mapped_directories[i];
		struct vmm_share *s = &p->vm.shares[p->vm.nshares++];
		struct gcs_mapped_dir *g = &p->dirs[i];

		snprintf(p->share_names[i], sizeof(p->share_names[i]), "md%u", (unsigned)(i % 1000));
		s->host_path = md->host_path;
		/* One virtio-9p device per folder: Linux mounts a virtio 9p channel
		 * once at a time, so exports sharing a device could not all mount. */
		s->tag = p->share_names[i];
		s->name = p->share_names[i];
		s->read_only = md->read_only;
		s->iops = md->iops_maximum;
		s->bps = md->bandwidth_maximum;
		g->tag = p->share_names[i];
		g->aname = p->share_names[i];
		g->read_only = md->read_only;
		if (md->create_in_utility_vm)
			g->uvm_path = md->container_path;
		else
			g->container_path = md->container_path;
	}
	p->storage.dirs = p->dirs;
	p->storage.n_dirs = cc->n_mapped_directories;
	return 0;
}

static int map_virtual_disks(const struct hcs_container_config *cc, struct uvm_plan *p,
			     struct uvm_error *err)
{
	size_t n = 0;

	for (size_t i = 0; i < cc->n_mapped_virtual_disks; i++) {
		const struct hcs_mapped_virtual_disk *vd = &cc->mapped_virtual_disks[i];
		char serial[VMM_SERIAL_MAX + 1];

		snprintf(serial, sizeof(serial), "mvd%u", (unsigned)(i % 1000));
		if (add_disk(p, cc, vd->host_path, vd->read_only, serial, err))
			return err->code;
		if (vd->attach_only)
			continue;
		p->disks[n].serial = p->vm.disks[p->vm.ndisks - 1].serial;
		p->disks[n].read_only = vd->read_only;
		if (vd->create_in_utility_vm)
			p->disks[n].uvm_path = vd->container_path;
		else
			p->disks[n].container_path = vd->container_path;
		n++;
	}
	p->storage.disks = p->disks;
	p->storage.n_disks = n;
	return 0;
}

/* Each host socket is a vsock port the guest connects to; the agent
 * relays connections made to ContainerPipeName there. */
static int map_pipes(const struct hcs_container_config *cc, struct uvm_plan *p,
		     struct uvm_error *err)
{
	if (cc->n_mapped_pipes > VMM_MAX_VSOCK_ROUTES)
		return uvm_err(err, -E2BIG, "MappedPipes: more than %d", VMM_MAX_VSOCK_ROUTES);
	for (size_t i = 0; i < cc->n_mapped_pipes; i++) {
		uint32_t port = PLAN_PIPE_PORT_BASE + (uint32_t)i;

		p->vm.vsock.routes[i] = (struct vmm_vsock_route){
			.port = port, .path = cc->mapped_pipes[i].host_path,
		};
		p->pipes[i] = (struct gcs_mapped_pipe){
			.container_path = cc->mapped_pipes[i].container_pipe_name, .port = port,
		};
	}
	p->vm.vsock.nroutes = (unsigned)cc->n_mapped_pipes;
	p->storage.pipes = p->pipes;
	p->storage.n_pipes = cc->n_mapped_pipes;
	return 0;
}

int plan_build(const struct hcs_container_config *cc, const char *state_dir,
	       struct uvm_plan *p, struct uvm_error *err)
{
	int ret, n;

	memset(p, 0, sizeof(*p));
	vmm_config_defaults(&p->vm);
	if ((ret = image_paths(cc, state_dir, p, err)))
		return ret;
	p->vm.kernel = p->kernel;
	p->vm.initrd = p->initrd;
	p->vm.cmdline = p->cmdline;
	if (cc->processor_count)
		p->vm.cpus = cc->processor_count;
	if (cc->memory_maximum_in_mb)
		p->vm.memory_mib = (uint64_t)cc->memory_maximum_in_mb;
	else
		p->vm.memory_mib = 512;       /* the agent, crun and a small container */
	{
		long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
		uint64_t host_mib = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page >> 20 : 0;

		if (host_mib && p->vm.memory_mib > host_mib)
			return uvm_err(err, -ERANGE, "MemoryMaximumInMB: %llu MiB is more than this "
				       "host's %llu MiB of RAM", (unsigned long long)p->vm.memory_mib,
				       (unsigned long long)host_mib);
	}
	n = snprintf(p->vsock, sizeof(p->vsock), "%s/vsock.sock", state_dir);
	if (n < 0 || (size_t)n >= sizeof(p->vsock))
		return uvm_err(err, -ENAMETOOLONG, "state folder %s: too long", state_dir);
	p->vm.vsock.path = p->vsock;
	p->vm.vsock.cid = VMM_DEFAULT_GUEST_CID;

	/* Layers come lowest first; overlayfs (and the agent) want the top first. */
	for (size_t i = 0; i < cc->n_layers; i++) {
		const struct hcs_layer *l = &cc->layers[cc->n_layers - 1 - i];
		char serial[VMM_SERIAL_MAX + 1];

		plan_layer_serial(l->id, serial);
		if ((ret = add_disk(p, cc, l->path, true, serial, err)))
			return ret;
		p->layers[i].serial = p->vm.disks[p->vm.ndisks - 1].serial;
	}
	p->storage.layers = p->layers;
	p->storage.n_layers = cc->n_layers;
	if (p->boot_disk && (ret = add_disk(p, cc, p->boot_disk, !cc->hv_runtime->writable_boot_source,
					    PLAN_BOOT_SERIAL, err)))
		return ret;
	if (cc->layer_folder_path) {
		n = snprintf(p->scratch, sizeof(p->scratch), "%s/%s", cc->layer_folder_path,
			     PLAN_SCRATCH_FILE);
		if (n < 0 || (size_t)n >= sizeof(p->scratch))
			return uvm_err(err, -ENAMETOOLONG, "LayerFolderPath: too long");
		if ((ret = add_disk(p, cc, p->scratch, false, "scratch", err)))
			return ret;
		p->storage.scratch_serial = "scratch";
	}
	if ((ret = map_dirs(cc, p, err)) || (ret = map_virtual_disks(cc, p, err)) ||
	    (ret = map_pipes(cc, p, err)))
		return ret;
	{
		/* rng, disks, one device per folder, vsock: the spares get the rest,
		 * disks first. */
		unsigned used = 1 + p->vm.ndisks + p->vm.nshares + 1, spare = PLAN_SPARE_SHARES;
		unsigned spare_disks = PLAN_SPARE_DISKS;

		if (used > PLAN_PCI_DEVICES)
			return uvm_err(err, -E2BIG, "Layers, MappedDirectories, MappedVirtualDisks: "
				       "%u devices in all, more than the %d a utility VM has room for",
				       used, PLAN_PCI_DEVICES);
		if (spare_disks > PLAN_PCI_DEVICES - used)
			spare_disks = PLAN_PCI_DEVICES - used;
		if (spare_disks > VMM_MAX_DISKS - p->vm.ndisks)
			spare_disks = VMM_MAX_DISKS - p->vm.ndisks;
		p->vm.spare_disks = spare_disks;
		used += spare_disks;
		if (spare > PLAN_PCI_DEVICES - used)
			spare = PLAN_PCI_DEVICES - used;
		if (spare > VMM_MAX_SHARES - p->vm.nshares)
			spare = VMM_MAX_SHARES - p->vm.nshares;
		p->vm.spare_shares = spare;
	}
	p->host_name = cc->host_name && *cc->host_name ? cc->host_name : NULL;
	/* ProcessorWeight is 0..10000 like cgroup v2's cpu.weight (1..10000). */
	p->cpu_weight = cc->processor_weight;
	/* ProcessorMaximum: hundredths of a percent of the VM's vCPUs. */
	if (cc->processor_maximum > 0)
		p->cpu_max_quota_us = (uint64_t)cc->processor_maximum * 100000ULL * p->vm.cpus / 10000;
	return 0;
}

int plan_boot_files(struct uvm_plan *p, const char *state_dir, struct uvm_error *err)
{
	const char *const inner[] = { VHD_IMAGE_KERNEL, VHD_IMAGE_INITRD };
	const char *const out[] = { p->kernel, p->initrd };
	int ret;

	if (!p->boot_disk)
		return 0;
	ret = vhd_boot_extract(p->boot_disk, inner, out, 2, state_dir, err);
	if (ret < 0)
		uvm_err_prefix(err, "HvRuntime.ImagePath: ");
	return ret;
}

int plan_create_scratch(struct uvm_plan *p, const struct hcs_container_config *cc,
			struct uvm_error *err)
{
	uint64_t size = cc->storage_sandbox_size ? cc->storage_sandbox_size
						 : PLAN_DEFAULT_SANDBOX_BYTES;
	int fd;

	if (!p->scratch[0])
		return 0;
	if (mkdir(cc->layer_folder_path, 0700) < 0 && errno != EEXIST)
		return uvm_err_sys(err, -errno, "LayerFolderPath: %s", cc->layer_folder_path);
	fd = open(p->scratch, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && errno == EEXIST)
		return 0;                     /* the container's earlier scratch: keep it */
	if (fd < 0)
		return uvm_err_sys(err, -errno, "scratch disk %s", p->scratch);
	if (ftruncate(fd, (off_t)size) < 0) {
		int e = errno;

		close(fd);
		unlink(p->scratch);
		return uvm_err_sys(err, -e, "scratch disk %s: size %llu", p->scratch,
				   (unsigned long long)size);
	}
	close(fd);
	p->scratch_created = true;
	return 0;
}
