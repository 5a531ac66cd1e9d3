/* The guest agent's shared types and the functions its files offer each other:
 * the agent state, processes with their stdio relays, containers. What each
 * file does is said at its top; the wire format is in gcs-wire.h and
 * docs/gcs-protocol.md. Not a public API: only the agent and its tests use it. */
#ifndef UVM_AGENT_H
#define UVM_AGENT_H

#include <jansson.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "../vmm/error.h"
#include "gcs-wire.h"

#define AGENT_NAME      "uvm-agent"
#define AGENT_VERSION   "0.1"

/* Internal errno for "the OCI runtime failed" (sent as GCS_E_RUNTIME). */
#define ERUNTIME        ECHILD

#define RELAY_BUF_SIZE  16384u
#define OUTBUF_MAX      (16u << 20)     /* queued to the host before it counts as stuck */
#define CRUN_TIMEOUT_MS 60000
#define MKFS_TIMEOUT_MS 600000

struct agent_options {
	const char *unix_base;     /* connect to "<unix_base>_<port>" Unix sockets, not vsock */
	const char *run_dir;       /* bundles and crun state; default /run/gcs */
	const char *crun;          /* default /usr/bin/crun */
	const char *sys_block;     /* default /sys/block (disks by serial) */
	const char *cgroup_root;   /* default /sys/fs/cgroup */
	uint32_t port;             /* control port; default GCS_PORT */
	bool pid1;                 /* mounts, modules, loopback, power off */
	bool exit_on_disconnect;   /* end (killing our processes) when the host goes away */
	bool verbose;
};

/* ---- log.c ---- */
void agent_log_init(bool console, bool verbose);
void agent_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void agent_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- transport.c ---- */
int transport_connect(const char *unix_base, uint32_t port, int *fd, struct uvm_error *err);
int transport_set_nonblock(int fd, struct uvm_error *err);

/* ---- protocol.c: frames in and out, checked JSON fields ---- */
enum frame_status {
	FRAME_NONE,       /* more bytes needed */
	FRAME_READY,      /* r->hdr and r->body hold a frame: use it, then frame_reader_done */
	FRAME_TOO_BIG,    /* r->hdr holds a header whose body is over the limit; the body is skipped */
	FRAME_BAD_MAGIC,  /* the stream is not ours: the connection must end */
};

struct frame_reader {
	uint8_t raw[GCS_HEADER_SIZE];
	size_t raw_len;
	struct gcs_header hdr;
	uint8_t *body;          /* hdr.body_len bytes (+ a NUL), when reading a body */
	size_t body_got;
	uint64_t skip;          /* bytes of an oversized body still to drop */
	bool in_body;
};

void frame_reader_init(struct frame_reader *r);
/* Consume bytes until one frame event; returns how many were used. */
size_t frame_reader_push(struct frame_reader *r, const uint8_t *data, size_t len,
			 enum frame_status *st);
void frame_reader_done(struct frame_reader *r);
void frame_reader_free(struct frame_reader *r);

struct outbuf {
	uint8_t *data;
	size_t off, len, cap;
};

int outbuf_add_frame(struct outbuf *o, uint16_t version, uint16_t type, uint64_t id,
		     const char *body, size_t body_len);
/* Write what the fd takes: 0 when all is written, -EAGAIN when some is left,
 * other -errno when the connection failed. */
int outbuf_flush(struct outbuf *o, int fd);
void outbuf_clear(struct outbuf *o);

/* Field readers: `where` names the object for messages ("stdio"); a missing
 * optional field leaves *out untouched and returns 0; JSON null counts as
 * missing. Errors are -EINVAL naming the field ("stdio.rows: ..."). */
int jfield_keys(const json_t *obj, const char *where, const char *const *allowed,
		struct uvm_error *err);
int jfield_string(const json_t *obj, const char *where, const char *key, bool required,
		  size_t max_len, const char **out, struct uvm_error *err);
int jfield_uint(const json_t *obj, const char *where, const char *key, bool required,
		uint64_t min, uint64_t max, uint64_t *out, struct uvm_error *err);
