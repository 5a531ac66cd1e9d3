/* Minimal ACPI tables for a hardware-reduced x86 VM: RSDP, XSDT, FADT (sleep
 * control, sleep status and reset registers), MADT (one local APIC per vCPU
 * and the IOAPIC), DSDT (\_S5 for poweroff, the PCI root bridge, the pvpanic
 * device). They are how the guest sees its CPUs and how it powers off. */
#ifndef UVM_ACPI_H
#define UVM_ACPI_H

#include <stdbool.h>
#include <stdint.h>

#include "../vmm/error.h"
#include "../vmm/memory.h"

#define ACPI_MAX_CPUS 254  /* xAPIC ids, the IOAPIC takes none of them */

struct acpi_config {
	unsigned ncpus;
	bool pci;        /* declare the PCI root bridge (config ports 0xcf8) */
};

/* Write the tables into the BIOS area of guest memory; *rsdp_addr receives
 * where the RSDP is (also findable by the guest's scan of 0xe0000-0xfffff). */
int acpi_build(const struct guest_memory *gm, const struct acpi_config *cfg,
	       uint64_t *rsdp_addr, struct uvm_error *err);

/* Sum of bytes, as ACPI checksums are defined (a valid table sums to 0). */
uint8_t acpi_checksum(const uint8_t *data, size_t len);

#endif
