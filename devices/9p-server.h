/* A 9P2000.L file server for Linux's v9fs client: host directories (exports)
 * served to a hostile guest that never reaches a host path outside them.
 * Transport-independent: queues, flush and worker threads are virtio-9p's. */
#ifndef UVM_9P_SERVER_H
#define UVM_9P_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../vmm/error.h"

/* Limits a guest cannot exceed (all enforced per server, i.e. per session). */
#define P9_MAX_FIDS       65536u      /* live fids; more get EMFILE */
#define P9_XATTR_MAX      65536u      /* xattr value or list size; more get E2BIG */
#define P9_XATTR_TOTAL_MAX (16u << 20) /* all xattr fids' buffers; more get ENOMEM */
#define P9_DEFAULT_MAX_FDS 65536u     /* host descriptors held; more get ENFILE */
#define P9_MIN_MSIZE      4096u       /* a smaller Tversion msize gets EMSGSIZE */
#define P9_DEFAULT_MSIZE  (512u * 1024)

struct p9_export_config {
	const char *name;       /* matched against Tattach's aname; "" or NULL matches a lone export */
	const char *host_path;  /* directory to share; or NULL and: */
	int dir_fd;             /* the directory, already open (the server keeps a duplicate) */
	bool read_only;
};

struct p9_server;

/* max_msize: the largest message the transport can carry (>= P9_MIN_MSIZE). */
int p9_server_create(uint32_t max_msize, struct p9_server **out, struct uvm_error *err);
/* Host descriptors the server may hold for fids (one per walked object, one
 * per open fid; cloned fids share). The default is half of RLIMIT_NOFILE at
 * create time, at most P9_DEFAULT_MAX_FDS, so raise the soft limit first or
 * set it here. Past it, requests that need a descriptor get ENFILE. */
void p9_server_set_fd_limit(struct p9_server *s, unsigned max_fds);
unsigned p9_server_fds_in_use(struct p9_server *s);

/* No p9_server_handle call may be running. NULL is allowed. */
void p9_server_destroy(struct p9_server *s);

/* Exports can be added and removed while the server runs (mapped directories
 * added to a running VM). A removed export's fids fail with EIO until the
 * guest clunks them; their host file descriptors are closed then. */
int p9_server_add_export(struct p9_server *s, const struct p9_export_config *cfg,
			 struct uvm_error *err);
int p9_server_remove_export(struct p9_server *s, const char *name, struct uvm_error *err);

/* Handle one complete request message (req_len bytes); write the response
 * into resp (resp_cap bytes, used up to the negotiated msize) and return its
 * length. Always produces a response when resp_cap >= 11 (an Rlerror fits):
 * a malformed or oversized request gets Rlerror (EPROTO, EINVAL, EMSGSIZE...)
 * with the request's tag when it can be read, else NOTAG; a reply that does
 * not fit becomes Rlerror EMSGSIZE, and Rread/Rreaddir counts shrink to fit.
 * Returns 0 only when resp_cap < 11 and the reply did not fit.
 * Thread-safe: several workers may call it at once; the fid table and
 * session state are locked, file IO runs unlocked. */
size_t p9_server_handle(struct p9_server *s, const uint8_t *req, size_t req_len,
			uint8_t *resp, size_t resp_cap);

/* Type and tag of a request, without handling it (for the transport's flush
 * bookkeeping). Fills type and tag whenever 7 bytes are there; returns 0, or
 * -EPROTO when the header is short or its size field is < 7 or > len. */
int p9_peek_header(const uint8_t *req, size_t len, uint8_t *type, uint16_t *tag);

/* The name of the export a request works on (through the fid it names
 * first, as every 9P2000.L request but version, auth, attach and flush
 * does), for per-export accounting. 0, or -ENOENT when it names none. */
int p9_server_request_export(struct p9_server *s, const uint8_t *req, size_t len, char *name,
			     size_t cap);

/* msize negotiated by the last Tversion (max_msize before any). */
uint32_t p9_server_msize(struct p9_server *s);

/* Live fids in the current session (for tests and diagnostics). */
unsigned p9_server_fid_count(struct p9_server *s);

#endif
