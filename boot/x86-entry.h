/* The CPU state the Linux 64-bit boot protocol asks for at the kernel's
 * 64-bit entry: identity-mapped page tables, a flat GDT, long mode, and
 * %rsi pointing at boot_params. Builds state; the vCPU code applies it. */
#ifndef UVM_X86_ENTRY_H
#define UVM_X86_ENTRY_H

#include <linux/kvm.h>
#include <stdint.h>

#include "../vmm/memory.h"

#define BOOT_CS_SELECTOR 0x10
#define BOOT_DS_SELECTOR 0x18
#define BOOT_TSS_SELECTOR 0x20

/* Write the GDT and the page tables (identity map of the first 4 GiB with
 * 2 MiB pages) into guest memory. */
int x86_write_boot_tables(const struct guest_memory *gm);

/* Special and general registers for entering the kernel at `entry` with
 * boot_params at `zero_page`. `sregs` must hold the vCPU's current values. */
void x86_boot_sregs(struct kvm_sregs *sregs);
void x86_boot_regs(struct kvm_regs *regs, uint64_t entry, uint64_t zero_page);

/* Offset of the 64-bit entry point from the protected-mode kernel's start. */
#define X86_64BIT_ENTRY_OFFSET 0x200

#endif
