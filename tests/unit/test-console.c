/* The host side of the console with a real UART behind it: piped input is
 * held back until the guest's driver reads, then delivered whole; a guest
 * that stops reading stops us reading stdin; output is flushed by line and
 * soon after a partial line; the kernel's panic report ends the VM. */
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "../../vmm/console.h"
#include "test.h"

struct rig {
	struct vm vm;
	struct serial serial;
	struct event_loop loop;
	struct console console;
	int in[2], out[2];
};

static void rig_output(void *ctx, const uint8_t *d, size_t n)
{
	console_output(&((struct rig *)ctx)->console, d, n);
}

static void rig_space(void *ctx)
{
	console_rx_space(&((struct rig *)ctx)->console);
}

static void rig_setup(struct rig *r)
{
	struct serial_host host = { .ctx = r, .output = rig_output, .rx_space = rig_space };

	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->vm.end_lock, NULL);
	r->vm.end_fd = eventfd(0, EFD_NONBLOCK);
	CHECK_EQ(pipe2(r->in, O_NONBLOCK), 0);
	CHECK_EQ(pipe2(r->out, O_NONBLOCK), 0);
	serial_init(&r->serial, &host);
	CHECK_EQ(loop_init(&r->loop, NULL), 0);
	CHECK_EQ(console_init(&r->console, &r->vm, &r->serial, &r->loop, r->in[0], r->out[1], NULL), 0);
}

static void rig_teardown(struct rig *r)
{
	console_destroy(&r->console);
	loop_destroy(&r->loop);
	serial_destroy(&r->serial);
	for (int i = 0; i < 2; i++) {
		close(r->in[i]);
		close(r->out[i]);
	}
	close(r->vm.end_fd);
	pthread_mutex_destroy(&r->vm.end_lock);
}

static void spin(struct rig *r, int rounds)
{
	for (int i = 0; i < rounds; i++)
		loop_run_once(&r->loop, 10);
}

static uint8_t reg_read(struct rig *r, unsigned reg)
{
	uint8_t v;

	serial_bus_ops.read(&r->serial, reg, &v, 1);
	return v;
}

static void reg_write(struct rig *r, unsigned reg, uint8_t v)
{
	serial_bus_ops.write(&r->serial, reg, &v, 1);
}

static void piped_input_waits_for_the_driver(void)
{
	struct rig r;
	char got[64];
	size_t n = 0;

	rig_setup(&r);
	CHECK_EQ(write(r.in[1], "piped line\n", 11), 11);
	close(r.in[1]);
	r.in[1] = open("/dev/null", O_RDONLY);
	spin(&r, 5);
	CHECK_EQ(reg_read(&r, 5) & 1, 0);       /* nothing delivered yet */
	reg_write(&r, 1, 0x0f);                  /* Linux's autoconfig probe */
	reg_write(&r, 1, 0x00);
	spin(&r, 5);
	CHECK_EQ(reg_read(&r, 5) & 1, 0);
	reg_write(&r, 4, 0x0b);                  /* open: MCR = DTR | RTS | OUT2 */
	reg_write(&r, 1, 0x05);                  /* IER = RDI | RLSI */
	spin(&r, 5);
	while ((reg_read(&r, 5) & 1) && n < sizeof(got) - 1)
		got[n++] = (char)reg_read(&r, 0);
	got[n] = '\0';
	CHECK(strcmp(got, "piped line\n") == 0);
	CHECK(!r.console.forwarding);            /* EOF seen, stdin dropped */
	rig_teardown(&r);
}

static void a_guest_that_does_not_read_stops_stdin(void)
{
	struct rig r;
	char buf[4096];
	size_t delivered = 0;

	rig_setup(&r);
	reg_write(&r, 4, 0x08);
	reg_write(&r, 1, 0x01);
	memset(buf, 'x', sizeof(buf));
	CHECK_EQ(write(r.in[1], buf, sizeof(buf)), (ssize_t)sizeof(buf));
	spin(&r, 20);
	CHECK(r.console.in_paused);
	/* The guest drains; the rest follows. */
	for (int round = 0; round < 50 && delivered < sizeof(buf); round++) {
		while (reg_read(&r, 5) & 1) {
			reg_read(&r, 0);
			delivered++;
		}
		spin(&r, 2);
	}
	CHECK_EQ(delivered, sizeof(buf));
	rig_teardown(&r);
}

static void output_flushes_by_line_and_after_a_pause(void)
{
	struct rig r;
	char buf[64];
	ssize_t n;

	rig_setup(&r);
	for (const char *p = "line one\n"; *p; p++)
		reg_write(&r, 0, (uint8_t)*p);
	n = read(r.out[0], buf, sizeof(buf));
	CHECK_EQ(n, 9);
	for (const char *p = "/ # "; *p; p++)
		reg_write(&r, 0, (uint8_t)*p);
	CHECK_EQ(read(r.out[0], buf, sizeof(buf)), -1);   /* held briefly */
	spin(&r, 3);
	n = read(r.out[0], buf, sizeof(buf));
	CHECK_EQ(n, 4);
	CHECK(memcmp(buf, "/ # ", 4) == 0);
	rig_teardown(&r);
}

static void kernel_panic_report_ends_the_vm(void)
{
	struct rig r;
	const char *report =
		"[    1.0] Kernel panic - not syncing: sysrq triggered crash\r\n"
		"[    1.1] Call Trace:\r\n"
		"[    1.2] ---[ end Kernel panic - not syncing: sysrq triggered crash ]---\r\n";

	rig_setup(&r);
	for (const char *p = report; *p && p < report + 60; p++)
		reg_write(&r, 0, (uint8_t)*p);
	CHECK_EQ(vm_end_reason(&r.vm), VM_RUNNING);
	for (const char *p = report + 60; *p; p++)
		reg_write(&r, 0, (uint8_t)*p);
	CHECK_EQ(vm_end_reason(&r.vm), VM_END_PANIC);
	CHECK_STR_CONTAINS(r.vm.end_detail, "sysrq triggered crash");
	rig_teardown(&r);
}

TEST_LIST(T(piped_input_waits_for_the_driver), T(a_guest_that_does_not_read_stops_stdin),
	  T(output_flushes_by_line_and_after_a_pause), T(kernel_panic_report_ends_the_vm));
TEST_MAIN("console")
