/* The storage part of a create_container request read into a struct
 * storage_request: rootfs or layers, scratch, mapped folders and disks, each
 * field checked (absolute paths without "..", serials, tags and anames that
 * are safe in sysfs lookups and mount options), and the mapped pipes.
 * Mounting is storage.c's. */
#include "agent.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int request_check_path(const char *where, const char *path, struct uvm_error *err)
{
	const char *p = path;

	if (path[0] != '/')
		return uvm_err(err, -EINVAL, "%s: \"%.64s\" is not an absolute path", where, path);
	while ((p = strstr(p, "/..")) != NULL) {
		if (p[3] == '/' || p[3] == '\0')
			return uvm_err(err, -EINVAL, "%s: \"..\" is not allowed in a path", where);
		p += 3;
	}
	return 0;
}

/* Serials, tags and anames end up in mount arguments and sysfs lookups. */
static int check_word(const char *where, const char *s, const char *forbidden,
		      struct uvm_error *err)
{
	if (!*s)
		return uvm_err(err, -EINVAL, "%s: must not be empty", where);
	for (const char *p = s; *p; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || strchr(forbidden, *p))
			return uvm_err(err, -EINVAL, "%s: character 0x%02x is not allowed", where,
				       (unsigned char)*p);
	}
	return 0;
}

void storage_request_free(struct storage_request *st)
{
	free(st->layers);
	free(st->dirs);
	free(st->disks);
	free(st->pipes);
	memset(st, 0, sizeof(*st));
}

static int parse_path_field(const json_t *obj, const char *where, const char *key,
			    bool required, const char **out, struct uvm_error *err)
{
	char path[96];
	int ret = jfield_string(obj, where, key, required, GCS_PATH_MAX, out, err);

	if (ret || !*out)
		return ret;
	snprintf(path, sizeof(path), "%s.%s", where, key);
	return request_check_path(path, *out, err);
}

static int parse_word_field(const json_t *obj, const char *where, const char *key,
			    bool required, size_t max, const char *forbidden, const char **out,
			    struct uvm_error *err)
{
	char path[96];
	int ret = jfield_string(obj, where, key, required, max, out, err);

	if (ret || !*out)
		return ret;
	snprintf(path, sizeof(path), "%s.%s", where, key);
	return check_word(path, *out, forbidden, err);
}

/* Each item of an array of objects, with its position in `where`. */
static int array_object(json_t *arr, size_t i, const char *name, char *where, size_t len,
			json_t **obj, struct uvm_error *err)
{
	snprintf(where, len, "storage.%s[%zu]", name, i);
	*obj = json_array_get(arr, i);
	if (!json_is_object(*obj))
		return uvm_err(err, -EINVAL, "%s: expected an object", where);
	return 0;
}

static int parse_layers(const json_t *storage, struct storage_request *st,
			struct uvm_error *err)
{
	static const char *const keys[] = { "serial", NULL };
	json_t *arr = NULL, *obj;
	char where[64];
	int ret = jfield_array(storage, "storage", "layers", false, GCS_LAYERS_MAX, &arr, err);

	if (ret || !arr)
		return ret;
	st->n_layers = json_array_size(arr);
	st->layers = calloc(st->n_layers + 1, sizeof(*st->layers));
	if (!st->layers)
		return uvm_err(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < st->n_layers && !ret; i++) {
		ret = array_object(arr, i, "layers", where, sizeof(where), &obj, err);
		if (!ret)
			ret = jfield_keys(obj, where, keys, err);
		if (!ret)
			ret = parse_word_field(obj, where, "serial", true, GCS_SERIAL_MAX, "/",
					       &st->layers[i].serial, err);
	}
	return ret;
}

/* Where a folder or disk is mounted (at least one of the two paths) and
 * whether read-only. */
static int parse_placement(const json_t *obj, const char *where, const char **container_path,
			   const char **uvm_path, bool *read_only, struct uvm_error *err)
{
	int ret = parse_path_field(obj, where, "container_path", false, container_path, err);

	if (!ret)
		ret = parse_path_field(obj, where, "uvm_path", false, uvm_path, err);
	if (!ret)
		ret = jfield_bool(obj, where, "read_only", read_only, err);
	if (!ret && !*container_path && !*uvm_path)
		ret = uvm_err(err, -EINVAL, "%s: needs container_path or uvm_path", where);
	return ret;
}

int storage_dir_parse(const json_t *obj, const char *where, struct storage_dir *d,
		      struct uvm_error *err)
{
	static const char *const keys[] = { "tag", "aname", "container_path", "uvm_path",
					    "read_only", NULL };
	int ret = jfield_keys(obj, where, keys, err);

	if (!ret)
		ret = parse_word_field(obj, where, "tag", true, GCS_TAG_MAX, "", &d->tag, err);
	if (!ret)
		ret = parse_word_field(obj, where, "aname", false, GCS_TAG_MAX, ",", &d->aname, err);
	if (!ret)
		ret = parse_placement(obj, where, &d->container_path, &d->uvm_path, &d->read_only,
				      err);
	return ret;
}

