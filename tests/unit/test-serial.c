/* The 16550A UART as Linux's 8250 driver drives it: detection, transmit with
 * THR-empty interrupts, receive with data-ready interrupts, input held back
 * until a driver reads, loopback. */
#include "../../vmm/serial.h"
#include "test.h"

struct host_log {
	char out[256];
	size_t out_len;
	int irq_level;
	int irq_changes;
	int space_calls;
};

static void host_output(void *ctx, const uint8_t *data, size_t len)
{
	struct host_log *h = ctx;

	for (size_t i = 0; i < len && h->out_len < sizeof(h->out) - 1; i++)
		h->out[h->out_len++] = (char)data[i];
}

static void host_irq(void *ctx, int level)
{
	struct host_log *h = ctx;

	h->irq_level = level;
	h->irq_changes++;
}

static void host_space(void *ctx)
{
	((struct host_log *)ctx)->space_calls++;
}

static void setup(struct serial *s, struct host_log *h)
{
	struct serial_host host = { h, host_output, host_irq, host_space };

	memset(h, 0, sizeof(*h));
	serial_init(s, &host);
}

static uint8_t rd(struct serial *s, unsigned reg)
{
	uint8_t v;

	serial_bus_ops.read(s, reg, &v, 1);
	return v;
}

static void wr(struct serial *s, unsigned reg, uint8_t v)
{
	serial_bus_ops.write(s, reg, &v, 1);
}

static void transmit_goes_to_the_host(void)
{
	struct serial s;
	struct host_log h;

	setup(&s, &h);
	CHECK_EQ(rd(&s, 5) & 0x60, 0x60); /* THRE and TEMT */
	wr(&s, 0, 'h');
	wr(&s, 0, 'i');
	CHECK_EQ(h.out_len, 2);
	CHECK(memcmp(h.out, "hi", 2) == 0);
	serial_destroy(&s);
}

static void thr_empty_interrupt_follows_the_16550(void)
{
	struct serial s;
	struct host_log h;

	setup(&s, &h);
	CHECK_EQ(rd(&s, 2) & 0x0f, 0x01);  /* no interrupt pending */
	wr(&s, 1, 0x02);                    /* IER: THRI */
	CHECK_EQ(h.irq_level, 1);
	CHECK_EQ(rd(&s, 2) & 0x0f, 0x02);  /* IIR: THRE; reading acknowledges */
	CHECK_EQ(h.irq_level, 0);
	CHECK_EQ(rd(&s, 2) & 0x0f, 0x01);
	wr(&s, 0, 'x');                     /* transmitting raises it again */
	CHECK_EQ(h.irq_level, 1);
	wr(&s, 1, 0x00);
	CHECK_EQ(h.irq_level, 0);
	/* Re-enabling with the THR empty re-asserts (the driver tests this). */
	wr(&s, 1, 0x02);
	CHECK_EQ(rd(&s, 2) & 0x0f, 0x02);
	serial_destroy(&s);
}

static void receive_waits_for_a_reader_then_interrupts(void)
{
	struct serial s;
	struct host_log h;

	setup(&s, &h);
	/* No driver yet (receive interrupt off): no room, input stays on the host. */
	CHECK_EQ(serial_rx_room(&s), 0);
	wr(&s, 1, 0x0f);                    /* a probe of IER alone is not a reader */
	wr(&s, 1, 0x00);
	CHECK_EQ(serial_rx_room(&s), 0);
	CHECK_EQ(h.space_calls, 0);
	wr(&s, 4, 0x0b);                    /* MCR: DTR | RTS | OUT2, as at open */
	wr(&s, 1, 0x01);                    /* IER: RDI */
	CHECK_EQ(h.space_calls, 1);        /* host told to resume */
	CHECK_EQ(serial_rx_room(&s), SERIAL_RX_BUF);
	CHECK_EQ(serial_receive(&s, (const uint8_t *)"ab", 2), 2);
	CHECK_EQ(h.irq_level, 1);
	CHECK_EQ(rd(&s, 2) & 0x0f, 0x04);  /* IIR: received data */
	CHECK_EQ(rd(&s, 5) & 0x01, 1);     /* LSR: DR */
	CHECK_EQ(rd(&s, 0), 'a');
	CHECK_EQ(rd(&s, 0), 'b');
	CHECK_EQ(rd(&s, 5) & 0x01, 0);
	CHECK_EQ(h.irq_level, 0);
	serial_destroy(&s);
}