int jfield_bool(const json_t *obj, const char *where, const char *key, bool *out,
		struct uvm_error *err);
int jfield_object(const json_t *obj, const char *where, const char *key, bool required,
		  json_t **out, struct uvm_error *err);
int jfield_array(const json_t *obj, const char *where, const char *key, bool required,
		 size_t max_items, json_t **out, struct uvm_error *err);
/* A malloc'd NULL-terminated copy of an array of strings, each without NUL
 * bytes and at most max_len bytes. */
int jfield_strings(const json_t *obj, const char *where, const char *key, bool required,
		   size_t max_items, size_t max_len, char ***out, size_t *n,
		   struct uvm_error *err);
void strv_free(char **v);
/* A string value's checks on its own (no NUL, length), for array items. */
int jvalue_string(const json_t *v, const char *where, size_t max_len, const char **out,
		  struct uvm_error *err);

/* ---- processes (process.c) and their stdio (stdio.c) ---- */
struct relay {
	int from, to;           /* -1 when closed */
	uint8_t *buf;
	size_t off, len;        /* pending bytes: buf[off..len) */
	bool eof;               /* `from` ended: close `to` once the buffer is written */
	bool discard;           /* `to` failed: drop what `from` gives */
	bool tty_veof;          /* terminal stdin: end with the VEOF character, `to` is a master */
	bool wrote_line_end;    /* the last byte written was a newline (or none was written) */
};

struct process {
	struct process *next;
	uint32_t id;                   /* protocol handle, never reused */
	pid_t pid;
	char container_id[GCS_ID_MAX + 1];  /* "" for a process of the UVM itself */
	bool is_init;                  /* the container's init process */
	bool terminal;
	int pty_master;                /* -1 without a terminal */
	struct relay in, out, err;
	bool exited;
	int exit_status;               /* 128+N for signal N */
	bool released;                 /* the host is done with it */
	uint64_t exit_seq;
	struct timespec started;       /* CLOCK_REALTIME */
};

struct process_params {
	char **args;  size_t n_args;   /* NULL: keep the spec's */
	char **env;   size_t n_env;    /* NULL: keep the spec's (UVM: PATH only) */
	const char *cwd;               /* NULL: keep ("/" in the UVM) */
	const char *user;              /* NULL: keep (root in the UVM); "name|uid[:group|gid]" */
};

struct stdio_params {
	bool terminal;
	unsigned rows, cols;
	uint32_t stdin_port, stdout_port, stderr_port;   /* 0: no such stream */
};

struct agent;

struct process *process_new(struct agent *a, struct uvm_error *err);
void process_discard(struct agent *a, struct process *p);   /* unregistered, never started */
void process_register(struct agent *a, struct process *p);
struct process *process_find(struct agent *a, uint32_t id);
int process_spawn_uvm(struct agent *a, const struct process_params *pp,
		      const struct stdio_params *sp, struct process **out, struct uvm_error *err);
int process_signal(struct process *p, int sig, struct uvm_error *err);
int process_resize(struct process *p, unsigned rows, unsigned cols, struct uvm_error *err);
int process_close_stdin(struct process *p, struct uvm_error *err);
void process_release(struct agent *a, struct process *p);
/* waitpid(-1) until nothing is left; tracked processes get their status. */
void process_reap(struct agent *a);
/* Free released, exited processes whose streams are done. */
void process_collect(struct agent *a);
bool process_done(const struct process *p);
int exit_status_of(int wstatus);
/* The UVM's default PATH, for processes given no environment. */
extern const char *const process_default_env[];

/* stdio.c: connect the host's streams, make pipes or a terminal. child_fds
 * get the child's ends (-1 = /dev/null); the caller closes them after the
 * child has them. make_pty false with a terminal: the master comes later
 * (crun's console socket) through stdio_attach_master. */
int stdio_open(struct agent *a, struct process *p, const struct stdio_params *sp,
	       bool make_pty, int child_fds[3], struct uvm_error *err);
int stdio_attach_master(struct process *p, int master, unsigned rows, unsigned cols,
			struct uvm_error *err);
