/* What PC firmware would leave in memory that Linux relies on and that we
 * provide instead of a BIOS: the reset vector at 0xffff0. Linux jumps there
 * (in real mode) as a last way to reboot, e.g. when a hardware-reduced ACPI
 * machine makes it try EFI and then the BIOS; our stub asks the VMM for a
 * reset through the ACPI reset register. */
#ifndef UVM_FIRMWARE_H
#define UVM_FIRMWARE_H

#include "../vmm/memory.h"

#define RESET_VECTOR_ADDR 0xffff0ULL

int firmware_write_reset_vector(const struct guest_memory *gm);

#endif
