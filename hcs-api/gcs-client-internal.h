/* The host client's insides, shared by gcs-client.c (connection, calls),
 * gcs-client-process.c (stdio sockets, exit records) and gcs-client-ops.c
 * (typed operations). Not for other users. */
#ifndef UVM_GCS_CLIENT_INTERNAL_H
#define UVM_GCS_CLIENT_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <time.h>

#include "gcs-client.h"

#define GCS_EXITS_MAX       4096u            /* exit statuses kept for waiters */
#define GCS_STDIO_PORT_MIN  (GCS_PORT + 1)   /* ports for processes' streams */
#define GCS_STDIO_PORT_MAX  0xfffffff0u

struct gcs_pending {
	struct gcs_pending *next;
	uint64_t id;
	bool done;
	int ret;
	json_t *result;
	char msg[400];
};

struct gcs_exit {
	uint32_t process;
	int status;
};

struct gcs_client {
	char *base;
	int listen_fd;
	char listen_path[108];
	int fd;                        /* the agent's connection, -1 when none */
	pthread_mutex_t lock;          /* everything below, and fd changes */
	pthread_cond_t cond;           /* a response, an exit, or the end */
	pthread_mutex_t write_lock;    /* one frame at a time on fd */
	pthread_t reader;
	bool reader_running;
	bool connected;
	char dead_msg[200];
	uint64_t next_id;
	struct gcs_pending *pending;
	uint32_t next_port;
	struct gcs_exit *exits;
	size_t n_exits;
	gcs_event_fn event_fn;
	void *event_ctx;
	int timeout_ms;
	unsigned version;
	char agent[96];
};

/* One request: req (stolen) gets "op"; raw_spec, when given, is added
 * verbatim as "spec". *result (may be NULL) gets the response's "result"
 * object. The message of a failure starts with the operation's name. */
int gcs_call(struct gcs_client *c, const char *op, json_t *req, const char *raw_spec,
	     size_t raw_len, json_t **result, struct uvm_error *err);

int gcs_client_timeout(struct gcs_client *c);

/* Listening sockets for a new process's streams, their ports, and the
 * connections the agent makes to them. */
struct gcs_stdio_listen {
	uint32_t port[3];          /* 0: not asked for */
	int fd[3];
	char path[3][108];
};

int gcs_stdio_listen(struct gcs_client *c, const struct gcs_stdio_params *sp,
		     struct gcs_stdio_listen *sl, struct uvm_error *err);
int gcs_stdio_accept(struct gcs_stdio_listen *sl, int timeout_ms, int fds[3],
		     struct uvm_error *err);
void gcs_stdio_unlisten(struct gcs_stdio_listen *sl);

/* Exit statuses learnt from events. */
bool gcs_exit_lookup(struct gcs_client *c, uint32_t process, int *status);
void gcs_exit_record(struct gcs_client *c, uint32_t process, int status);
void gcs_exit_forget(struct gcs_client *c, uint32_t process);
/* Wait until the exit is recorded (0), the deadline (-ETIMEDOUT) or the end
 * of the connection (-ECONNRESET). deadline_ms 0: forever (monotonic ms). */
int gcs_exit_wait(struct gcs_client *c, uint32_t process, uint64_t deadline_ms, int *status);
uint64_t gcs_now_ms(void);
void gcs_deadline_ts(uint64_t deadline_ms, struct timespec *ts);

/* Unix sockets: listen on path (an old file there is replaced), accept one
 * connection within timeout_ms (< 0: forever). */
int gcs_listen_unix(const char *path, int backlog, int *out, struct uvm_error *err);
int gcs_accept_within(int lfd, int timeout_ms, int *out);

/* Text from the agent made fit for a one-line message. */
void gcs_tame_copy(char *dst, size_t size, const char *src);

/* Checked reads of the agent's JSON (the agent is not trusted): -EPROTO. */
int gcs_json_u64(const json_t *obj, const char *key, bool required, uint64_t max,
		 uint64_t *out);
void gcs_json_text(const json_t *obj, const char *key, char *buf, size_t size);

#endif