void stdio_close_child_fds(int child_fds[3]);
void relay_close(struct relay *r);
bool relay_active(const struct relay *r);
bool relay_wants_read(const struct relay *r);
bool relay_wants_write(const struct relay *r);
void relay_pump(struct relay *r);
int stdio_set_winsize(int fd, unsigned rows, unsigned cols, struct uvm_error *err);

/* ---- containers: container.c (lifecycle), crun.c (the runtime), bundle.c
 * (config.json), storage.c (disks, overlay, 9p) ---- */
enum container_state { CONTAINER_CREATED, CONTAINER_RUNNING, CONTAINER_STOPPED };

struct bundle_mount {
	char *destination;      /* in the container */
	char *source;           /* in the UVM */
	bool read_only;
};

struct mount_list {
	char **paths;           /* unmounted in reverse order */
	size_t n;
};

struct storage_layer { const char *serial; };
struct storage_dir {
	const char *tag, *aname, *container_path, *uvm_path;
	bool read_only;
};
struct storage_disk {
	const char *serial, *container_path, *uvm_path, *fstype;
	bool read_only;
};
struct storage_pipe {
	const char *container_path;   /* the socket as the container sees it */
	uint32_t port;                /* host vsock port it leads to */
};
struct storage_request {
	const char *rootfs;                /* an existing UVM folder as the root (no overlay) */
	struct storage_layer *layers;      /* top-most first, as overlayfs lowerdir */
	size_t n_layers;
	const char *scratch_serial;        /* NULL: tmpfs */
	uint64_t scratch_tmpfs_mb;         /* 0: tmpfs default (half of RAM) */
	struct storage_dir *dirs;
	size_t n_dirs;
	struct storage_disk *disks;
	size_t n_disks;
	struct storage_pipe *pipes;
	size_t n_pipes;
};

struct container {
	struct container *next;
	char id[GCS_ID_MAX + 1];
	enum container_state state;
	json_t *spec;                  /* as received */
	char *dir;                     /* <run_dir>/c/<id>: the bundle */
	char *rootfs;
	struct bundle_mount *binds;    /* added to the spec's mounts */
	size_t n_binds;
	struct mount_list mounts;
	uint32_t init_id;              /* process handle of init, 0 before start */
	pid_t init_pid;
	int exit_status;
	char *cgroup_dir;              /* known once started */
	struct timespec started;
	bool crun_knows;               /* crun create ran: delete needs crun delete */
	pid_t relays[GCS_MAPPED_MAX];  /* process groups of the pipe relays */
	size_t n_relays;
	unsigned exec_seq;
};

struct container *container_find(struct agent *a, const char *id);
int container_id_check(const char *id, struct uvm_error *err);
int container_create(struct agent *a, const char *id, json_t *spec,
		     const struct storage_request *st, struct uvm_error *err);
int container_start(struct agent *a, struct container *c, const struct process_params *pp,
		    const struct stdio_params *sp, struct process **out, struct uvm_error *err);
int container_exec(struct agent *a, struct container *c, const struct process_params *pp,
		   const struct stdio_params *sp, struct process **out, struct uvm_error *err);
int container_delete(struct agent *a, struct container *c, struct uvm_error *err);
void container_init_exited(struct agent *a, struct container *c, int status);
void container_kill(struct agent *a, struct container *c, int sig, bool all);
/* Only the memory: mounts and crun state are container_delete's. */
void container_free(struct container *c);

/* crun.c: run crun with the agent's --root and --log; fds[i] < 0 is /dev/null. */
int crun_run(struct agent *a, const char *const *args, const int fds[3], int timeout_ms,
	     struct uvm_error *err);
/* Run any program and wait (mke2fs); its stderr's last line goes in the error. */
int run_program(const char *const *argv, int timeout_ms, struct uvm_error *err);
int read_pid_file(const char *path, pid_t *pid, struct uvm_error *err);
/* Wait for a child until timeout_ms, then kill it (-ETIMEDOUT); 0 or -errno. */
int wait_child(pid_t pid, int timeout_ms, int *wstatus);

