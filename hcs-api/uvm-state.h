/* The state folder of compute systems: <root>/<id>/ holds what one utility
 * VM's host process needs and leaves (config.json, the control socket, the
 * console log, the vsock sockets, a lock held while the host lives, the exit
 * status). Ids are checked so that none can name anything outside root. */
#ifndef UVM_STATE_H
#define UVM_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "hcs.h"

#define STATE_CONFIG   "config.json"
#define STATE_CONTROL  "control.sock"
#define STATE_CONSOLE  "console.log"
#define STATE_VSOCK    "vsock.sock"
#define STATE_LOCK     "lock"
#define STATE_EXIT     "exit"           /* "<status> <reason>\n", written when the VM ended */
#define STATE_PID      "host.pid"

/* [A-Za-z0-9][A-Za-z0-9_.-]*, 1..HCS_ID_MAX bytes. */
int state_check_id(const char *id, struct hcs_error *err);
/* <root>/<id>[/<name>] into buf (ENAMETOOLONG as an error). */
int state_path(const char *root, const char *id, const char *name, char *buf, size_t size,
	       struct hcs_error *err);
/* Make root (0711, parents too) and <root>/<id> (0700); ALREADY_EXISTS when taken. */
int state_create(const char *root, const char *id, struct hcs_error *err);
/* NOT_EXIST when there is no such system. */
int state_exists(const char *root, const char *id, struct hcs_error *err);
/* Whether a host process holds the folder's lock. */
bool state_host_alive(const char *root, const char *id);
/* The host's pid (0 when unknown). */
int state_host_pid(const char *root, const char *id);
/* The VM's exit status once it ended: 0 and *status, or -1 when not ended. */
int state_exit_status(const char *root, const char *id, int *status);
/* Remove the folder and everything in it (never following links). */
int state_remove(const char *root, const char *id, struct hcs_error *err);
/* Ids under root, sorted; *ids malloc'd (each entry too). */
int state_list(const char *root, char ***ids, size_t *n, struct hcs_error *err);
void state_list_free(char **ids, size_t n);

#endif
