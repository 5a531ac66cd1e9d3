/* UVM image builder (uvm-image.h). */
#include "uvm-image.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../vmm/fileio.h"
#include "../vmm/spawn.h"
#include "bzimage.h"
#include "cpio.h"
#include "elf-deps.h"
#include "kmod-deps.h"

/* crc32c_generic is ext4's soft dependency (its checksums), which
 * modules.dep does not list. */
const char *const uvm_image_modules[] = {
	"virtio_pci", "virtio_blk", "virtio_rng", "9p", "9pnet_virtio",
	"vmw_vsock_virtio_transport", "crc32c_generic", "ext4", "overlay", "pvpanic-mmio",
};
const unsigned uvm_image_nmodules = sizeof(uvm_image_modules) / sizeof(uvm_image_modules[0]);

/* Folders and files already in the archive, so each goes in once (folders
 * before their files). */
struct dir_set {
	char *dirs[256];
	unsigned count;
	char *files[512];
	unsigned nfiles;
};

static int add_parents(struct cpio_writer *w, struct dir_set *ds, const char *path,
		       struct uvm_error *err)
{
	char buf[PATH_MAX];
	int ret;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; (p = strchr(p, '/')); p++) {
		bool have = false;

		*p = '\0';
		for (unsigned i = 0; i < ds->count && !have; i++)
			have = !strcmp(ds->dirs[i], buf + 1);
		if (!have) {
			if (ds->count == 256)
				return uvm_err(err, -E2BIG, "too many folders in the initrd");
			if ((ret = cpio_add_dir(w, buf + 1, 0755, err)) < 0)
				return ret;
			if (!(ds->dirs[ds->count++] = strdup(buf + 1)))
				return uvm_err(err, -ENOMEM, "out of memory");
		}
		*p = '/';
	}
	return 0;
}

/* Copy a host file into the archive at `guest_path` (absolute), once. */
static int add_file(struct cpio_writer *w, struct dir_set *ds, const char *guest_path,
		    const char *host_path, mode_t mode, struct uvm_error *err)
{
	int ret;

	for (unsigned i = 0; i < ds->nfiles; i++)
		if (!strcmp(ds->files[i], guest_path))
			return 0;
	if (ds->nfiles == 512)
		return uvm_err(err, -E2BIG, "too many files in the initrd");
	if (!(ds->files[ds->nfiles] = strdup(guest_path)))
		return uvm_err(err, -ENOMEM, "out of memory");
	ds->nfiles++;
	ret = add_parents(w, ds, guest_path, err);
	return ret < 0 ? ret : cpio_add_file(w, guest_path + 1, mode, host_path, err);
}

/* A program and everything its loader needs, at the paths it asks for. */
static int add_program(struct cpio_writer *w, struct dir_set *ds, const char *guest_path,
		       const char *host_path, struct uvm_error *err)
{
	struct elf_deps deps;
	int ret;

	if (access(host_path, X_OK) < 0)
		return uvm_err_sys(err, -errno, "%s (install it: apt-get install %s)", host_path,
				   strstr(host_path, "crun") ? "crun" : "e2fsprogs");
	if ((ret = elf_deps_collect(host_path, &deps, err)) < 0)
		return ret;
	ret = add_file(w, ds, guest_path, host_path, 0755, err);
	for (unsigned i = 0; ret == 0 && i < deps.count; i++)
		ret = add_file(w, ds, deps.paths[i], deps.paths[i], 0755, err);
	elf_deps_free(&deps);
	return ret;
}

static int add_modules(struct cpio_writer *w, struct dir_set *ds, const char *kroot,
		       const char *kver, struct uvm_error *err)
{
	char moddir[PATH_MAX], host[PATH_MAX], guest[PATH_MAX];
	struct kmod_list mods;
	char *order = NULL;
	size_t len = 0;
	int ret;

	if (path_fmt(moddir, sizeof(moddir), "%s/lib/modules/%s", kroot, kver) < 0)
		return uvm_err(err, -ENAMETOOLONG, "%s: path too long", kroot);
	if ((ret = kmod_resolve(moddir, uvm_image_modules, uvm_image_nmodules, &mods, err)) < 0)
		return ret;
	for (unsigned i = 0; i < mods.count && ret == 0; i++) {
		char *grown;

		if (path_fmt(host, sizeof(host), "%s/%s", moddir, mods.paths[i]) < 0 ||
		    path_fmt(guest, sizeof(guest), "/lib/modules/%s/%s", kver, mods.paths[i]) < 0) {
			ret = uvm_err(err, -ENAMETOOLONG, "%s: path too long", mods.paths[i]);
			break;
		}
		ret = add_file(w, ds, guest, host, 0644, err);
		grown = realloc(order, len + strlen(guest) + 2);
		if (!grown) {
			ret = uvm_err(err, -ENOMEM, "out of memory");
			break;
		}
		order = grown;
		len += (size_t)sprintf(order + len, "%s\n", guest);
	}
	if (ret == 0)
		ret = cpio_add_data(w, "lib/modules/load-order", 0644, order ? order : "", len, err);
	free(order);
	kmod_list_free(&mods);
	return ret;
}

