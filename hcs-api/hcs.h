/* libhcs: the HCS container API served by uvmrun's utility VMs, after
 * hcsshim's Container and Process interfaces. A compute system is one
 * container in its own utility VM, run by one detached VMM process ("the
 * host") with its state in <root>/<id>/ (root: HCS_DEFAULT_ROOT unless
 * given). Any process can open a compute system by id; every handle talks to
 * the host over its control socket, so handles in different processes see
 * the same system.
 *
 * Configurations are JSON text in hcsshim's shapes (hcs-api/schema.h):
 * ContainerConfig for create, ProcessConfig for processes,
 * ComputeSystemQuery for enumerate; results are JSON text the caller frees.
 * Every call returns 0 or a negative value and fills *err (which may be NULL)
 * with a kind mirroring hcsshim's errors and a one-line message. */
#ifndef UVM_HCS_H
#define UVM_HCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HCS_DEFAULT_ROOT "/run/uvmrun"
#define HCS_ID_MAX 128
#define HCS_INFINITE (-1)             /* a timeout that never expires */

enum hcs_error_kind {
	HCS_OK = 0,
	HCS_E_NOT_EXIST,          /* no compute system or process by that id */
	HCS_E_ALREADY_EXISTS,     /* the id is taken */
	HCS_E_ALREADY_CLOSED,     /* the handle was closed */
	HCS_E_TIMEOUT,            /* a wait with a timeout expired */
	HCS_E_INVALID_STATE,      /* not in a state that allows the call (e.g. start twice) */
	HCS_E_ALREADY_STOPPED,    /* the system or process has already stopped */
	HCS_E_NOT_SUPPORTED,      /* a valid request uvmrun does not do */
	HCS_E_INVALID_DATA,       /* a configuration that does not parse or validate */
	HCS_E_PENDING,            /* the operation is still in progress */
	HCS_E_UNEXPECTED_EXIT,    /* the host or the guest went away mid-call */
	HCS_E_SYSTEM,             /* anything else: a host error (errno in errnum) */
};

struct hcs_error {
	enum hcs_error_kind kind;
	int errnum;                   /* an errno value when one applies, else 0 */
	char msg[512];
};

const char *hcs_error_kind_name(enum hcs_error_kind kind);
bool hcs_is_not_exist(const struct hcs_error *err);
bool hcs_is_already_exists(const struct hcs_error *err);
bool hcs_is_already_closed(const struct hcs_error *err);
bool hcs_is_already_stopped(const struct hcs_error *err);
bool hcs_is_pending(const struct hcs_error *err);
bool hcs_is_timeout(const struct hcs_error *err);
bool hcs_is_not_supported(const struct hcs_error *err);
bool hcs_is_invalid_data(const struct hcs_error *err);

struct hcs_system;
struct hcs_process;

/* ---- compute systems ---- */

/* Validate config (ContainerConfig JSON), write the state folder and start
 * the detached host process, which holds the VM's resources (the scratch
 * disk is created now) but does not boot it. With UVMRUN_JAIL_USER=UID[:GID]
 * in the environment (and root), the host runs jailed as that user
 * (`uvmrun boot --jail-user`). id: [A-Za-z0-9][A-Za-z0-9_.-]*, at most HCS_ID_MAX bytes. On
 * failure nothing is left behind. */
int hcs_create(const char *root, const char *id, const char *config_json,
	       struct hcs_system **out, struct hcs_error *err);
int hcs_open(const char *root, const char *id, struct hcs_system **out, struct hcs_error *err);
/* ContainerProperties (JSON array) of every system matching query
 * (ComputeSystemQuery JSON; NULL or "{}" for all). */
int hcs_enumerate(const char *root, const char *query_json, char **out_json,
		  struct hcs_error *err);
/* Remove a stopped system's state (its host process must be gone). */
int hcs_delete(const char *root, const char *id, struct hcs_error *err);

