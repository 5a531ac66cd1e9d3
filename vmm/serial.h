/* An 8250/16550A UART as the guest's ttyS0: register emulation, a receive
 * buffer fed by the host, transmit to a host sink, and its interrupt line.
 * The host terminal side (raw mode, stdin, escapes) is console.c. */
#ifndef UVM_SERIAL_H
#define UVM_SERIAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "bus.h"

#define SERIAL_RX_BUF 1024
/* Below this much room, serial_rx_room() arms the host's rx_space callback. */
#define SERIAL_RX_LOW_ROOM 2

struct serial_host {
	void *ctx;
	/* Bytes the guest transmitted. */
	void (*output)(void *ctx, const uint8_t *data, size_t len);
	/* The interrupt line changed level. */
	void (*set_irq)(void *ctx, int level);
	/* The receive buffer was full and the guest made room in it. */
	void (*rx_space)(void *ctx);
};

struct serial {
	pthread_mutex_t lock;
	struct serial_host host;
	uint8_t ier, iir_thri, lcr, mcr, lsr_extra, scr, dll, dlm, fcr;
	int irq_level;
	uint8_t rx[SERIAL_RX_BUF];
	size_t rx_head, rx_len;
	int rx_was_full;
};

extern const struct bus_ops serial_bus_ops;
#define SERIAL_PORT_COUNT 8

void serial_init(struct serial *s, const struct serial_host *host);
void serial_destroy(struct serial *s);

/* Queue bytes from the host for the guest to read; returns how many fit. */
size_t serial_receive(struct serial *s, const uint8_t *data, size_t len);
/* Room left in the receive buffer (none until a guest driver is reading:
 * receive interrupt and OUT2 enabled); when it is below
 * SERIAL_RX_LOW_ROOM the host's rx_space callback runs once there is room. */
size_t serial_rx_room(struct serial *s);

#endif
