/* The host side of the guest agent protocol (docs/gcs-protocol.md), used by
 * the VMM process of one utility VM on behalf of libhcs: listen where the
 * agent calls home ("<vsock base>_<GCS_PORT>"), negotiate, then one typed call
 * per operation, each returning 0 or a negative errno with a one-line
 * message naming the agent's error code. Thread-safe; one client per VM, no
 * state shared between clients. Mapping the HCS schema onto these calls is
 * libhcs's job, not this file's.
 *
 * The agent is less trusted than the host: everything it sends is checked
 * (frame sizes, JSON types, ranges); a malformed frame ends the connection
 * (calls then fail with -EPROTO or -ECONNRESET), never the host process. */
#ifndef UVM_GCS_CLIENT_H
#define UVM_GCS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../guest-agent/gcs-wire.h"
#include "../vmm/error.h"

#define GCS_CLIENT_TIMEOUT_MS 60000   /* default time for the agent to answer a call */

struct gcs_client;

/* ---- connection ---- */

enum gcs_event_type {
	GCS_EVENT_PROCESS_EXITED = 1,
	GCS_EVENT_CONTAINER_EXITED = 2,
};

struct gcs_event {
	enum gcs_event_type type;
	uint32_t process;          /* PROCESS_EXITED: the process handle */
	int pid;
	int exit_status;           /* 128+N for death by signal N */
	const char *container;     /* the container id, or NULL for a process of the UVM */
};

/* Called on the client's reader thread, in the order the agent sent them.
 * It must not make calls on the same client (they would wait for the very
 * thread that is running the callback): hand the event to another thread. */
typedef void (*gcs_event_fn)(void *ctx, const struct gcs_event *ev);

/* Start listening on "<vsock_base>_<GCS_PORT>" (an old socket file there is
 * replaced). Listen before the VM boots: the agent may call early. */
int gcs_client_listen(const char *vsock_base, struct gcs_client **out, struct uvm_error *err);
/* Set before gcs_client_accept. */
void gcs_client_set_event_handler(struct gcs_client *c, gcs_event_fn fn, void *ctx);
/* How long a call waits for its response (default GCS_CLIENT_TIMEOUT_MS;
 * < 0: forever). Also bounds the wait for a new process's stdio streams. */
void gcs_client_set_timeout(struct gcs_client *c, int timeout_ms);
/* Accept the agent's connection (waiting at most timeout_ms, < 0 forever)
 * and negotiate the protocol version. Again after the connection ended, to
 * take the agent's next one (processes survive; handles stay valid). */
int gcs_client_accept(struct gcs_client *c, int timeout_ms, struct uvm_error *err);
bool gcs_client_connected(struct gcs_client *c);
unsigned gcs_client_version(struct gcs_client *c);
/* The agent's name and version ("uvm-agent 0.1") into buf. */
void gcs_client_agent_name(struct gcs_client *c, char *buf, size_t size);
/* Close the connection and the listening socket (its file is removed).
 * Handed-out stdio descriptors stay the caller's. NULL is allowed. */
void gcs_client_destroy(struct gcs_client *c);

/* ---- containers ---- */

struct gcs_layer {
	const char *serial;            /* virtio-blk serial of a read-only layer disk */
};

struct gcs_mapped_dir {
	const char *tag;               /* virtio-9p mount tag */
	const char *aname;             /* export name on that device; NULL: the only one */
	const char *container_path;    /* bind-mounted here in the container; NULL: none */
	const char *uvm_path;          /* mounted here in the UVM; NULL: under the bundle */
	bool read_only;
};

struct gcs_mapped_disk {
	const char *serial;
	const char *container_path;
	const char *uvm_path;
	const char *fstype;            /* NULL: detected */
	bool read_only;
};

struct gcs_mapped_pipe {
	const char *container_path;    /* the socket as the container sees it */
	uint32_t port;                 /* host vsock port its connections go to */
};

struct gcs_storage {
	const char *rootfs;                /* an existing UVM folder as the root, or: */
	const struct gcs_layer *layers;    /* top-most layer first (overlayfs order) */
	size_t n_layers;
	const char *scratch_serial;        /* the writable layer's disk; NULL: tmpfs */
	uint64_t scratch_tmpfs_mb;         /* tmpfs size; 0: the kernel's default */
	const struct gcs_mapped_dir *dirs;
	size_t n_dirs;
	const struct gcs_mapped_disk *disks;
	size_t n_disks;
	const struct gcs_mapped_pipe *pipes;
	size_t n_pipes;
};

/* Mount the storage and keep the OCI spec (JSON text, sent verbatim) for
 * start. Nothing runs yet. */
int gcs_create_container(struct gcs_client *c, const char *id, const char *oci_spec,
			 size_t spec_len, const struct gcs_storage *storage,
			 struct uvm_error *err);
int gcs_delete_container(struct gcs_client *c, const char *id, struct uvm_error *err);
/* A folder on a spare 9p device (tag, aname) mounted into the running
 * container at container_path, or in the UVM at uvm_path (one of the two);
 * and taken away again. */
int gcs_add_mapped_directory(struct gcs_client *c, const char *container,
			     const struct gcs_mapped_dir *d, struct uvm_error *err);
