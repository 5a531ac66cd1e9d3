/* Running a helper program (apt-get, dpkg-deb, depmod, mke2fs) and waiting
 * for it, with its output captured for error messages. Not for long-lived
 * children such as VMM processes. */
#ifndef UVM_SPAWN_H
#define UVM_SPAWN_H

#include <stddef.h>

#include "error.h"

/* Run argv[0] (found on PATH) in `cwd` (NULL: ours) with stdin from
 * /dev/null; stdout and stderr go to `out` (up to cap-1 bytes, NUL-ended;
 * NULL to discard). Returns the exit status (0-255), or a negative error
 * when it could not run or died of a signal. */
int spawn_wait(const char *const argv[], const char *cwd, char *out, size_t cap,
	       struct uvm_error *err);

/* The same, failing with a message naming the program and quoting the
 * last line of its output when the status is not 0. */
int spawn_check(const char *const argv[], const char *cwd, char *out, size_t cap,
		struct uvm_error *err);

#endif
