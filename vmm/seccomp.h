/* The VMM's seccomp-bpf allow-list: once a VM is set up (files open, VM and
 * devices created), only the system calls the running VMM makes are
 * allowed, for all its threads. Sockets are Unix only, clone makes threads
 * only, ioctl reaches KVM and the terminal only; no exec, mount, ptrace,
 * module loading, namespaces. A call outside the list stops the VMM with a
 * line naming the call. Not the jail (users, mount namespace): jail.c. */
#ifndef UVM_SECCOMP_H
#define UVM_SECCOMP_H

#include "error.h"

/* Exit status after a blocked call (the VMM's error status). */
#define SECCOMP_VIOLATION_EXIT 125

/* Install the filter on the calling process, all threads (TSYNC). */
int vmm_seccomp_install(struct uvm_error *err);

#endif