static void full_receive_buffer_pushes_back(void)
{
	struct serial s;
	struct host_log h;
	uint8_t buf[SERIAL_RX_BUF + 10];

	setup(&s, &h);
	wr(&s, 4, 0x08);
	wr(&s, 1, 0x01);
	memset(buf, 'z', sizeof(buf));
	CHECK_EQ(serial_receive(&s, buf, sizeof(buf)), SERIAL_RX_BUF);
	CHECK_EQ(serial_rx_room(&s), 0);
	h.space_calls = 0;
	for (int i = 0; i < SERIAL_RX_BUF / 2 - 1; i++)
		rd(&s, 0);
	CHECK_EQ(h.space_calls, 0);
	rd(&s, 0);
	CHECK_EQ(h.space_calls, 1);        /* half drained: resume */
	serial_destroy(&s);
}

static void fifo_clear_drops_pending_input(void)
{
	struct serial s;
	struct host_log h;

	setup(&s, &h);
	wr(&s, 4, 0x08);
	wr(&s, 1, 0x01);
	serial_receive(&s, (const uint8_t *)"abc", 3);
	wr(&s, 2, 0x07);                    /* FCR: enable, clear both FIFOs */
	CHECK_EQ(rd(&s, 5) & 0x01, 0);
	CHECK_EQ(rd(&s, 2) & 0xc0, 0xc0);  /* FIFOs enabled: a 16550A */
	serial_destroy(&s);
}

static void loopback_reflects_modem_lines_and_data(void)
{
	struct serial s;
	struct host_log h;

	setup(&s, &h);
	wr(&s, 4, 0x10 | 0x0a);             /* LOOP | RTS | OUT2 */
	CHECK_EQ(rd(&s, 6) & 0xf0, 0x90);  /* CTS | DCD, what Linux checks */
	wr(&s, 0, 'q');
	CHECK_EQ(h.out_len, 0);
	CHECK_EQ(rd(&s, 0), 'q');
	wr(&s, 4, 0x0b);
	CHECK_EQ(rd(&s, 6) & 0xf0, 0xb0);
	serial_destroy(&s);
}

static void divisor_latch_and_scratch_registers_hold_values(void)
{
	struct serial s;
	struct host_log h;

	setup(&s, &h);
	wr(&s, 3, 0x80);                    /* DLAB */
	wr(&s, 0, 0x01);
	wr(&s, 1, 0x00);
	CHECK_EQ(rd(&s, 0), 0x01);
	CHECK_EQ(rd(&s, 1), 0x00);
	wr(&s, 3, 0x03);
	CHECK_EQ(h.out_len, 0);             /* the divisor write was not data */
	wr(&s, 7, 0x5a);
	CHECK_EQ(rd(&s, 7), 0x5a);
	serial_destroy(&s);
}

static void wide_accesses_are_ignored(void)
{
	struct serial s;
	struct host_log h;
	uint32_t v = 0x41414141;

	setup(&s, &h);
	serial_bus_ops.write(&s, 0, &v, 4);
	CHECK_EQ(h.out_len, 0);
	serial_bus_ops.read(&s, 5, &v, 4);
	CHECK_EQ(v, 0xffffffff);
	serial_destroy(&s);
}

TEST_LIST(T(transmit_goes_to_the_host), T(thr_empty_interrupt_follows_the_16550),
	  T(receive_waits_for_a_reader_then_interrupts), T(full_receive_buffer_pushes_back),
	  T(fifo_clear_drops_pending_input), T(loopback_reflects_modem_lines_and_data),
	  T(divisor_latch_and_scratch_registers_hold_values), T(wide_accesses_are_ignored));
TEST_MAIN("serial")