/* The utility VM's root tree, into an archive or a folder. */
static int write_tree(struct cpio_writer *w, const struct uvm_image_config *cfg,
		      const char *kroot, const char *kver, struct uvm_error *err)
{
	static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n";
	static const char group[] = "root:x:0:\n";
	static const char *const empty_dirs[] = { "dev", "proc", "sys", "run", "tmp", "root", "mnt" };
	struct dir_set ds = { 0 };
	int ret = 0;

	for (size_t i = 0; ret == 0 && i < sizeof(empty_dirs) / sizeof(empty_dirs[0]); i++) {
		ret = cpio_add_dir(w, empty_dirs[i], 0755, err);
		if (ret == 0 && !(ds.dirs[ds.count++] = strdup(empty_dirs[i])))
			ret = uvm_err(err, -ENOMEM, "out of memory");
	}
	if (ret == 0)
		ret = add_file(w, &ds, "/init", cfg->agent, 0755, err);
	if (ret == 0)
		ret = add_program(w, &ds, "/usr/bin/crun", cfg->crun ? cfg->crun : "/usr/bin/crun", err);
	if (ret == 0)
		ret = add_program(w, &ds, "/usr/sbin/mke2fs",
				  cfg->mke2fs ? cfg->mke2fs : "/usr/sbin/mke2fs", err);
	if (ret == 0 && (ret = add_parents(w, &ds, "/etc/passwd", err)) == 0 &&
	    (ret = cpio_add_data(w, "etc/passwd", 0644, passwd, sizeof(passwd) - 1, err)) == 0)
		ret = cpio_add_data(w, "etc/group", 0644, group, sizeof(group) - 1, err);
	if (ret == 0)
		ret = add_modules(w, &ds, kroot, kver, err);
	for (unsigned i = 0; i < ds.count; i++)
		free(ds.dirs[i]);
	for (unsigned i = 0; i < ds.nfiles; i++)
		free(ds.files[i]);
	return ret;
}

static int write_initrd(const struct uvm_image_config *cfg, const char *kroot, const char *kver,
			struct uvm_error *err)
{
	char out[PATH_MAX], tmp[PATH_MAX];
	struct cpio_writer w;
	int ret;

	if (path_fmt(out, sizeof(out), "%s/%s", cfg->outdir, UVM_IMAGE_INITRD) < 0 ||
	    path_fmt(tmp, sizeof(tmp), "%s.tmp", out) < 0)
		return uvm_err(err, -ENAMETOOLONG, "%s: path too long", cfg->outdir);
	if ((ret = cpio_open(&w, tmp, true, err)) < 0)
		return ret;
	ret = write_tree(&w, cfg, kroot, kver, err);
	if (ret < 0) {
		cpio_abort(&w);
		return ret;
	}
	if ((ret = cpio_close(&w, err)) < 0)
		return ret;
	if (cfg->tree_dir) {
		if ((ret = cpio_open_folder(&w, cfg->tree_dir, err)) < 0)
			return ret;
		ret = write_tree(&w, cfg, kroot, kver, err);
		cpio_abort(&w);
		if (ret < 0) {
			unlink(tmp);
			return ret;
		}
	}
	if (rename(tmp, out) < 0) {
		ret = uvm_err_sys(err, -errno, "%s", out);
		unlink(tmp);
	}
	return ret;
}

/* The kernel version folder of an unpacked package (lib/modules/<ver>). */
static int find_kver(const char *kroot, char *kver, size_t cap, struct uvm_error *err)
{
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (path_fmt(dir, sizeof(dir), "%s/lib/modules", kroot) < 0)
		return uvm_err(err, -ENAMETOOLONG, "%s: path too long", kroot);
	d = opendir(dir);
	if (!d)
		return uvm_err_sys(err, -errno, "%s", dir);
	kver[0] = '\0';
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && path_fmt(kver, cap, "%s", de->d_name) < 0)
			kver[0] = '\0';
	closedir(d);
	if (!kver[0])
		return uvm_err(err, -ENOENT, "%s: no kernel version folder", dir);
	return 0;
}

