/* Booting Linux in a VM: open and check the kernel and initrd before any VM
 * exists, say how much memory they need, then lay out kernel, initrd,
 * command line, boot_params, ACPI tables, GDT and page tables in guest
 * memory and return the entry point. */
#ifndef UVM_LINUX_LOADER_H
#define UVM_LINUX_LOADER_H

#include <stdbool.h>
#include <stdint.h>

#include "../vmm/error.h"
#include "../vmm/memory.h"
#include "bzimage.h"

/* What the kernel needs beyond its own footprint and the initrd. */
#define LINUX_MIN_HEADROOM (32ULL << 20)

struct linux_image {
	struct bzimage kernel;
	const char *initrd_path;
	int initrd_fd;           /* -1 without initrd */
	uint64_t initrd_size;
	const char *cmdline;
};

struct linux_entry {
	uint64_t rip;        /* 64-bit entry point */
	uint64_t zero_page;  /* boot_params, passed in %rsi */
};

/* Validate everything that can be checked without a VM. */
int linux_image_open(struct linux_image *img, const char *kernel_path, const char *initrd_path,
		     const char *cmdline, struct uvm_error *err);
void linux_image_close(struct linux_image *img);

/* Least guest RAM this kernel and initrd can boot in. */
uint64_t linux_image_min_memory(const struct linux_image *img);

/* Place everything in guest memory for a VM of `ncpus` vCPUs. */
int linux_image_load(const struct linux_image *img, const struct guest_memory *gm,
		     unsigned ncpus, bool pci, struct linux_entry *entry, struct uvm_error *err);

#endif
