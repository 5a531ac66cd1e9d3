/* ProcessConfig -> what the guest agent runs: the process's arguments,
 * environment, folder, user and streams (process_request), and, for a
 * container whose first process comes without an OCISpecification, a
 * default OCI runtime spec built from the ProcessConfig (the way a runtime
 * daemon would write one: its own pid, mount, uts and ipc namespaces,
 * /proc, /dev, /dev/pts, /dev/shm, /sys read-only, the usual capabilities). */
#ifndef UVM_PROCESS_MAP_H
#define UVM_PROCESS_MAP_H

#include "gcs-client.h"
#include "schema.h"

struct process_request {
	struct gcs_process_params params;
	struct gcs_stdio_params stdio;
	char **args;                   /* owned */
	char **env;                    /* owned */
};

/* Arguments: CommandArgs, or CommandLine split on blanks with "..." and '...'
 * quoting and backslash escapes. */
int process_request_build(const struct hcs_process_config *pc, struct process_request *pr,
			  struct uvm_error *err);
void process_request_free(struct process_request *pr);

/* Split a command line as above into a NULL-terminated, malloc'd vector. */
int split_command_line(const char *line, char ***argv, size_t *argc, struct uvm_error *err);

/* A default OCI spec (JSON text, malloc'd) for pc with the given hostname. */
char *oci_default_spec(const struct hcs_process_config *pc, const char *hostname);

#endif