/* Download and unpack the kernel package into work/root; fills kroot. */
static int fetch_kernel(const struct uvm_image_config *cfg, const char *work, char *kroot,
			size_t cap, struct uvm_error *err)
{
	char out[4096], pkg[128], deb[PATH_MAX] = "";
	struct dirent *de;
	DIR *d;
	int ret;

	if (cfg->kernel_package) {
		snprintf(pkg, sizeof(pkg), "%s", cfg->kernel_package);
	} else {
		const char *argv[] = { "apt-cache", "depends", "linux-image-amd64", NULL };
		char *p;

		if ((ret = spawn_check(argv, NULL, out, sizeof(out), err)) < 0)
			return ret;
		p = strstr(out, "Depends: linux-image-");
		if (!p || sscanf(p, "Depends: %127s", pkg) != 1)
			return uvm_err(err, -ENOENT, "cannot tell which kernel linux-image-amd64 is (run apt-get update?)");
	}
	{
		const char *argv[] = { "apt-get", "download", pkg, NULL };

		if ((ret = spawn_check(argv, work, out, sizeof(out), err)) < 0)
			return ret;
	}
	d = opendir(work);
	if (!d)
		return uvm_err_sys(err, -errno, "%s", work);
	while ((de = readdir(d)))
		if (strstr(de->d_name, ".deb") && path_fmt(deb, sizeof(deb), "%s/%s", work, de->d_name) < 0)
			deb[0] = '\0';
	closedir(d);
	if (!deb[0])
		return uvm_err(err, -ENOENT, "apt-get download %s left no .deb", pkg);
	if (path_fmt(kroot, cap, "%s/root", work) < 0)
		return uvm_err(err, -ENAMETOOLONG, "%s: path too long", work);
	{
		const char *argv[] = { "dpkg-deb", "-x", deb, kroot, NULL };

		if ((ret = spawn_check(argv, NULL, out, sizeof(out), err)) < 0)
			return ret;
	}
	return 0;
}

static int remove_tree(const char *path)
{
	const char *argv[] = { "rm", "-rf", "--", path, NULL };

	return spawn_wait(argv, NULL, NULL, 0, NULL);
}

int uvm_image_build(const struct uvm_image_config *cfg, struct uvm_error *err)
{
	char work[PATH_MAX] = "", kroot[PATH_MAX], kver[128], path[PATH_MAX], out[4096];
	struct bzimage bz;
	struct stat st;
	int ret;

	if (!cfg->agent || access(cfg->agent, R_OK) < 0)
		return uvm_err(err, -ENOENT, "guest agent %s not found (build it with make)",
			       cfg->agent ? cfg->agent : "(none)");
	if (mkdir(cfg->outdir, 0755) < 0 && errno != EEXIST)
		return uvm_err_sys(err, -errno, "%s", cfg->outdir);
	if (stat(cfg->outdir, &st) < 0 || !S_ISDIR(st.st_mode))
		return uvm_err(err, -ENOTDIR, "%s is not a folder", cfg->outdir);

	if (cfg->kernel_root) {
		snprintf(kroot, sizeof(kroot), "%s", cfg->kernel_root);
	} else {
		snprintf(work, sizeof(work), "%s/.build-XXXXXX", cfg->outdir);
		if (!mkdtemp(work))
			return uvm_err_sys(err, -errno, "%s", cfg->outdir);
		if ((ret = fetch_kernel(cfg, work, kroot, sizeof(kroot), err)) < 0)
			goto out;
	}
	if ((ret = find_kver(kroot, kver, sizeof(kver), err)) < 0)
		goto out;
	if (path_fmt(path, sizeof(path), "%s/lib/modules/%s/modules.dep", kroot, kver) < 0) {
		ret = uvm_err(err, -ENAMETOOLONG, "%s: path too long", kroot);
		goto out;
	}
	if (access(path, R_OK) < 0) {
		const char *argv[] = { "depmod", "-b", kroot, kver, NULL };

		if ((ret = spawn_check(argv, NULL, out, sizeof(out), err)) < 0)
			goto out;
	}
	if (path_fmt(path, sizeof(path), "%s/boot/vmlinuz-%s", kroot, kver) < 0) {
		ret = uvm_err(err, -ENAMETOOLONG, "%s: path too long", kroot);
		goto out;
	}
	if ((ret = bzimage_open(path, &bz, err)) < 0)
		goto out;
	bzimage_close(&bz);
	{
		char dst[PATH_MAX];
		uint8_t *data;
		size_t size;
		int fd;

		if (path_fmt(dst, sizeof(dst), "%s/%s", cfg->outdir, UVM_IMAGE_KERNEL) < 0) {
			ret = uvm_err(err, -ENAMETOOLONG, "%s: path too long", cfg->outdir);
			goto out;
		}
		if ((ret = read_file(path, 512u << 20, &data, &size, err)) < 0)
			goto out;
		fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		ret = fd < 0 ? -errno : write_full(fd, data, size);
		if (fd >= 0)
			close(fd);
		free(data);
		if (ret < 0) {
			uvm_err_sys(err, ret, "%s", dst);
			goto out;
		}
	}
	ret = write_initrd(cfg, kroot, kver, err);
out:
	if (work[0])
		remove_tree(work);
	return ret;
}
