/* What a dynamically linked x86-64 ELF program needs to run somewhere else:
 * its interpreter (PT_INTERP) and, recursively, the shared libraries named
 * by DT_NEEDED, found the way the dynamic loader would (DT_RUNPATH/RPATH,
 * then the standard Debian multiarch folders). Reads the files; runs none
 * (unlike ldd). For the UVM image builder. */
#ifndef UVM_ELF_DEPS_H
#define UVM_ELF_DEPS_H

#include <stddef.h>

#include "../vmm/error.h"

#define ELF_DEPS_MAX 128

struct elf_deps {
	/* Absolute paths as the loader asks for them (they may be symlinks on
	 * the host); the interpreter first when there is one. */
	char *paths[ELF_DEPS_MAX];
	unsigned count;
};

/* Collect what `program` needs (not the program itself). A static program
 * needs nothing. Errors name the file and what is missing. */
int elf_deps_collect(const char *program, struct elf_deps *deps, struct uvm_error *err);
void elf_deps_free(struct elf_deps *deps);

/* The interpreter and DT_NEEDED names of one ELF file (for tests). */
struct elf_info {
	char interp[256];
	char *needed[64];
	unsigned nneeded;
	char runpath[512];
};
int elf_read_info(const char *path, struct elf_info *info, struct uvm_error *err);
void elf_info_free(struct elf_info *info);

#endif
