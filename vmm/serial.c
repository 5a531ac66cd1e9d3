/* 16550A UART emulation (serial.h). Transmit is instantaneous: the THR is
 * always empty again by the time the guest looks. */
#include "serial.h"

#include <string.h>

/* Register offsets (DLAB=0 unless noted). */
#define UART_RBR 0  /* read */
#define UART_THR 0  /* write */
#define UART_IER 1
#define UART_IIR 2  /* read */
#define UART_FCR 2  /* write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define IER_RDI  0x01
#define IER_THRI 0x02
#define IER_RLSI 0x04
#define IER_MSI  0x08
#define IIR_NO_INT 0x01
#define IIR_THRI   0x02
#define IIR_RDI    0x04
#define IIR_FIFO_ENABLED 0xc0
#define FCR_ENABLE_FIFO 0x01
#define FCR_CLEAR_RCVR  0x02
#define LCR_DLAB 0x80
#define MCR_DTR  0x01
#define MCR_RTS  0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define LSR_DR   0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MSR_CTS  0x10
#define MSR_DSR  0x20
#define MSR_RI   0x40
#define MSR_DCD  0x80

void serial_init(struct serial *s, const struct serial_host *host)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->host = *host;
}

void serial_destroy(struct serial *s)
{
	pthread_mutex_destroy(&s->lock);
}

/* The pending interrupt, highest priority first; IIR_NO_INT when none. */
static uint8_t serial_iir(const struct serial *s)
{
	if ((s->ier & IER_RDI) && s->rx_len)
		return IIR_RDI;
	if ((s->ier & IER_THRI) && s->iir_thri)
		return IIR_THRI;
	return IIR_NO_INT;
}

/* Called with the lock held; tells the host when the line level changes. */
static void serial_update_irq(struct serial *s)
{
	int level = serial_iir(s) != IIR_NO_INT;

	if (level != s->irq_level) {
		s->irq_level = level;
		if (s->host.set_irq)
			s->host.set_irq(s->host.ctx, level);
	}
}

/* A driver is reading once it has enabled the receive interrupt and, as PC
 * drivers do when they open the port, OUT2 (which gates the UART's interrupt
 * on PCs). Probes that flip IER alone (Linux's autoconfig writes 0x0f) do not
 * count: input queued then would be lost to the FIFO reset at open. */
static int serial_reading(const struct serial *s)
{
	return (s->ier & IER_RDI) && (s->mcr & MCR_OUT2);
}

static uint8_t serial_msr(const struct serial *s)
{
	if (s->mcr & MCR_LOOP) {
		uint8_t msr = 0;

		if (s->mcr & MCR_RTS)
			msr |= MSR_CTS;
		if (s->mcr & MCR_DTR)
			msr |= MSR_DSR;
		if (s->mcr & MCR_OUT1)
			msr |= MSR_RI;
		if (s->mcr & MCR_OUT2)
			msr |= MSR_DCD;
		return msr;
	}
	return MSR_DCD | MSR_DSR | MSR_CTS;
}

static uint8_t serial_read_reg(struct serial *s, unsigned reg, int *notify_space)
{
	uint8_t v = 0;

	switch (reg) {
	case UART_RBR:
		if (s->lcr & LCR_DLAB)
			return s->dll;
		if (s->rx_len) {
			v = s->rx[s->rx_head];
			s->rx_head = (s->rx_head + 1) % SERIAL_RX_BUF;
			s->rx_len--;
			if (s->rx_was_full && s->rx_len <= SERIAL_RX_BUF / 2) {
				s->rx_was_full = 0;
				*notify_space = 1;
			}
		}
		return v;
	case UART_IER:
		return (s->lcr & LCR_DLAB) ? s->dlm : s->ier;
	case UART_IIR:
		v = serial_iir(s);
		/* Reading IIR acknowledges a THR-empty interrupt. */
		if (v == IIR_THRI)
			s->iir_thri = 0;
		return v | ((s->fcr & FCR_ENABLE_FIFO) ? IIR_FIFO_ENABLED : 0);
	case UART_LCR:
		return s->lcr;
	case UART_MCR:
		return s->mcr;
	case UART_LSR:
		return LSR_THRE | LSR_TEMT | (s->rx_len ? LSR_DR : 0);
	case UART_MSR:
		return serial_msr(s);
	case UART_SCR:
		return s->scr;
	}
	return 0xff;
}

