/* hcs_config_check_paths: whether the host paths a ContainerConfig names exist
 * and are of the right kind, checked in the process that will use them (the
 * parse may have happened elsewhere). Not the JSON checks (schema.c). */
#include "schema.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum want { WANT_ANY, WANT_DIR, WANT_FILE, WANT_SOCKET };

static int check_one(struct uvm_error *err, const char *field, const char *path, enum want want)
{
	struct stat st;

	if (!path || !*path)
		return 0;
	if (stat(path, &st) < 0)
		return uvm_err_sys(err, -errno, "%s: %s", field, path);
	if (want == WANT_DIR && !S_ISDIR(st.st_mode))
		return uvm_err(err, -ENOTDIR, "%s: %s: not a directory", field, path);
	if (want == WANT_FILE && S_ISDIR(st.st_mode))
		return uvm_err(err, -EISDIR, "%s: %s: is a directory, expected a file", field, path);
	if (want == WANT_SOCKET && !S_ISSOCK(st.st_mode))
		return uvm_err(err, -ENOTSOCK, "%s: %s: not a Unix socket", field, path);
	if (want == WANT_FILE && access(path, R_OK) < 0)
		return uvm_err_sys(err, -errno, "%s: %s", field, path);
	return 0;
}

/* The folder that holds `path` (which need not exist yet). */
static int check_parent(struct uvm_error *err, const char *field, const char *path)
{
	char parent[PATH_MAX];
	size_t len;
	char *slash;

	if (!path || !*path)
		return 0;
	len = strlen(path);
	if (len >= sizeof(parent))
		return uvm_err(err, -ENAMETOOLONG, "%s: path too long", field);
	memcpy(parent, path, len + 1);
	while (len > 1 && parent[len - 1] == '/')
		parent[--len] = '\0';
	slash = strrchr(parent, '/');
	if (!slash)
		return uvm_err(err, -EINVAL, "%s: %s: not an absolute path", field, path);
	slash[slash == parent] = '\0'; /* "/x" -> "/" */
	if (access(path, F_OK) == 0)
		return check_one(err, field, path, WANT_DIR);
	return check_one(err, field, parent, WANT_DIR);
}

static int check_image_file(struct uvm_error *err, const struct hcs_hv_runtime *rt,
			    const char *field, const char *set, const char *name)
{
	char path[PATH_MAX], label[96];

	if (snprintf(path, sizeof(path), "%s/%s", rt->image_path, name) >= (int)sizeof(path))
		return uvm_err(err, -ENAMETOOLONG, "HvRuntime.%s: path too long", field);
	if (set && *set)
		snprintf(label, sizeof(label), "HvRuntime.%s", field);
	else
		snprintf(label, sizeof(label), "HvRuntime.%s (default \"%s\")", field, name);
	return check_one(err, label, path, WANT_FILE);
}

int hcs_config_check_paths(const struct hcs_container_config *cfg, struct uvm_error *err)
{
	const struct hcs_hv_runtime *rt = cfg->hv_runtime;
	char field[64];
	int ret;

	if ((ret = check_parent(err, "LayerFolderPath", cfg->layer_folder_path)) < 0)
		return ret;
	for (size_t i = 0; i < cfg->n_layers; i++) {
		snprintf(field, sizeof(field), "Layers[%zu].Path", i);
		if ((ret = check_one(err, field, cfg->layers[i].path, WANT_FILE)) < 0)
			return ret;
	}
	for (size_t i = 0; i < cfg->n_mapped_directories; i++) {
		snprintf(field, sizeof(field), "MappedDirectories[%zu].HostPath", i);
		if ((ret = check_one(err, field, cfg->mapped_directories[i].host_path, WANT_ANY)) < 0)
			return ret;
	}
	for (size_t i = 0; i < cfg->n_mapped_pipes; i++) {
		snprintf(field, sizeof(field), "MappedPipes[%zu].HostPath", i);
		if ((ret = check_one(err, field, cfg->mapped_pipes[i].host_path, WANT_SOCKET)) < 0)
			return ret;
	}
	for (size_t i = 0; i < cfg->n_mapped_virtual_disks; i++) {
		snprintf(field, sizeof(field), "MappedVirtualDisks[%zu].HostPath", i);
		if ((ret = check_one(err, field, cfg->mapped_virtual_disks[i].host_path, WANT_FILE)) < 0)
			return ret;
	}
	if (!rt || !rt->image_path)
		return 0;
	if (hcs_hv_runtime_boots_vhd(rt))
		return check_one(err, "HvRuntime.ImagePath", rt->image_path, WANT_FILE);
	if ((ret = check_one(err, "HvRuntime.ImagePath", rt->image_path, WANT_DIR)) < 0)
		return ret;
	if ((ret = check_image_file(err, rt, "LinuxKernelFile", rt->linux_kernel_file,
				    hcs_hv_runtime_kernel_file(rt))) < 0)
		return ret;
	return check_image_file(err, rt, "LinuxInitrdFile", rt->linux_initrd_file,
				hcs_hv_runtime_initrd_file(rt));
}
