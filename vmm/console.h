/* The host end of the guest's serial console: guest output to our stdout
 * (line-buffered, flushed soon after a partial line), our stdin to the guest
 * when it is a terminal (raw mode, Ctrl-A x quits) or a pipe, with back-
 * pressure when the guest does not read. It also watches the output for the
 * kernel's panic report, so a panic ends the VM even without pvpanic. Not
 * the UART itself (serial.c). */
#ifndef UVM_CONSOLE_H
#define UVM_CONSOLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <termios.h>

#include "event-loop.h"
#include "serial.h"
#include "vm.h"

#define CONSOLE_OUT_BUF 4096
#define CONSOLE_ESCAPE_CHAR 0x01 /* Ctrl-A */

struct console {
	struct vm *vm;
	struct serial *serial;
	struct event_loop *loop;
	int in_fd;
	int out_fd;
	bool in_tty;
	bool forwarding;           /* stdin is registered with the loop */
	bool in_paused;            /* the guest's receive buffer is full */
	bool escape_pending;
	struct termios saved_termios;
	bool termios_saved;

	pthread_mutex_t out_lock;
	uint8_t out_buf[CONSOLE_OUT_BUF];
	size_t out_len;
	bool out_broken;           /* stdout went away; drop output */
	bool flush_armed;
	char line[256];            /* the current output line, for panic watching */
	size_t line_len;
	char panic_reason[200];    /* from "Kernel panic - not syncing: ..." */

	struct loop_source in_src;
	struct loop_source flush_src;  /* timerfd */
	struct loop_source space_src;  /* eventfd from the UART */
};

/* Set up the console on in_fd/out_fd for `serial`; puts a terminal stdin in
 * raw mode (console_destroy restores it). */
int console_init(struct console *c, struct vm *vm, struct serial *serial,
		 struct event_loop *loop, int in_fd, int out_fd, struct uvm_error *err);
void console_destroy(struct console *c);

/* serial_host callbacks; ctx is the console. */
void console_output(void *ctx, const uint8_t *data, size_t len);
void console_rx_space(void *ctx);

/* Write out whatever output is buffered. */
void console_flush(struct console *c);

#endif