const char *hcs_system_id(const struct hcs_system *s);
/* Boot the utility VM and wait for its agent. */
int hcs_start(struct hcs_system *s, struct hcs_error *err);
/* Ask the guest to stop its containers and power off (returns once asked;
 * wait for the end with hcs_wait). */
int hcs_shutdown(struct hcs_system *s, struct hcs_error *err);
/* Stop the VM now. */
int hcs_terminate(struct hcs_system *s, struct hcs_error *err);
int hcs_wait(struct hcs_system *s, struct hcs_error *err);
int hcs_wait_timeout(struct hcs_system *s, int timeout_ms, struct hcs_error *err);
/* Freeze and thaw the whole VM (its vCPUs and devices). */
int hcs_pause(struct hcs_system *s, struct hcs_error *err);
int hcs_resume(struct hcs_system *s, struct hcs_error *err);
/* "Created", "Running", "Paused" or "Stopped". */
int hcs_state(struct hcs_system *s, char *buf, size_t size, struct hcs_error *err);
/* ContainerProperties JSON, with Statistics and ProcessList filled in while
 * the system runs. */
int hcs_properties(struct hcs_system *s, char **out_json, struct hcs_error *err);
int hcs_statistics(struct hcs_system *s, char **out_json, struct hcs_error *err);
int hcs_process_list(struct hcs_system *s, char **out_json, struct hcs_error *err);
/* MappedVirtualDiskControllers JSON (the ContainerProperties field). */
int hcs_mapped_virtual_disks(struct hcs_system *s, char **out_json, struct hcs_error *err);
/* ResourceModificationRequestResponse JSON: ResourceType "MappedDirectory"
 * with a MappedDir as Settings adds the folder to the running container
 * (RequestType "Add") or removes one added so (RequestType "Remove", picked
 * by ContainerPath and CreateInUtilityVM); "MappedVirtualDisk" with a
 * MappedVirtualDisk does the same for a disk (Remove picks it by HostPath).
 * HostPath is opened here, by the caller. At most 4 folders and 2 disks
 * added at once (fewer when the VM's PCI bus is full). */
int hcs_modify(struct hcs_system *s, const char *request_json, struct hcs_error *err);
/* The VM's end: a uvmrun boot exit status (0 poweroff, 123 panic, ...), once
 * stopped. */
int hcs_exit_status(struct hcs_system *s, int *status, struct hcs_error *err);
void hcs_close(struct hcs_system *s);

/* ---- processes ---- */

/* config: ProcessConfig JSON. The first process of a container with an
 * OCISpecification creates and starts the container from it (without one,
 * uvmrun writes a default spec from the process's fields); later ones run
 * in that container, or in the UVM with CreateInUtilityVm. */
int hcs_create_process(struct hcs_system *s, const char *config_json, struct hcs_process **out,
		       struct hcs_error *err);
/* pid 0: the container's init (its first process). */
int hcs_open_process(struct hcs_system *s, int pid, struct hcs_process **out,
		     struct hcs_error *err);

int hcs_process_pid(const struct hcs_process *p);
int hcs_process_kill(struct hcs_process *p, struct hcs_error *err);
int hcs_process_signal(struct hcs_process *p, int sig, struct hcs_error *err);
int hcs_process_wait(struct hcs_process *p, struct hcs_error *err);
int hcs_process_wait_timeout(struct hcs_process *p, int timeout_ms, struct hcs_error *err);
/* 128+N after death by signal N; HCS_E_INVALID_STATE while it runs. */
int hcs_process_exit_code(struct hcs_process *p, int *code, struct hcs_error *err);
int hcs_process_resize_console(struct hcs_process *p, unsigned rows, unsigned cols,
			       struct hcs_error *err);
/* The streams asked for in the ProcessConfig (-1 for the others). The
 * descriptors stay the handle's: dup them to keep them past hcs_process_close. */
int hcs_process_stdio(struct hcs_process *p, int *in, int *out, int *errfd,
		      struct hcs_error *err);
int hcs_process_close_stdin(struct hcs_process *p, struct hcs_error *err);
void hcs_process_close(struct hcs_process *p);

#endif
