/* modules.dep resolution (kmod-deps.h). */
#include "kmod-deps.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../vmm/fileio.h"

/* "kernel/fs/ext4/ext4.ko" -> "ext4", with '-' as '_' (as modprobe does). */
static void module_name(const char *path, size_t len, char *out, size_t cap)
{
	const char *base = path, *dot;
	size_t n;

	for (size_t i = 0; i < len; i++)
		if (path[i] == '/')
			base = path + i + 1;
	dot = memchr(base, '.', len - (size_t)(base - path));
	n = dot ? (size_t)(dot - base) : len - (size_t)(base - path);
	if (n >= cap)
		n = cap - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = base[i] == '-' ? '_' : base[i];
	out[n] = '\0';
}

static bool list_has(const struct kmod_list *l, const char *path, size_t len)
{
	for (unsigned i = 0; i < l->count; i++)
		if (strlen(l->paths[i]) == len && !memcmp(l->paths[i], path, len))
			return true;
	return false;
}

static int list_add(struct kmod_list *l, const char *path, size_t len, struct uvm_error *err)
{
	if (list_has(l, path, len))
		return 0;
	if (l->count == KMOD_MAX)
		return uvm_err(err, -E2BIG, "more than %d kernel modules", KMOD_MAX);
	if (!(l->paths[l->count] = strndup(path, len)))
		return uvm_err(err, -ENOMEM, "out of memory");
	l->count++;
	return 0;
}

/* Whether `name` is built in, per modules.builtin. */
static bool builtin(const char *builtin_list, size_t size, const char *name)
{
	const char *p = builtin_list, *end = builtin_list + size;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char mod[128];

		module_name(p, len, mod, sizeof(mod));
		if (!strcmp(mod, name))
			return true;
		p += len + 1;
	}
	return false;
}

/* Add one module's line: its dependencies (last listed loads first), then it. */
static int add_line(struct kmod_list *out, const char *line, size_t len, struct uvm_error *err)
{
	const char *colon = memchr(line, ':', len);
	const char *deps_end = line + len, *p;
	int ret;

	if (!colon)
		return uvm_err(err, -EINVAL, "modules.dep: malformed line");
	for (p = deps_end; p > colon + 1;) {
		const char *q = p;

		while (q > colon + 1 && q[-1] == ' ')
			q--;
		p = q;
		while (p > colon + 1 && p[-1] != ' ')
			p--;
		if (q > p && (ret = list_add(out, p, (size_t)(q - p), err)) < 0)
			return ret;
	}
	return list_add(out, line, (size_t)(colon - line), err);
}

int kmod_resolve(const char *modules_dir, const char *const *names, unsigned n,
		 struct kmod_list *out, struct uvm_error *err)
{
	char path[4096];
	uint8_t *dep = NULL, *bi = NULL;
	size_t dep_size, bi_size = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "%s/modules.dep", modules_dir);
	if ((ret = read_file(path, 64u << 20, &dep, &dep_size, err)) < 0)
		return ret;
	snprintf(path, sizeof(path), "%s/modules.builtin", modules_dir);
	if (read_file(path, 64u << 20, &bi, &bi_size, NULL) < 0)
		bi = NULL;
	for (unsigned i = 0; i < n; i++) {
		const char *p = (const char *)dep, *end = (const char *)dep + dep_size;
		char want[128];
		bool found = false;

		module_name(names[i], strlen(names[i]), want, sizeof(want));
		while (p < end && !found) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
			const char *colon = memchr(p, ':', len);
			char mod[128];

			if (colon) {
				module_name(p, (size_t)(colon - p), mod, sizeof(mod));
				if (!strcmp(mod, want)) {
					found = true;
					if ((ret = add_line(out, p, len, err)) < 0)
						goto out;
				}
			}
			p += len + 1;
		}
		if (!found && !(bi && builtin((const char *)bi, bi_size, want))) {
			ret = uvm_err(err, -ENOENT, "kernel module %s is neither in modules.dep nor built in",
				      names[i]);
			goto out;
		}
	}
	ret = 0;
out:
	if (ret < 0)
		kmod_list_free(out);
	free(dep);
	free(bi);
	return ret;
}

void kmod_list_free(struct kmod_list *list)
{
	for (unsigned i = 0; i < list->count; i++)
		free(list->paths[i]);
	list->count = 0;
}