/* bundle.c: what crun reads. */
struct bundle_params {
	const char *rootfs;
	const struct bundle_mount *binds;
	size_t n_binds;
	const char *cgroups_path;      /* used when the spec has none */
	bool terminal;
	unsigned rows, cols;
};
int bundle_config(const json_t *spec, const struct bundle_params *bp,
		  const struct process_params *pp, json_t **out, struct uvm_error *err);
int bundle_process(const json_t *spec, const char *rootfs, const struct process_params *pp,
		   bool terminal, unsigned rows, unsigned cols, json_t **out,
		   struct uvm_error *err);
int bundle_write_json(const char *dir, const char *name, const json_t *j,
		      struct uvm_error *err);

/* storage-request.c: the request's "storage" object (borrowing its strings). */
int storage_request_parse(const json_t *req, struct storage_request *st, struct uvm_error *err);
/* One mapped disk object; `where` names it in errors. */
int storage_disk_parse(const json_t *obj, const char *where, struct storage_disk *d,
		       struct uvm_error *err);
/* One mapped folder object; `where` names it in errors. */
int storage_dir_parse(const json_t *obj, const char *where, struct storage_dir *d,
		      struct uvm_error *err);

/* request-parse.c: a request's "process" and "stdio" objects (both optional). */
int request_parse_process(const json_t *req, struct process_params *pp, struct uvm_error *err);
void request_process_params_free(struct process_params *pp);
int request_parse_stdio(const json_t *req, uint32_t control_port, struct stdio_params *sp,
			struct uvm_error *err);
void storage_request_free(struct storage_request *st);
/* An absolute path without ".." components; where names it in the error. */
int request_check_path(const char *where, const char *path, struct uvm_error *err);

/* storage.c */
int storage_find_disk(const char *sys_block, const char *serial, char *dev, size_t dev_len,
		      struct uvm_error *err);
int storage_detect_fs(const char *dev, const char **fstype, struct uvm_error *err);
int storage_setup(struct agent *a, struct container *c, const struct storage_request *st,
		  struct uvm_error *err);
void storage_teardown(struct mount_list *m);
/* A mapped folder's v9fs mount options; mounting it at target (recorded in m). */
void storage_9p_options(const struct storage_dir *d, char *opts, size_t size);
int storage_mount_9p(struct mount_list *m, const struct storage_dir *d, const char *target,
		     struct uvm_error *err);
/* The disk with that serial (fstype or detected; formatted ext4 first when
 * `format` and empty) mounted at target, recorded with c's mounts; what
 * names it in errors. */
int storage_mount_disk(struct agent *a, struct container *c, const char *what,
		       const char *serial, const char *fstype, bool read_only, bool format,
		       const char *target, struct uvm_error *err);
/* Unmount one recorded mount and forget it; -ENOENT when it is not in m. */
int storage_unmount_one(struct mount_list *m, const char *target, struct uvm_error *err);

/* pipe-relay.c: a socket at sock_path whose connections go to host vsock
 * port `port`, served by a process group (its id in *pgid); stop ends them. */
int pipe_relay_start(const char *sock_path, uint32_t port, pid_t *pgid, struct uvm_error *err);
void pipe_relays_stop(struct container *c);

/* root-switch.c: with uvm.root=SERIAL[,rw] on the kernel command line, make
 * that disk the root and run its /init (only returns when there is nothing
 * to do, or what to do failed: logged, the VM goes on from the initramfs).
 * Whether / is the kernel's initramfs, which pivot_root(2) cannot leave. */
void init_switch_root(void);
bool root_is_initramfs(void);

/* hot-mount.c: a mapped folder added to a running container (container_path,
 * mounted inside its mount namespace) or to the UVM (uvm_path, recorded with
 * the container's mounts), and taken away again. */
int hot_mount_dir(struct container *c, const struct storage_dir *d, struct uvm_error *err);
int hot_unmount_dir(struct container *c, const char *container_path, const char *uvm_path,
		    struct uvm_error *err);
/* A disk put in a spare virtio-blk device, by serial: mounted in the UVM
 * under the bundle and moved into the container (container_path), or
 * mounted at uvm_path; and taken away again. */
