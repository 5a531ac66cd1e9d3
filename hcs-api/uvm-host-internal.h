/* Shared by the host process's files (uvm-host.c: lifecycle and the VM;
 * uvm-host-ops.c: the control requests). */
#ifndef UVM_HOST_INTERNAL_H
#define UVM_HOST_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include "gcs-client.h"
#include "schema.h"
#include "uvm-plan.h"

enum host_state { HOST_CREATED, HOST_STARTING, HOST_RUNNING, HOST_STOPPED };

#define HOST_MAX_PROCESSES 1024
#define HOST_AGENT_TIMEOUT_MS 600000   /* boot to agent: nested emulation is slow */

struct host_process {
	uint32_t handle;          /* the agent's process id; 0: free slot */
	int pid;
	bool exited;
	int exit_status;
};

/* A mapped folder added while running, on spare 9p device `slot`. */
struct host_hot_dir {
	bool used;
	bool in_uvm;                  /* CreateInUtilityVM */
	char *path;                   /* ContainerPath */
	char name[24];                /* export name, new for every addition */
};

/* A MappedVirtualDisk added while running, in spare disk `slot`. */
struct host_hot_disk {
	bool used;
	bool in_uvm;                  /* CreateInUtilityVM */
	bool attach_only;             /* AttachOnly: not mounted */
	bool read_only;
	char *host_path;              /* HostPath: what Remove names */
	char *path;                   /* ContainerPath */
	char serial[24];              /* new for every addition */
};

struct host {
	const char *root, *id;
	char dir[4096];
	struct hcs_container_config cc;
	struct uvm_plan plan;
	struct gcs_client *gcs;
	pid_t main_tid;

	pthread_mutex_t lock;
	pthread_cond_t changed;
	enum host_state state;
	bool start_requested, stop_requested;
	bool container_created;
	uint32_t init_handle;         /* the container's first process */
	int exit_status;
	unsigned handles;             /* open compute-system handles */
	bool had_handles;
	struct host_process procs[HOST_MAX_PROCESSES];

	struct vmm_live *live;        /* the VM's spare folder devices */
	pthread_mutex_t modify_lock;  /* one Modify at a time */
	struct host_hot_dir hot_dirs[PLAN_SPARE_SHARES];
	struct host_hot_disk hot_disks[PLAN_SPARE_DISKS];
	unsigned hot_seq;
};

/* The response to one request (a new reference); fds (up to 3) in *fds.
 * in_fds came with the request: a handler that keeps one sets it to -1. */
json_t *host_handle_request(struct host *h, json_t *req, int *in_fds, size_t n_in, int *fds,
			    size_t *nfds, bool *is_handle);
/* Modify (uvm-host-modify.c): mapped folders and disks added and removed
 * while running. */
json_t *host_op_modify(struct host *h, json_t *req, int *in_fds, size_t n_in);

/* Shared by the request handlers. */
enum host_state host_get_state(struct host *h);
json_t *host_not_running(struct host *h);
json_t *host_error_from_uvm(const struct uvm_error *e);
/* Called when a connection that said hello as a handle goes away. */
void host_handle_closed(struct host *h);

/* Lifecycle (uvm-host.c), called from request handlers. */
void host_request_start(struct host *h);
void host_request_stop(struct host *h);
const char *host_state_name(enum host_state s);
/* The last "uvmrun: ..." line of the console log (the VMM's own error), or "". */
void host_last_error(struct host *h, char *buf, size_t size);

#endif