int gcs_remove_mapped_directory(struct gcs_client *c, const char *container,
				const char *container_path, const char *uvm_path,
				struct uvm_error *err);
/* A disk put in a spare virtio-blk device (found by its serial) mounted into
 * the running container, or in the UVM; and taken away again. */
int gcs_add_mapped_disk(struct gcs_client *c, const char *container,
			const struct gcs_mapped_disk *d, struct uvm_error *err);
int gcs_remove_mapped_disk(struct gcs_client *c, const char *container, const char *serial,
			   const char *container_path, const char *uvm_path, struct uvm_error *err);

/* ---- processes ---- */

struct gcs_process_params {
	const char *const *args;       /* NULL: the spec's (container init) */
	size_t n_args;
	const char *const *env;        /* "NAME=value"; NULL: the spec's (UVM: a default PATH) */
	size_t n_env;
	const char *cwd;               /* NULL: the spec's, "/" in the UVM */
	const char *user;              /* "name|uid[:group|gid]"; NULL: the spec's, root in the UVM */
};

struct gcs_stdio_params {
	bool terminal;                 /* a pseudo-terminal: stdout carries both outputs */
	unsigned rows, cols;           /* its initial size (0: leave) */
	bool in, out, err;             /* which streams to open (err not with a terminal) */
};

struct gcs_process {
	uint32_t id;                   /* handle for the calls below */
	int pid;                       /* in the UVM */
	int stdin_fd;                  /* writable; -1 when not asked for */
	int stdout_fd, stderr_fd;      /* readable; -1 when not asked for */
};

/* The container's init process (args etc. override the spec's process). */
int gcs_start_container(struct gcs_client *c, const char *id,
			const struct gcs_process_params *pp, const struct gcs_stdio_params *stdio,
			struct gcs_process *out, struct uvm_error *err);
/* A process in a running container, or in the UVM itself (container NULL). */
int gcs_exec_process(struct gcs_client *c, const char *container,
		     const struct gcs_process_params *pp, const struct gcs_stdio_params *stdio,
		     struct gcs_process *out, struct uvm_error *err);
int gcs_signal_process(struct gcs_client *c, uint32_t process, int sig, struct uvm_error *err);
int gcs_resize_console(struct gcs_client *c, uint32_t process, unsigned rows, unsigned cols,
		       struct uvm_error *err);
/* End the process's stdin after what was already written to it (closing the
 * stdin descriptor does the same). */
int gcs_close_stdin(struct gcs_client *c, uint32_t process, struct uvm_error *err);

struct gcs_process_status {
	uint32_t id;
	int pid;
	bool running;
	int exit_status;               /* when !running */
};

int gcs_process_status(struct gcs_client *c, uint32_t process, struct gcs_process_status *out,
		       struct uvm_error *err);
/* Wait for the process's exit (timeout_ms < 0: forever; -ETIMEDOUT). */
int gcs_wait_process(struct gcs_client *c, uint32_t process, int timeout_ms, int *exit_status,
		     struct uvm_error *err);
/* The host is done with the handle: the agent forgets the process once it has
 * exited and its output is delivered. */
int gcs_release_process(struct gcs_client *c, uint32_t process, struct uvm_error *err);

struct gcs_process_info {
	int pid;
	char name[64];
	char command[1024];            /* arguments joined by spaces, maybe truncated */
	uint64_t start_time_ns;        /* wall clock (UVM) */
	uint64_t user_time_us, kernel_time_us;
	uint64_t rss_bytes, vsize_bytes, shared_bytes;
};

/* Processes of a container (its cgroup tree), or the running processes the
 * agent started in the UVM (container NULL). *out is malloc'd. */
int gcs_list_processes(struct gcs_client *c, const char *container,
		       struct gcs_process_info **out, size_t *n, struct uvm_error *err);

struct gcs_stats {
	uint64_t timestamp_ns, start_time_ns;       /* wall clock (UVM) */
	uint64_t memory_current, memory_max;        /* max: UINT64_MAX when unlimited */
	uint64_t memory_peak;
	bool has_memory_peak;
	uint64_t cpu_usage_usec, cpu_user_usec, cpu_system_usec;
	uint64_t io_read_bytes, io_write_bytes, io_read_ios, io_write_ios;
	uint64_t pids;
};

int gcs_container_stats(struct gcs_client *c, const char *container, struct gcs_stats *out,
			struct uvm_error *err);

/* ---- the UVM ---- */

/* SIGTERM to every container's init, up to grace_ms for them to end, then
 * SIGKILL to all and power off. Returns once the agent accepted. */
int gcs_shutdown(struct gcs_client *c, unsigned grace_ms, struct uvm_error *err);
/* SIGKILL to all and power off at once. */
int gcs_terminate(struct gcs_client *c, struct uvm_error *err);

/* ---- low level (tests, diagnostics) ---- */

/* Send body (a JSON object with "op") as one request; *result gets the
 * response's "result" as JSON text (malloc'd), or the call fails with the
 * agent's error. */
int gcs_call_raw(struct gcs_client *c, const char *body, size_t len, char **result,
		 struct uvm_error *err);

#endif