static int parse_dirs(const json_t *storage, struct storage_request *st, struct uvm_error *err)
{
	json_t *arr = NULL, *obj;
	char where[64];
	int ret = jfield_array(storage, "storage", "mapped_directories", false, GCS_MAPPED_MAX,
			       &arr, err);

	if (ret || !arr)
		return ret;
	st->n_dirs = json_array_size(arr);
	st->dirs = calloc(st->n_dirs + 1, sizeof(*st->dirs));
	if (!st->dirs)
		return uvm_err(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < st->n_dirs && !ret; i++) {
		ret = array_object(arr, i, "mapped_directories", where, sizeof(where), &obj, err);
		if (!ret)
			ret = storage_dir_parse(obj, where, &st->dirs[i], err);
	}
	return ret;
}

int storage_disk_parse(const json_t *obj, const char *where, struct storage_disk *d,
		       struct uvm_error *err)
{
	static const char *const keys[] = { "serial", "container_path", "uvm_path", "read_only",
					    "fstype", NULL };
	int ret = jfield_keys(obj, where, keys, err);

	if (!ret)
		ret = parse_word_field(obj, where, "serial", true, GCS_SERIAL_MAX, "/", &d->serial,
				       err);
	if (!ret)
		ret = parse_word_field(obj, where, "fstype", false, 16, ",/=:", &d->fstype, err);
	if (!ret)
		ret = parse_placement(obj, where, &d->container_path, &d->uvm_path, &d->read_only,
				      err);
	return ret;
}

static int parse_disks(const json_t *storage, struct storage_request *st, struct uvm_error *err)
{
	json_t *arr = NULL, *obj;
	char where[64];
	int ret = jfield_array(storage, "storage", "mapped_disks", false, GCS_MAPPED_MAX, &arr,
			       err);

	if (ret || !arr)
		return ret;
	st->n_disks = json_array_size(arr);
	st->disks = calloc(st->n_disks + 1, sizeof(*st->disks));
	if (!st->disks)
		return uvm_err(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < st->n_disks && !ret; i++) {
		ret = array_object(arr, i, "mapped_disks", where, sizeof(where), &obj, err);
		if (!ret)
			ret = storage_disk_parse(obj, where, &st->disks[i], err);
	}
	return ret;
}

static int parse_pipes(const json_t *storage, struct storage_request *st, struct uvm_error *err)
{
	static const char *const keys[] = { "container_path", "port", NULL };
	json_t *arr = NULL, *obj;
	char where[64];
	int ret = jfield_array(storage, "storage", "mapped_pipes", false, GCS_MAPPED_MAX, &arr,
			       err);

	if (ret || !arr)
		return ret;
	st->n_pipes = json_array_size(arr);
	st->pipes = calloc(st->n_pipes + 1, sizeof(*st->pipes));
	if (!st->pipes)
		return uvm_err(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < st->n_pipes && !ret; i++) {
		struct storage_pipe *p = &st->pipes[i];
		uint64_t port = 0;

		ret = array_object(arr, i, "mapped_pipes", where, sizeof(where), &obj, err);
		if (!ret)
			ret = jfield_keys(obj, where, keys, err);
		if (!ret)
			ret = parse_path_field(obj, where, "container_path", true, &p->container_path,
					       err);
		/* Below the agent's own ports (its control channel and stdio). */
		if (!ret)
			ret = jfield_uint(obj, where, "port", true, 1, GCS_PORT - 1, &port, err);
		p->port = (uint32_t)port;
	}
	return ret;
}

int storage_request_parse(const json_t *req, struct storage_request *st, struct uvm_error *err)
{
	static const char *const keys[] = { "rootfs", "layers", "scratch", "mapped_directories",
					    "mapped_disks", "mapped_pipes", NULL };
	static const char *const scratch_keys[] = { "serial", "tmpfs_size_mb", NULL };
	json_t *storage = NULL, *scratch = NULL;
	int ret;

	memset(st, 0, sizeof(*st));
	ret = jfield_object(req, "", "storage", true, &storage, err);
	if (!ret)
		ret = jfield_keys(storage, "storage", keys, err);
	if (!ret)
		ret = parse_path_field(storage, "storage", "rootfs", false, &st->rootfs, err);
	if (!ret)
		ret = parse_layers(storage, st, err);
	if (!ret && !st->rootfs == !st->n_layers)
		ret = uvm_err(err, -EINVAL, "storage: give either rootfs or at least one layer");
	if (!ret)
		ret = jfield_object(storage, "storage", "scratch", false, &scratch, err);
	if (!ret && scratch && st->rootfs)
		ret = uvm_err(err, -EINVAL, "storage.scratch: not used with rootfs");
	if (!ret && scratch)
		ret = jfield_keys(scratch, "storage.scratch", scratch_keys, err);
	if (!ret && scratch)
		ret = parse_word_field(scratch, "storage.scratch", "serial", false, GCS_SERIAL_MAX,
				       "/", &st->scratch_serial, err);
	if (!ret && scratch)
		ret = jfield_uint(scratch, "storage.scratch", "tmpfs_size_mb", false, 1,
				  UINT32_MAX, &st->scratch_tmpfs_mb, err);
	if (!ret && st->scratch_serial && st->scratch_tmpfs_mb)
		ret = uvm_err(err, -EINVAL, "storage.scratch: serial or tmpfs_size_mb, not both");
	if (!ret)
		ret = parse_dirs(storage, st, err);
	if (!ret)
		ret = parse_disks(storage, st, err);
	if (!ret)
		ret = parse_pipes(storage, st, err);
	if (ret)
		storage_request_free(st);
	return ret;
}

