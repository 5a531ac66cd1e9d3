/* The OCI bundle crun reads: config.json is the host's spec with root.path on
 * the rootfs the agent built, bind mounts for mapped folders and disks added,
 * a cgroup path when the spec has none, the Windows section dropped, and the
 * process's terminal settings; process.json (for crun exec) is the spec's
 * process with the exec's args, env, cwd and user. Pure JSON work plus an
 * atomic file write; mounting and running crun are elsewhere. */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../vmm/fileio.h"

static int strings_json(char *const *v, size_t n, json_t **out, struct uvm_error *err)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < n; i++) {
		if (json_array_append_new(arr, json_string(v[i])) < 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	if (!arr)
		return uvm_err(err, -ENOMEM, "out of memory building JSON");
	*out = arr;
	return 0;
}

static int set_new(json_t *obj, const char *key, json_t *v, struct uvm_error *err)
{
	if (!v || json_object_set_new(obj, key, v) < 0)
		return uvm_err(err, -ENOMEM, "out of memory building JSON");
	return 0;
}

static int check_type(const json_t *v, json_type want, const char *where, struct uvm_error *err)
{
	static const char *const names[] = {
		[JSON_OBJECT] = "an object", [JSON_ARRAY] = "an array", [JSON_STRING] = "a string",
		[JSON_INTEGER] = "an integer", [JSON_REAL] = "a number",
		[JSON_TRUE] = "a boolean", [JSON_FALSE] = "a boolean", [JSON_NULL] = "null",
	};

	if (v && json_typeof(v) != want && !(want == JSON_TRUE && json_is_boolean(v)))
		return uvm_err(err, -EINVAL, "%s: expected %s", where, names[want]);
	return 0;
}

static int apply_user(json_t *proc, const char *rootfs, const char *user, struct uvm_error *err)
{
	struct user_ids ids;
	json_t *old = json_object_get(proc, "user"), *u, *groups;
	int ret = user_resolve(rootfs, user, &ids, err);

	if (ret)
		return ret;
	u = json_pack("{s:I, s:I}", "uid", (json_int_t)ids.uid, "gid", (json_int_t)ids.gid);
	groups = json_array();
	for (size_t i = 0; groups && i < ids.n_groups; i++)
		json_array_append_new(groups, json_integer(ids.groups[i]));
	user_ids_free(&ids);
	if (!u || !groups) {
		json_decref(u);
		json_decref(groups);
		return uvm_err(err, -ENOMEM, "out of memory building JSON");
	}
	if (json_array_size(groups))
		json_object_set_new(u, "additionalGids", groups);
	else
		json_decref(groups);
	/* The spec's umask still applies to whoever the process runs as. */
	if (json_is_object(old) && json_object_get(old, "umask"))
		json_object_set(u, "umask", json_object_get(old, "umask"));
	return set_new(proc, "user", u, err);
}

int bundle_process(const json_t *spec, const char *rootfs, const struct process_params *pp,
		   bool terminal, unsigned rows, unsigned cols, json_t **out,
		   struct uvm_error *err)
{
	const json_t *base = json_object_get(spec, "process");
	json_t *proc, *v;
	int ret;

	if ((ret = check_type(base, JSON_OBJECT, "spec.process", err)))
		return ret;
	proc = base ? json_deep_copy(base) : json_object();
	if (!proc)
		return uvm_err(err, -ENOMEM, "out of memory building JSON");
	if (pp->args && !(ret = strings_json(pp->args, pp->n_args, &v, err)))
		ret = set_new(proc, "args", v, err);
	if (!ret && pp->env && !(ret = strings_json(pp->env, pp->n_env, &v, err)))
		ret = set_new(proc, "env", v, err);
	if (!ret && pp->cwd)
		ret = set_new(proc, "cwd", json_string(pp->cwd), err);
	if (!ret && pp->user)
		ret = apply_user(proc, rootfs, pp->user, err);
	if (ret)
		goto fail;
	v = json_object_get(proc, "args");
	if (!json_is_array(v) || !json_array_size(v)) {
		ret = uvm_err(err, -EINVAL, "process.args: required (neither the spec nor the "
			      "request gives any)");
		goto fail;
	}
	if (!json_object_get(proc, "cwd"))
		ret = set_new(proc, "cwd", json_string("/"), err);
	if (!ret && !json_object_get(proc, "user"))
		ret = set_new(proc, "user", json_pack("{s:i, s:i}", "uid", 0, "gid", 0), err);
	if (!ret)
		ret = set_new(proc, "terminal", json_boolean(terminal), err);
	json_object_del(proc, "consoleSize");
	if (!ret && terminal && (rows || cols))
		ret = set_new(proc, "consoleSize",
			      json_pack("{s:i, s:i}", "height", (int)rows, "width", (int)cols), err);
	if (ret)
		goto fail;
	*out = proc;
	return 0;
fail:
	json_decref(proc);
	return ret;
}

static int add_binds(json_t *cfg, const struct bundle_params *bp, struct uvm_error *err)
{
	json_t *mounts = json_object_get(cfg, "mounts");
	int ret = check_type(mounts, JSON_ARRAY, "spec.mounts", err);

	if (ret)
		return ret;
	if (!mounts) {
		if ((ret = set_new(cfg, "mounts", json_array(), err)))
			return ret;
		mounts = json_object_get(cfg, "mounts");
	}
	for (size_t i = 0; i < bp->n_binds; i++) {
		const struct bundle_mount *b = &bp->binds[i];
		json_t *m = json_pack("{s:s, s:s, s:s, s:[s, s]}", "destination", b->destination,
				      "type", "bind", "source", b->source, "options", "rbind",
				      b->read_only ? "ro" : "rw");

		if (!m || json_array_append_new(mounts, m) < 0)
			return uvm_err(err, -ENOMEM, "out of memory building JSON");
	}
	return 0;
}

static int set_root(json_t *cfg, const char *rootfs, struct uvm_error *err)
{
	json_t *root = json_object_get(cfg, "root"), *ro = NULL;
	int ret = check_type(root, JSON_OBJECT, "spec.root", err);

	if (!ret && root)
		ret = check_type(ro = json_object_get(root, "readonly"), JSON_TRUE,
				 "spec.root.readonly", err);
	if (ret)
		return ret;
	return set_new(cfg, "root", json_pack("{s:s, s:b}", "path", rootfs, "readonly",
					      json_is_true(ro)), err);
}

static int set_cgroup(json_t *cfg, const char *cgroups_path, struct uvm_error *err)
{
	json_t *linux_ = json_object_get(cfg, "linux"), *cur;
	int ret = check_type(linux_, JSON_OBJECT, "spec.linux", err);

	if (ret || !cgroups_path)
		return ret;
	if (!linux_) {
		if ((ret = set_new(cfg, "linux", json_object(), err)))
			return ret;
		linux_ = json_object_get(cfg, "linux");
	}
	cur = json_object_get(linux_, "cgroupsPath");
	if ((ret = check_type(cur, JSON_STRING, "spec.linux.cgroupsPath", err)))
		return ret;
	if (cur && json_string_length(cur))
		return 0;
	return set_new(linux_, "cgroupsPath", json_string(cgroups_path), err);
}

int bundle_config(const json_t *spec, const struct bundle_params *bp,
		  const struct process_params *pp, json_t **out, struct uvm_error *err)
{
	static const struct process_params none;
	json_t *cfg, *proc = NULL;
	int ret;

	if (!json_is_object(spec))
		return uvm_err(err, -EINVAL, "spec: expected an object");
	cfg = json_deep_copy(spec);
	if (!cfg)
		return uvm_err(err, -ENOMEM, "out of memory building JSON");
	ret = set_root(cfg, bp->rootfs, err);
	if (!ret)
		ret = add_binds(cfg, bp, err);
	if (!ret)
		ret = set_cgroup(cfg, bp->cgroups_path, err);
	/* Windows settings (layer folders, HvRuntime...) mean nothing here. */
	json_object_del(cfg, "windows");
	if (!ret)
		ret = bundle_process(spec, bp->rootfs, pp ? pp : &none, bp->terminal, bp->rows,
				     bp->cols, &proc, err);
	if (!ret)
		ret = set_new(cfg, "process", proc, err);
	if (ret) {
		json_decref(cfg);
		return ret;
	}
	*out = cfg;
	return 0;
}

int bundle_write_json(const char *dir, const char *name, const json_t *j,
		      struct uvm_error *err)
{
	char tmp[GCS_PATH_MAX + 64], path[GCS_PATH_MAX + 64];
	char *text = json_dumps(j, JSON_INDENT(1));
	int fd, ret;

	if (!text)
		return uvm_err(err, -ENOMEM, "out of memory writing %s", name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = uvm_err_sys(err, -errno, "%s", tmp);
		goto out;
	}
	ret = write_full(fd, text, strlen(text));
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (ret) {
		uvm_err_sys(err, ret, "write %s", tmp);
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path) < 0) {
		ret = uvm_err_sys(err, -errno, "rename to %s", path);
		unlink(tmp);
	}
out:
	free(text);
	return ret;
}