static void serial_write_reg(struct serial *s, unsigned reg, uint8_t v)
{
	switch (reg) {
	case UART_THR:
		if (s->lcr & LCR_DLAB) {
			s->dll = v;
			return;
		}
		/* In loopback the byte comes back to the receiver. */
		if (s->mcr & MCR_LOOP) {
			if (s->rx_len < SERIAL_RX_BUF) {
				s->rx[(s->rx_head + s->rx_len) % SERIAL_RX_BUF] = v;
				s->rx_len++;
			}
		} else if (s->host.output) {
			s->host.output(s->host.ctx, &v, 1);
		}
		s->iir_thri = 1;
		return;
	case UART_IER:
		if (s->lcr & LCR_DLAB) {
			s->dlm = v;
			return;
		}

		/* Enabling the THR-empty interrupt while the THR is empty
		 * raises it at once, as on the real part. */
		if (!(s->ier & IER_THRI) && (v & IER_THRI))
			s->iir_thri = 1;
		s->ier = v & (IER_RDI | IER_THRI | IER_RLSI | IER_MSI);
		return;
	case UART_FCR:
		s->fcr = v & (FCR_ENABLE_FIFO | 0xc0);
		if (v & FCR_CLEAR_RCVR)
			s->rx_len = 0;
		return;
	case UART_LCR:
		s->lcr = v;
		return;
	case UART_MCR:
		s->mcr = v & 0x1f;
		return;
	case UART_SCR:
		s->scr = v;
		return;
	}
}

static void serial_bus_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
	struct serial *s = opaque;
	int notify_space = 0;

	memset(data, 0xff, size);
	if (size != 1)
		return;
	pthread_mutex_lock(&s->lock);
	*(uint8_t *)data = serial_read_reg(s, (unsigned)offset, &notify_space);
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
	if (notify_space && s->host.rx_space)
		s->host.rx_space(s->host.ctx);
}

static void serial_bus_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
	struct serial *s = opaque;
	int notify_space = 0, was_reading;

	if (size != 1)
		return;
	pthread_mutex_lock(&s->lock);
	was_reading = serial_reading(s);
	serial_write_reg(s, (unsigned)offset, *(const uint8_t *)data);
	/* The guest starts reading: let held-back input in. */
	if (!was_reading && serial_reading(s) && s->rx_was_full) {
		s->rx_was_full = 0;
		notify_space = 1;
	}
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
	if (notify_space && s->host.rx_space)
		s->host.rx_space(s->host.ctx);
}

const struct bus_ops serial_bus_ops = {
	.read = serial_bus_read,
	.write = serial_bus_write,
};

size_t serial_rx_room(struct serial *s)
{
	size_t room;

	pthread_mutex_lock(&s->lock);
	/* Until the guest's driver enables the receive interrupt nobody is
	 * reading (and its startup would flush what we queued): hold back. */
	room = serial_reading(s) ? SERIAL_RX_BUF - s->rx_len : 0;
	if (room < SERIAL_RX_LOW_ROOM)
		s->rx_was_full = 1;
	pthread_mutex_unlock(&s->lock);
	return room;
}

size_t serial_receive(struct serial *s, const uint8_t *data, size_t len)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = SERIAL_RX_BUF - s->rx_len;
	if (n > len)
		n = len;
	for (size_t i = 0; i < n; i++)
		s->rx[(s->rx_head + s->rx_len + i) % SERIAL_RX_BUF] = data[i];
	s->rx_len += n;
	if (s->rx_len == SERIAL_RX_BUF)
		s->rx_was_full = 1;
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return n;
}
