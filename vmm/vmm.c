/* Running one VM from configuration to exit status (vmm.h). */
#include "vmm.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "../boot/linux-loader.h"
#include "console.h"
#include "event-loop.h"
#include "guest-exit.h"
#include "jail.h"
#include "seccomp.h"
#include "layout.h"
#include "live.h"
#include "serial.h"
#include "vcpu.h"
#include "vm-devices.h"
#include "vm.h"

/* Everything one running VM owns, torn down in reverse order. */
struct vmm {
	const struct vmm_config *cfg;
	struct linux_image image;
	bool image_open;
	struct vm vm;
	bool vm_created;
	struct vcpu vcpus[VM_MAX_VCPUS];
	unsigned vcpus_created;
	struct serial serial;
	bool serial_ready;
	struct vm_devices devices;
	bool devices_ready;
	struct event_loop loop;
	struct console console;
	bool console_ready;
	struct loop_source end_src;
	struct loop_source signal_src;
	struct loop_source timeout_src;
};

static void on_vm_end(struct loop_source *src, uint32_t events)
{
	struct vmm *vmm = src->ctx;
	uint64_t n;

	(void)events;
	if (read(src->fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	vmm->loop.stop = true;
}

static void on_signal(struct loop_source *src, uint32_t events)
{
	struct vmm *vmm = src->ctx;
	struct signalfd_siginfo si;

	(void)events;
	if (read(src->fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return;
	vm_request_end(&vmm->vm, VM_END_SIGNAL, 128 + (int)si.ssi_signo, "stopped by signal %s",
		       strsignal((int)si.ssi_signo));
}

static void on_timeout(struct loop_source *src, uint32_t events)
{
	struct vmm *vmm = src->ctx;

	(void)events;
	vm_request_end(&vmm->vm, VM_END_TIMEOUT, 0, "timeout: the guest was killed after %g s",
		       vmm->cfg->timeout_sec);
}

static void serial_set_irq(void *ctx, int level)
{
	struct vmm *vmm = ctx;

	vm_set_irq_line(&vmm->vm, IRQ_COM1, level);
}

static void serial_output(void *ctx, const uint8_t *data, size_t len)
{
	struct vmm *vmm = ctx;

	console_output(&vmm->console, data, len);
}

static void serial_rx_space(void *ctx)
{
	struct vmm *vmm = ctx;

	console_rx_space(&vmm->console);
}

static int add_fd_source(struct vmm *vmm, struct loop_source *src, int fd,
			 void (*handler)(struct loop_source *, uint32_t), struct uvm_error *err)
{
	int ret;

	src->fd = fd;
	src->handler = handler;
	src->ctx = vmm;
	ret = loop_add(&vmm->loop, src, EPOLLIN);
	if (ret < 0)
		return uvm_err_sys(err, ret, "epoll_ctl");
	return 0;
}

static int setup_main_loop(struct vmm *vmm, const sigset_t *stop_signals, struct uvm_error *err)
{
	int fd, ret;

	if ((ret = add_fd_source(vmm, &vmm->end_src, vmm->vm.end_fd, on_vm_end, err)) < 0)
		return ret;
	fd = signalfd(-1, stop_signals, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return uvm_err_sys(err, -errno, "signalfd");
	if ((ret = add_fd_source(vmm, &vmm->signal_src, fd, on_signal, err)) < 0)
		return ret;
	if (vmm->cfg->timeout_sec > 0) {
		struct itimerspec t = { 0 };
		double whole = (double)(long long)vmm->cfg->timeout_sec;

		t.it_value.tv_sec = (time_t)whole;
		t.it_value.tv_nsec = (long)((vmm->cfg->timeout_sec - whole) * 1e9);
		fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (fd < 0)
			return uvm_err_sys(err, -errno, "timerfd_create");
		vmm->timeout_src.fd = fd;
		if (timerfd_settime(fd, 0, &t, NULL) < 0)
			return uvm_err_sys(err, -errno, "timerfd_settime");
		if ((ret = add_fd_source(vmm, &vmm->timeout_src, fd, on_timeout, err)) < 0)
			return ret;
	}
	return 0;
}

static int setup_devices(struct vmm *vmm, struct uvm_error *err)
{
	struct serial_host host = {
		.ctx = vmm,
		.output = serial_output,
		.set_irq = serial_set_irq,
		.rx_space = serial_rx_space,
	};
	int ret;

	serial_init(&vmm->serial, &host);
	vmm->serial_ready = true;
	ret = bus_register(&vmm->vm.io_bus, PORT_COM1, SERIAL_PORT_COUNT, &serial_bus_ops,
			   &vmm->serial, "serial (COM1)", err);
	if (ret < 0)
		return ret;
	if ((ret = guest_exit_register(&vmm->vm, err)) < 0)
		return ret;
	if ((ret = vm_devices_create(&vmm->devices, &vmm->vm, vmm->cfg, err)) < 0)
		return ret;
	vmm->devices_ready = true;
	vmm_live_bind(vmm->cfg->live, &vmm->devices);
	return 0;
}

static int setup_vcpus(struct vmm *vmm, const struct linux_entry *entry, struct uvm_error *err)
{
	int ret;

	vmm->vm.nvcpus = vmm->cfg->cpus;
	vmm->vm.vcpus = vmm->vcpus;
	for (unsigned i = 0; i < vmm->cfg->cpus; i++) {
		ret = vcpu_create(&vmm->vm, i, &vmm->vcpus[i], err);
		if (ret < 0)
			return ret;
		vmm->vcpus_created++;
	}
	return vcpu_set_boot_state(&vmm->vcpus[0], entry->rip, entry->zero_page, err);
}

static void report_memory(struct vmm *vmm)
{
	unsigned long long hwm_kib = 0, guest_kib;
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");

	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "VmHWM: %llu kB", &hwm_kib) == 1)
				break;
		fclose(f);
	}
	guest_kib = gm_resident_bytes(&vmm->vm.mem) >> 10;
	fprintf(stderr,
		"uvmrun: memory: vmm peak RSS %llu KiB, guest memory touched %llu KiB, overhead %lld KiB\n",
		hwm_kib, guest_kib, (long long)hwm_kib - (long long)guest_kib);
}

static int exit_status(struct vmm *vmm)
{
	struct vm *vm = &vmm->vm;

	switch (vm->end_reason) {
	case VM_END_POWEROFF:
		return 0;
	case VM_END_EXIT_CODE:
		return vm->end_status;
	case VM_END_RESET:
		fprintf(stderr, "uvmrun: %s\n", vm->end_detail);
		return UVM_EXIT_REBOOT;
	case VM_END_PANIC:
		if (vmm->console.panic_reason[0] && !strstr(vm->end_detail, vmm->console.panic_reason))
			fprintf(stderr, "uvmrun: %s: %s\n", vm->end_detail, vmm->console.panic_reason);
		else
			fprintf(stderr, "uvmrun: %s\n", vm->end_detail);
		return UVM_EXIT_PANIC;
	case VM_END_TIMEOUT:
		fprintf(stderr, "uvmrun: %s\n", vm->end_detail);
		return UVM_EXIT_TIMEOUT;
	case VM_END_SIGNAL:
		fprintf(stderr, "uvmrun: %s\n", vm->end_detail);
		return vm->end_status;
	case VM_END_ERROR:
	default:
		fprintf(stderr, "uvmrun: %s\n", vm->end_detail);
		return UVM_EXIT_VMM_ERROR;
	}
}

static void vmm_teardown(struct vmm *vmm)
{
	for (unsigned i = 0; i < vmm->vcpus_created; i++)
		vcpu_stop(&vmm->vcpus[i]);
	if (vmm->console_ready)
		console_destroy(&vmm->console);
	/* Device threads may still touch guest memory: stop them before it goes. */
	if (vmm->devices_ready) {
		vmm_live_bind(vmm->cfg->live, NULL);
		vm_devices_destroy(&vmm->devices);
	}
	vmm->devices_ready = false;
	for (unsigned i = 0; i < vmm->vcpus_created; i++)
		vcpu_destroy(&vmm->vcpus[i]);
	if (vmm->signal_src.fd >= 0)
		close(vmm->signal_src.fd);
	if (vmm->timeout_src.fd >= 0)
		close(vmm->timeout_src.fd);
	loop_destroy(&vmm->loop);
	if (vmm->serial_ready)
		serial_destroy(&vmm->serial);
	if (vmm->vm_created)
		vm_destroy(&vmm->vm);
	if (vmm->image_open)
		linux_image_close(&vmm->image);
}

/* 9p shares hold a descriptor per file the guest has walked to: allow the
 * VMM as many as the hard limit lets it (the 9p server keeps within half). */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Everything up to the first KVM_RUN; on error the caller tears down. */
static int vmm_setup(struct vmm *vmm, const sigset_t *stop_signals, struct uvm_error *err)
{
	const struct vmm_config *cfg = vmm->cfg;
	uint64_t mem = cfg->memory_mib << 20;
	struct linux_entry entry;
	int ret;

	if ((ret = vmm_config_check(cfg, err)) < 0)
		return ret;
	raise_fd_limit();
	if ((ret = linux_image_open(&vmm->image, cfg->kernel, cfg->initrd, cfg->cmdline, err)) < 0)
		return ret;
	vmm->image_open = true;
	if (mem < linux_image_min_memory(&vmm->image))
		return uvm_err(err, -ENOMEM,
			       "--memory %llu MiB is too little for this kernel and initrd: they need at least %llu MiB",
			       (unsigned long long)cfg->memory_mib,
			       (unsigned long long)(linux_image_min_memory(&vmm->image) >> 20));
	if ((ret = vm_create(&vmm->vm, mem, err)) < 0)
		return ret;
	vmm->vm_created = true;
	if ((ret = setup_devices(vmm, err)) < 0 ||
	    (ret = linux_image_load(&vmm->image, &vmm->vm.mem, cfg->cpus, true, &entry, err)) < 0 ||
	    (ret = setup_vcpus(vmm, &entry, err)) < 0 ||
	    (ret = loop_init(&vmm->loop, err)) < 0)
		return ret;
	if ((ret = console_init(&vmm->console, &vmm->vm, &vmm->serial, &vmm->loop, cfg->console_in,
				cfg->console_out, err)) < 0)
		return ret;
	vmm->console_ready = true;
	return setup_main_loop(vmm, stop_signals, err);
}

int vmm_run(const struct vmm_config *cfg)
{
	struct vmm *vmm = calloc(1, sizeof(*vmm));
	struct uvm_error err = { 0 };
	sigset_t stop_signals, blocked, old_mask;
	int status = UVM_EXIT_VMM_ERROR, ret;

	if (!vmm) {
		fprintf(stderr, "uvmrun: out of memory\n");
		return UVM_EXIT_VMM_ERROR;
	}
	vmm->cfg = cfg;
	vmm->loop.epfd = vmm->signal_src.fd = vmm->timeout_src.fd = -1;

	/* Stop signals arrive through a signalfd; the kick signal is only
	 * unblocked inside vCPU threads, which inherit this mask. */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGHUP);
	sigaddset(&stop_signals, SIGQUIT);
	blocked = stop_signals;
	sigaddset(&blocked, vcpu_kick_signal());
	pthread_sigmask(SIG_BLOCK, &blocked, &old_mask);
	signal(SIGPIPE, SIG_IGN);

	/* The jail first, while this is the only thread. */
	ret = vmm_jail_enter(cfg, &err);
	if (ret == 0)
		ret = vcpu_install_kick_handler(&err);
	if (ret == 0)
		ret = vmm_setup(vmm, &stop_signals, &err);
	/* From here on the VMM only runs the VM: confine it. */
	if (ret == 0 && !cfg->no_seccomp)
		ret = vmm_seccomp_install(&err);
	for (unsigned i = 0; ret == 0 && i < vmm->vcpus_created; i++)
		ret = vcpu_start(&vmm->vcpus[i], &err);
	if (ret < 0) {
		if (vmm->vm_created)
			vm_request_end(&vmm->vm, VM_END_ERROR, 0, "%s", err.msg);
		vmm_teardown(vmm);
		fprintf(stderr, "uvmrun: %s\n", err.msg);
		goto out;
	}

	while (!vmm->loop.stop) {
		ret = loop_run_once(&vmm->loop, -1);
		if (ret < 0) {
			vm_request_end(&vmm->vm, VM_END_ERROR, 0, "main loop: %s", strerror(-ret));
			break;
		}
	}
	for (unsigned i = 0; i < vmm->vcpus_created; i++)
		vcpu_stop(&vmm->vcpus[i]);
	if (vmm->console_ready) {
		console_destroy(&vmm->console);
		vmm->console_ready = false;
	}
	status = exit_status(vmm);
	if (cfg->report_memory)
		report_memory(vmm);
	vmm_teardown(vmm);
out:
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	free(vmm);
	return status;
}
