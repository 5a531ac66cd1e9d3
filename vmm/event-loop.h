/* The VMM's main loop: epoll over file descriptors, each with a callback.
 * Sources are owned by their users (no allocation here). One loop per VM;
 * only the main thread runs it. */
#ifndef UVM_EVENT_LOOP_H
#define UVM_EVENT_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

struct loop_source {
	int fd;
	void (*handler)(struct loop_source *src, uint32_t events);
	void *ctx;
};

struct event_loop {
	int epfd;
	bool stop;
};

int loop_init(struct event_loop *loop, struct uvm_error *err);
void loop_destroy(struct event_loop *loop);

int loop_add(struct event_loop *loop, struct loop_source *src, uint32_t events);
int loop_modify(struct event_loop *loop, struct loop_source *src, uint32_t events);
int loop_remove(struct event_loop *loop, struct loop_source *src);

/* Wait up to timeout_ms (-1: forever) and dispatch what is ready. */
int loop_run_once(struct event_loop *loop, int timeout_ms);

#endif
