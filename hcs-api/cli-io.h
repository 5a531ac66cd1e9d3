/* The uvmrun command line's side of a container process's streams. */
#ifndef UVM_CLI_IO_H
#define UVM_CLI_IO_H

#include <stdbool.h>

#include "hcs.h"

/* Pump our stdin/stdout/stderr to and from p until its outputs end (raw
 * terminal when `terminal` and stdin is one; our signals forwarded), then
 * wait for it and set *exit_code. */
int cli_attach(struct hcs_process *p, bool terminal, int *exit_code, struct hcs_error *err);
/* Our terminal's size; -1 when stdin is not a terminal. */
int cli_console_size(unsigned *rows, unsigned *cols);

#endif
