/* The host process of one compute system: the detached VMM process that
 * `hcs_create` starts (`uvmrun host ROOT ID`). It reads <root>/<id>/config.json,
 * holds the folder's lock while it lives, serves the control socket
 * (control-wire.h) on a thread per connection, boots the VM on start, talks
 * to the guest agent, and records the VM's exit before it ends. */
#ifndef UVM_HOST_H
#define UVM_HOST_H

#include "../vmm/vmm.h"

/* Run the host; ready_fd (or -1) gets "ok\n" once the control socket
 * listens, or one error line, and is then closed. With jail->enabled the
 * host (and so the VMM) runs jailed as that user (vmm/jail.h). Returns the
 * exit status. */
int uvm_host_main(const char *root, const char *id, int ready_fd, const struct vmm_jail *jail);

#endif
