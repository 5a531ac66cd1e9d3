/* ELF shared-library dependency resolution (elf-deps.h). Files are read
 * whole and every offset in them is bounds-checked. */
#include "elf-deps.h"

#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../vmm/fileio.h"

#define ELF_MAX_FILE (256u << 20)

static const char *const default_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
	"/lib", "/usr/lib",
};

static bool in_file(size_t size, uint64_t off, uint64_t len)
{
	return off <= size && len <= size - off;
}

/* File offset of virtual address `vaddr`, through the PT_LOAD segments. */
static bool vaddr_to_off(const uint8_t *f, size_t size, const Elf64_Ehdr *eh, uint64_t vaddr,
			 uint64_t *off)
{
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, f + eh->e_phoff + (size_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr && vaddr - ph.p_vaddr < ph.p_filesz) {
			*off = ph.p_offset + (vaddr - ph.p_vaddr);
			return in_file(size, *off, 1);
		}
	}
	return false;
}

/* A NUL-terminated string at `off` inside the file (or NULL). */
static const char *string_at(const uint8_t *f, size_t size, uint64_t off)
{
	if (off >= size || !memchr(f + off, '\0', size - off))
		return NULL;
	return (const char *)f + off;
}

int elf_read_info(const char *path, struct elf_info *info, struct uvm_error *err)
{
	uint8_t *f;
	size_t size;
	Elf64_Ehdr eh;
	uint64_t strtab = 0, strsz = 0, needed_off[64];
	unsigned nneeded_off = 0;
	uint64_t runpath_off = UINT64_MAX;
	Elf64_Phdr dyn = { 0 };
	int ret;

	memset(info, 0, sizeof(*info));
	if ((ret = read_file(path, ELF_MAX_FILE, &f, &size, err)) < 0)
		return ret;
	ret = -ENOEXEC;
	if (size < sizeof(eh)) {
		uvm_err(err, ret, "%s: too short for an ELF file", path);
		goto out;
	}
	memcpy(&eh, f, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_machine != EM_X86_64) {
		uvm_err(err, ret, "%s: not an x86-64 ELF file", path);
		goto out;
	}
	if (eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    !in_file(size, eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr))) {
		uvm_err(err, ret, "%s: bad program headers", path);
		goto out;
	}
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, f + eh.e_phoff + (size_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_INTERP) {
			const char *s = in_file(size, ph.p_offset, ph.p_filesz) ?
				string_at(f, size, ph.p_offset) : NULL;

			if (!s || strlen(s) >= sizeof(info->interp)) {
				uvm_err(err, ret, "%s: bad interpreter", path);
				goto out;
			}
			strcpy(info->interp, s);
		} else if (ph.p_type == PT_DYNAMIC) {
			dyn = ph;
		}
	}
	ret = 0;
	if (dyn.p_type != PT_DYNAMIC)
		goto out;    /* static */
	if (!in_file(size, dyn.p_offset, dyn.p_filesz)) {
		ret = uvm_err(err, -ENOEXEC, "%s: bad dynamic section", path);
		goto out;
	}
	for (uint64_t o = 0; o + sizeof(Elf64_Dyn) <= dyn.p_filesz; o += sizeof(Elf64_Dyn)) {
		Elf64_Dyn d;

		memcpy(&d, f + dyn.p_offset + o, sizeof(d));
		if (d.d_tag == DT_NULL)
			break;
		if (d.d_tag == DT_STRTAB)
			strtab = d.d_un.d_ptr;
		else if (d.d_tag == DT_STRSZ)
			strsz = d.d_un.d_val;
		else if (d.d_tag == DT_NEEDED && nneeded_off < 64)
			needed_off[nneeded_off++] = d.d_un.d_val;
		else if (d.d_tag == DT_RUNPATH || (d.d_tag == DT_RPATH && runpath_off == UINT64_MAX))
			runpath_off = d.d_un.d_val;
	}
	if (!vaddr_to_off(f, size, &eh, strtab, &strtab) || !in_file(size, strtab, strsz)) {
		if (nneeded_off) {
			ret = uvm_err(err, -ENOEXEC, "%s: bad string table", path);
			goto out;
		}
		goto out;
	}
	for (unsigned i = 0; i < nneeded_off; i++) {
		const char *s = needed_off[i] < strsz ? string_at(f, size, strtab + needed_off[i]) : NULL;

		if (!s || !*s || strchr(s, '/') || !(info->needed[info->nneeded] = strdup(s))) {
			ret = uvm_err(err, -ENOEXEC, "%s: bad DT_NEEDED entry", path);
			goto out;
		}
		info->nneeded++;
	}
	if (runpath_off != UINT64_MAX && runpath_off < strsz) {
		const char *s = string_at(f, size, strtab + runpath_off);

		if (s && strlen(s) < sizeof(info->runpath))
			strcpy(info->runpath, s);
	}