int hot_mount_disk(struct agent *a, struct container *c, const struct storage_disk *d,
		   struct uvm_error *err);
int hot_unmount_disk(struct container *c, const char *serial, const char *container_path,
		     const char *uvm_path, struct uvm_error *err);
int mkdir_p(const char *path, mode_t mode, struct uvm_error *err);

/* user.c: "name|uid[:group|gid]" against <root>/etc/passwd and /etc/group. */
struct user_ids {
	uid_t uid;
	gid_t gid;
	gid_t *groups;       /* supplementary groups (malloc'd) */
	size_t n_groups;
};
int user_resolve(const char *root, const char *spec, struct user_ids *out,
		 struct uvm_error *err);
void user_ids_free(struct user_ids *u);

/* stats.c: cgroup v2 statistics and /proc process details. */
struct cgroup_stats {
	uint64_t memory_current, memory_max, memory_peak;   /* max: UINT64_MAX = none */
	bool has_memory_peak;
	uint64_t cpu_usage_usec, cpu_user_usec, cpu_system_usec;
	uint64_t io_read_bytes, io_write_bytes, io_read_ios, io_write_ios;
	uint64_t pids_current;
};
struct proc_entry {
	pid_t pid;
	char name[64];               /* comm */
	char command[1024];          /* cmdline, spaces between args */
	uint64_t start_time_ns;      /* CLOCK_REALTIME */
	uint64_t user_time_us, kernel_time_us;
	uint64_t rss_bytes, vsize_bytes, shared_bytes;
};
int stats_read_cgroup(const char *dir, struct cgroup_stats *out, struct uvm_error *err);
/* Every pid in a cgroup and the cgroups below it. */
int stats_cgroup_pids(const char *dir, pid_t **pids, size_t *n, struct uvm_error *err);
int stats_read_proc(const char *proc_root, pid_t pid, struct proc_entry *out,
		    struct uvm_error *err);
/* "0::/path" from /proc/<pid>/cgroup, joined to cgroup_root. */
int stats_cgroup_of(const char *proc_root, const char *cgroup_root, pid_t pid, char **dir,
		    struct uvm_error *err);

/* ---- the agent (requests.c: one function per operation; loop.c: the
 * connection, poll loop, shutdown; init.c: PID 1) ---- */
enum agent_phase { AGENT_RUNNING, AGENT_SHUTTING_DOWN, AGENT_STOPPING };

struct agent {
	struct agent_options opt;
	int ctrl_fd;                   /* -1 when not connected */
	struct frame_reader reader;
	struct outbuf out;
	bool negotiated;
	uint16_t version;              /* of the frames we send */
	uint64_t retry_at_ms;          /* next connection attempt (monotonic) */
	uint64_t first_try_ms;         /* first connection attempt */
	unsigned retry_ms;
	int sig_fd;
	struct process *processes;
	size_t n_processes;
	uint32_t next_process_id;
	uint64_t exit_seq;
	struct container *containers;
	size_t n_containers;
	enum agent_phase phase;
	uint64_t shutdown_deadline_ms;
	bool quit;
	int exit_code;
	char *crun_root, *crun_log, *containers_dir;
};

int agent_init(struct agent *a, const struct agent_options *opt, struct uvm_error *err);
void agent_fini(struct agent *a);
int agent_run(struct agent *a);
void agent_handle_frame(struct agent *a, const struct gcs_header *h, const uint8_t *body,
			size_t len);
/* Queue a frame for the host; a full queue drops the connection. */
void agent_send(struct agent *a, uint16_t type, uint64_t id, json_t *body);
void agent_disconnect(struct agent *a, const char *why);
void agent_send_error(struct agent *a, uint64_t id, int code, int sys_errno, const char *msg);
void agent_event_process_exited(struct agent *a, const struct process *p);
void agent_begin_shutdown(struct agent *a, unsigned grace_ms, bool terminate);
uint64_t now_ms(void);

/* init.c */
int init_pid1(struct uvm_error *err);
void init_load_modules(const char *list);
int init_loopback_up(struct uvm_error *err);
void init_power_off(void) __attribute__((noreturn));

#endif
