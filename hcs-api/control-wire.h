/* The control socket between libhcs and a utility VM's host process: one
 * message is a 4-byte little-endian length and that many bytes of JSON, with
 * up to CONTROL_MAX_FDS descriptors riding on the length (SCM_RIGHTS) over a
 * Unix stream socket. Requests are {"op": ...}; responses {"ok": true,
 * "result": ...} or {"ok": false, "kind": "<hcs error kind>", "message": ...}.
 * Both ends check sizes and types; a malformed message ends the connection. */
#ifndef UVM_CONTROL_WIRE_H
#define UVM_CONTROL_WIRE_H

#include <jansson.h>
#include <stddef.h>

#include "hcs.h"

#define CONTROL_MAX_MESSAGE (4u << 20)   /* an OCI spec can be large, not this large */
#define CONTROL_MAX_FDS 3

/* Send msg with nfds descriptors (which stay the caller's). 0 or -errno. */
int control_send(int sock, json_t *msg, const int *fds, size_t nfds);
/* Receive one message: *msg (the caller's reference) and up to
 * CONTROL_MAX_FDS descriptors (close-on-exec; -1 for the unused ones; extra
 * ones are closed). 0, -ECONNRESET at a clean end, -EPROTO for garbage,
 * other -errno. */
int control_recv(int sock, json_t **msg, int fds[CONTROL_MAX_FDS], size_t *nfds);

/* Responses. control_error_response maps kind to its wire name. */
json_t *control_ok(json_t *result);
json_t *control_error_response(enum hcs_error_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Read a response into *result (borrowed from resp) or err. */
int control_parse_response(json_t *resp, json_t **result, struct hcs_error *err);

const char *control_kind_name(enum hcs_error_kind kind);
enum hcs_error_kind control_kind_from_name(const char *name);

#endif
