/* libhcs internals shared by its files: the handle structs and one control
 * call (connect, send a request, read the response and its descriptors). */
#ifndef UVM_HCS_INTERNAL_H
#define UVM_HCS_INTERNAL_H

#include <jansson.h>
#include <limits.h>

#include "hcs.h"

struct hcs_system {
	char root[PATH_MAX];
	char id[HCS_ID_MAX + 1];
	int fd;                       /* control connection; -1 once the host is gone */
	bool closed;
};

struct hcs_process {
	char root[PATH_MAX];
	char id[HCS_ID_MAX + 1];
	int fd;                       /* its own control connection (waits block it) */
	uint32_t handle;
	int pid;
	int stdio[3];                 /* -1 when not asked for */
	bool exited;
	int exit_code;
};

/* Connect to <root>/<id>/control.sock; the fd, or -1 with err set. */
int hcs_connect(const char *root, const char *id, struct hcs_error *err);
/* Send req (consumed), read the response: *result is a new reference (the
 * "result" member, maybe null); passed descriptors go to fds/nfds (closed
 * when fds is NULL). A lost host reads as ALREADY_STOPPED or UNEXPECTED_EXIT. */
int hcs_call(int fd, const char *root, const char *id, json_t *req, json_t **result,
	     int *fds, size_t *nfds, struct hcs_error *err);
/* The same, with descriptors riding on the request (they stay the caller's). */
int hcs_call_sending(int fd, const char *root, const char *id, json_t *req,
		     const int *send_fds, size_t n_send, json_t **result, int *fds,
		     size_t *nfds, struct hcs_error *err);

#endif