out:
	if (ret < 0)
		elf_info_free(info);
	free(f);
	return ret;
}

void elf_info_free(struct elf_info *info)
{
	for (unsigned i = 0; i < info->nneeded; i++)
		free(info->needed[i]);
	info->nneeded = 0;
}

static bool deps_has(const struct elf_deps *deps, const char *path)
{
	for (unsigned i = 0; i < deps->count; i++)
		if (!strcmp(deps->paths[i], path))
			return true;
	return false;
}

static int deps_add(struct elf_deps *deps, const char *path, struct uvm_error *err)
{
	if (deps_has(deps, path))
		return 0;
	if (deps->count == ELF_DEPS_MAX)
		return uvm_err(err, -E2BIG, "more than %d shared libraries", ELF_DEPS_MAX);
	if (!(deps->paths[deps->count] = strdup(path)))
		return uvm_err(err, -ENOMEM, "out of memory");
	deps->count++;
	return 1;
}

/* Where the loader would find library `name` for an object whose RUNPATH is
 * `runpath` ($ORIGIN is not expanded: Debian's system programs do not use it). */
static int find_library(const char *name, const char *runpath, char *out, size_t cap)
{
	char rp[512];
	char *dir, *save = NULL;

	snprintf(rp, sizeof(rp), "%s", runpath);
	for (dir = strtok_r(rp, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		if (*dir != '/' || (size_t)snprintf(out, cap, "%s/%s", dir, name) >= cap)
			continue;
		if (access(out, R_OK) == 0)
			return 0;
	}
	for (size_t i = 0; i < sizeof(default_dirs) / sizeof(default_dirs[0]); i++) {
		if ((size_t)snprintf(out, cap, "%s/%s", default_dirs[i], name) >= cap)
			continue;
		if (access(out, R_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

/* Add what `info` needs to the list. */
static int deps_add_needed(struct elf_deps *deps, const char *who, const struct elf_info *info,
			   struct uvm_error *err)
{
	char lib[1024];
	int ret;

	for (unsigned i = 0; i < info->nneeded; i++) {
		if (find_library(info->needed[i], info->runpath, lib, sizeof(lib)) < 0)
			return uvm_err(err, -ENOENT, "%s: needs %s, which is not installed", who,
				       info->needed[i]);
		if ((ret = deps_add(deps, lib, err)) < 0)
			return ret;
	}
	return 0;
}

int elf_deps_collect(const char *program, struct elf_deps *deps, struct uvm_error *err)
{
	struct elf_info info;
	int ret;

	memset(deps, 0, sizeof(*deps));
	if ((ret = elf_read_info(program, &info, err)) < 0)
		return ret;
	if (info.interp[0] && (ret = deps_add(deps, info.interp, err)) < 0)
		goto fail;
	if ((ret = deps_add_needed(deps, program, &info, err)) < 0)
		goto fail;
	elf_info_free(&info);
	/* Breadth first: the list grows as we walk it. */
	for (unsigned i = 0; i < deps->count; i++) {
		if ((ret = elf_read_info(deps->paths[i], &info, err)) < 0 ||
		    (ret = deps_add_needed(deps, deps->paths[i], &info, err)) < 0)
			goto fail;
		elf_info_free(&info);
	}
	return 0;
fail:
	elf_info_free(&info);
	elf_deps_free(deps);
	return ret;
}

void elf_deps_free(struct elf_deps *deps)
{
	for (unsigned i = 0; i < deps->count; i++)
		free(deps->paths[i]);
	deps->count = 0;
}
