/* The ways a guest ends its VM, as IO ports: the ACPI sleep control register
 * (S5 = poweroff), the ACPI reset register and the i8042 reset line
 * (reboot), pvpanic (kernel panic), and the debug-exit port 0xf4 (exit with
 * a status byte). Each records the VM's end; the main loop does the rest. */
#ifndef UVM_GUEST_EXIT_H
#define UVM_GUEST_EXIT_H

#include "vm.h"

int guest_exit_register(struct vm *vm, struct uvm_error *err);

#endif
