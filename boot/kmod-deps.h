/* Which kernel module files to load, in which order, for a list of module
 * names: read from a kernel's modules.dep (as depmod writes it), with
 * dependencies first and each file once; modules built into the kernel
 * (modules.builtin) need nothing. For the UVM image builder. */
#ifndef UVM_KMOD_DEPS_H
#define UVM_KMOD_DEPS_H

#include "../vmm/error.h"

#define KMOD_MAX 256

struct kmod_list {
	char *paths[KMOD_MAX];   /* relative to the modules folder, in load order */
	unsigned count;
};

int kmod_resolve(const char *modules_dir, const char *const *names, unsigned n,
		 struct kmod_list *out, struct uvm_error *err);
void kmod_list_free(struct kmod_list *list);

#endif
