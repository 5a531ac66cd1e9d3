/* The guest-physical memory map and fixed IO ports of a uvmrun x86-64 VM,
 * in one place so boot code, ACPI tables and devices agree. Values only. */
#ifndef UVM_LAYOUT_H
#define UVM_LAYOUT_H

#define MiB (1024ULL * 1024)
#define GiB (1024ULL * MiB)

/* Low memory used while booting (all below 1 MiB, marked RAM in e820 except
 * the EBDA and the BIOS area, which hold the ACPI tables). */
#define BOOT_GDT_ADDR        0x0500ULL
#define BOOT_IDT_ADDR        0x0520ULL
#define BOOT_ZERO_PAGE_ADDR  0x7000ULL
#define BOOT_STACK_TOP       0x8ff0ULL
#define BOOT_PML4_ADDR       0x9000ULL
#define BOOT_PDPT_ADDR       0xa000ULL
#define BOOT_PD_ADDR         0xb000ULL /* 4 pages: identity map of 4 GiB */
#define BOOT_CMDLINE_ADDR    0x20000ULL
#define BOOT_CMDLINE_MAX     0x10000ULL
#define EBDA_START           0x9fc00ULL
#define BIOS_AREA_START      0xe0000ULL /* ACPI tables live here */
#define BIOS_AREA_END        0x100000ULL
#define KERNEL_LOAD_ADDR     0x100000ULL /* protected-mode kernel, 1 MiB */

/* The hole below 4 GiB for MMIO: PCI windows, IOAPIC, LAPIC. RAM that does
 * not fit below it continues at 4 GiB. */
#define MMIO_HOLE_START      0xc0000000ULL
#define MMIO_HOLE_END        0x100000000ULL
#define PCI_MMIO_START       0xc0000000ULL
#define PCI_MMIO_END         0xfebfffffULL
#define IOAPIC_ADDR          0xfec00000ULL
#define LAPIC_ADDR           0xfee00000ULL
#define HIGH_RAM_START       0x100000000ULL

/* Addresses KVM needs for its own use on Intel hosts (TSS, EPT identity map). */
#define KVM_IDENTITY_MAP_ADDR 0xfeffc000ULL
#define KVM_TSS_ADDR          0xfeffd000ULL

/* IO ports. */
#define PORT_I8042_COMMAND   0x64
#define PORT_PVPANIC         0x505
#define PORT_DEBUG_EXIT      0xf4  /* guest writes its exit status here */
#define PORT_ACPI_SLEEP_CTL  0x600 /* FADT sleep control register */
#define PORT_ACPI_SLEEP_STS  0x601 /* FADT sleep status register */
#define PORT_ACPI_RESET      0x602 /* FADT reset register */
#define ACPI_RESET_VALUE     0x01
#define ACPI_S5_SLEEP_TYPE   5     /* the value of \_S5 in our DSDT */
#define PORT_COM1            0x3f8
#define IRQ_COM1             4

#endif
