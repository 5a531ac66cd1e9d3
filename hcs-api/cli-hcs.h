/* uvmrun's container commands, for the dispatcher in uvmrun.c. */
#ifndef UVM_CLI_HCS_H
#define UVM_CLI_HCS_H

struct cli_command {
	const char *name;
	const char *summary;          /* NULL: internal, not listed */
	int (*run)(int argc, char **argv);
};

/* Terminated by an entry with a NULL name. */
extern const struct cli_command cli_hcs_commands[];

#endif
