/* Confining the VMM process before it starts any thread: a private mount
 * namespace showing only the VM's files, and an unprivileged user
 * (`uvmrun boot --jail-user UID[:GID]`). Needs root to enter. */
#ifndef UVM_JAIL_H
#define UVM_JAIL_H

#include "vmm.h"

/* No-op unless cfg->jail.enabled. Must run while the process has one thread. */
int vmm_jail_enter(const struct vmm_config *cfg, struct uvm_error *err);

#endif
