/* The x86 Linux boot protocol's loader side: the boot_params "zero page"
 * (setup header copy, command line and initrd pointers, e820 memory map,
 * ACPI RSDP address) and where the initrd goes. No KVM here. */
#ifndef UVM_BOOT_PARAMS_H
#define UVM_BOOT_PARAMS_H

#include <stdint.h>

#include "bzimage.h"

#define BOOT_PARAMS_SIZE     4096
#define BP_ACPI_RSDP_ADDR    0x070
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE  0x0c4
#define BP_EXT_CMD_LINE_PTR  0x0c8
#define BP_E820_ENTRIES      0x1e8
#define BP_E820_TABLE        0x2d0
#define BP_E820_MAX          128
#define E820_ENTRY_SIZE      20

#define E820_RAM      1
#define E820_RESERVED 2

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};

struct boot_layout {
	uint64_t cmdline_addr;
	uint64_t initrd_addr;   /* 0 when there is no initrd */
	uint64_t initrd_size;
	uint64_t rsdp_addr;     /* 0 when there are no ACPI tables */
};

/* The e820 map of guest memory `gm`; returns the entry count. */
int boot_e820_build(const struct guest_memory *gm, struct e820_entry *out, int max);

/* Highest page-aligned guest address for an initrd of `size` bytes, above
 * `lowest` and inside what the kernel can reach (initrd_addr_max). */
int boot_place_initrd(const struct bzimage *bz, const struct guest_memory *gm, uint64_t lowest,
		      uint64_t size, uint64_t *addr, struct uvm_error *err);

/* Fill a zero page for `bz` booting in `gm` with the given layout. */
void boot_params_build(uint8_t zp[BOOT_PARAMS_SIZE], const struct bzimage *bz,
		       const struct guest_memory *gm, const struct boot_layout *layout);

#endif
