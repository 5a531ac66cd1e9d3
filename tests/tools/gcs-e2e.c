/* gcs-e2e: drives the real guest agent in a real utility VM through the host
 * client (hcs-api/gcs-client.h), for tests/e2e/agent.sh and the agent
 * benchmark. It listens where the agent calls home, boots `uvmrun boot` with
 * the image from `uvmrun mkimage`, a busybox layer and a scratch disk, then
 * runs one container through every operation, printing "ok - ..." or
 * "not ok - ..." per check and "# figure ..." lines with timings.
 *
 * usage: gcs-e2e UVMRUN IMAGE_DIR LAYER_IMG SCRATCH_IMG WORK_DIR */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../hcs-api/gcs-client.h"
#include "../lib/stream-read.h"

static int failures;

static void result(int ok, const char *what, const char *detail)
{
	if (ok) {
		printf("ok - agent: %s\n", what);
	} else {
		printf("not ok - agent: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
		failures++;
	}
	fflush(stdout);
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

struct run {
	struct gcs_client *c;
	const char *container;
};

/* Run args (a NULL-terminated list) in the container; collect stdout into
 * out and the exit status. Returns 0 or -1 (with the reason in out). */
static int run_process(struct run *r, const char *const *args, const char *input,
		       const struct gcs_stdio_params *stdio_in, char *out, size_t cap,
		       int *status)
{
	struct gcs_stdio_params stdio = { .in = true, .out = true, .err = true };
	struct gcs_process_params pp = { .args = args };
	struct gcs_process p;
	struct uvm_error err = { 0 };

	while (args[pp.n_args])
		pp.n_args++;
	if (stdio_in)
		stdio = *stdio_in;
	if (gcs_exec_process(r->c, r->container, &pp, &stdio, &p, &err)) {
		snprintf(out, cap, "exec: %s", err.msg);
		return -1;
	}
	if (input && p.stdin_fd >= 0 && write(p.stdin_fd, input, strlen(input)) < 0)
		perror("write stdin");
	if (p.stdin_fd >= 0) {
		close(p.stdin_fd);
		p.stdin_fd = -1;
	}
	read_all(p.stdout_fd, out, cap, 60000);
	if (gcs_wait_process(r->c, p.id, 60000, status, &err)) {
		snprintf(out, cap, "wait: %s", err.msg);
		close_process_fds(&p);
		return -1;
	}
	gcs_release_process(r->c, p.id, &err);
	close_process_fds(&p);
	return 0;
}

static void check_output(struct run *r, const char *what, const char *const *args,
			 const char *input, const char *want, int want_status)
{
	char out[4096], detail[4200];
	int status = -1;

	if (run_process(r, args, input, NULL, out, sizeof(out), &status)) {
		result(0, what, out);
		return;
	}
	snprintf(detail, sizeof(detail), "status %d, output \"%s\"", status, out);
	result(status == want_status && (!want || strcmp(out, want) == 0), what, detail);
}

static const char spec_template[] =
	"{\"ociVersion\":\"1.0.2\","
	"\"process\":{\"terminal\":false,\"user\":{\"uid\":0,\"gid\":0},"
	"\"args\":[\"/bin/sh\",\"-c\",\"echo init-started; exec sleep 100000\"],"
	"\"env\":[\"PATH=/bin:/sbin:/usr/bin\",\"GREETING=hi-from-spec\"],\"cwd\":\"/\"},"
	"\"root\":{\"path\":\"rootfs\",\"readonly\":false},"
	"\"hostname\":\"uvm-e2e\","
	"\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
	"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"mode=755\"]},"
	"{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"ro\",\"nosuid\",\"noexec\"]},"
	"{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\",\"options\":[\"newinstance\",\"ptmxmode=0666\"]}],"
	"\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"},{\"type\":\"uts\"},{\"type\":\"ipc\"}],"
	"\"resources\":{\"memory\":{\"limit\":134217728}}}}";

static pid_t boot_vm(const char *uvmrun, const char *image, const char *layer,
		     const char *scratch, const char *base, const char *console)
{
	char kernel[512], initrd[512], disk0[600], disk1[600];
	pid_t pid;

	snprintf(kernel, sizeof(kernel), "%s/kernel", image);
	snprintf(initrd, sizeof(initrd), "%s/initrd.img", image);
	snprintf(disk0, sizeof(disk0), "%s,ro,serial=busybox-layer", layer);
	snprintf(disk1, sizeof(disk1), "%s,serial=scratch0", scratch);
	pid = fork();
	if (pid == 0) {
		int fd = open(console, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int null = open("/dev/null", O_RDONLY);

		if (fd < 0 || null < 0)
			_exit(126);
		dup2(null, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl(uvmrun, uvmrun, "boot", "--kernel", kernel, "--initrd", initrd,
		      "--cmdline", "console=ttyS0 quiet", "--memory", "512", "--timeout", "900",
		      "--vsock", base, "--disk", disk0, "--disk", disk1, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static int count_open_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 4096; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

static void test_streams(struct run *r)
{
	static const char *const echo[] = { "echo", "hello", NULL };
	static const char *const exit3[] = { "sh", "-c", "exit 3", NULL };
	static const char *const cat[] = { "cat", NULL };
	static const char *const env[] = { "sh", "-c", "echo $GREETING", NULL };
	static const char *const host[] = { "hostname", NULL };
	static const char *const pid1[] = { "sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '", NULL };
	static const char *const write_scratch[] = { "sh", "-c", "echo kept > /written && cat /written", NULL };
	char err_out[256], out[256];
	int status = -1;
	struct gcs_stdio_params stdio = { .in = false, .out = true, .err = true };
	struct gcs_process_params pp = { 0 };
	static const char *const to_stderr[] = { "sh", "-c", "echo to-stderr >&2; echo to-stdout", NULL };
	struct gcs_process p;
	struct uvm_error err = { 0 };
	double t0;

	t0 = now_ms();
	check_output(r, "exec echo hello in the container", echo, NULL, "hello\n", 0);
	printf("# figure: exec to exit of echo %.0f ms\n", now_ms() - t0);
	check_output(r, "exit status 3 comes back", exit3, NULL, NULL, 3);
	check_output(r, "stdin reaches cat and its end closes it", cat, NULL, "", 0);
	check_output(r, "bytes written to stdin come back from cat", cat, "line one\nline two\n",
		     "line one\nline two\n", 0);
	check_output(r, "the spec's environment is applied", env, NULL, "hi-from-spec\n", 0);
	check_output(r, "the spec's hostname is applied", host, NULL, "uvm-e2e\n", 0);
	/* The init shell exec'd sleep: pid 1 of the container's namespace. */
	check_output(r, "the container has its own pid namespace (its init is pid 1)", pid1, NULL,
		     "sleep 100000 ", 0);
	check_output(r, "the root is writable through the scratch overlay", write_scratch, NULL,
		     "kept\n", 0);

	pp.args = to_stderr;
	pp.n_args = 3;
	if (gcs_exec_process(r->c, r->container, &pp, &stdio, &p, &err)) {
		result(0, "stderr is its own stream", err.msg);
		return;
	}
	read_all(p.stdout_fd, out, sizeof(out), 60000);
	read_all(p.stderr_fd, err_out, sizeof(err_out), 60000);
	gcs_wait_process(r->c, p.id, 60000, &status, &err);
	gcs_release_process(r->c, p.id, &err);
	close_process_fds(&p);
	result(strcmp(out, "to-stdout\n") == 0 && strstr(err_out, "to-stderr\n") && status == 0,
	       "stderr is its own stream", out);
}

static void test_terminal(struct run *r)
{
	static const char *const stty[] = { "sh", "-c", "stty size; read x; stty size", NULL };
	struct gcs_stdio_params stdio = { .terminal = true, .rows = 30, .cols = 100,
					  .in = true, .out = true };
	struct gcs_process_params pp = { .args = stty, .n_args = 3 };
	struct gcs_process p;
	struct uvm_error err = { 0 };
	char out[512];
	int status = -1;
	size_t len = 0;
	double end = now_ms() + 60000;

	if (gcs_exec_process(r->c, r->container, &pp, &stdio, &p, &err)) {
		result(0, "a terminal process sees its initial size", err.msg);
		return;
	}
	out[0] = '\0';
	while (!strstr(out, "30 100") && now_ms() < end && len + 1 < sizeof(out)) {
		struct pollfd pfd = { .fd = p.stdout_fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		n = read(p.stdout_fd, out + len, sizeof(out) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		out[len] = '\0';
	}
	result(strstr(out, "30 100") != NULL, "a terminal process sees its initial size", out);
	if (gcs_resize_console(r->c, p.id, 40, 120, &err))
		result(0, "resize reaches the terminal", err.msg);
	if (write(p.stdin_fd, "\n", 1) != 1)
		perror("write");
	read_all(p.stdout_fd, out, sizeof(out), 30000);
	result(strstr(out, "40 120") != NULL, "resize reaches the terminal", out);
	gcs_wait_process(r->c, p.id, 60000, &status, &err);
	gcs_release_process(r->c, p.id, &err);
	close_process_fds(&p);
	result(p.stderr_fd == -1 && status == 0, "a terminal process has no stderr stream and exits 0",
	       NULL);
}

static void test_signals(struct run *r)
{
	static const char *const sleeper[] = { "sleep", "1000", NULL };
	static const int sigs[] = { SIGTERM, SIGKILL };
	static const int want[] = { 143, 137 };

	for (int i = 0; i < 2; i++) {
		struct gcs_stdio_params stdio = { .out = true };
		struct gcs_process_params pp = { .args = sleeper, .n_args = 2 };
		struct gcs_process p;
		struct uvm_error err = { 0 };
		char what[96], detail[600];
		int status = -1;

		snprintf(what, sizeof(what), "signal %d ends a process with status %d", sigs[i], want[i]);
		if (gcs_exec_process(r->c, r->container, &pp, &stdio, &p, &err)) {
			result(0, what, err.msg);
			continue;
		}
		if (gcs_wait_process(r->c, p.id, 500, &status, &err) != -ETIMEDOUT)
			result(0, "wait with a timeout times out on a running process", err.msg);
		gcs_signal_process(r->c, p.id, sigs[i], &err);
		if (gcs_wait_process(r->c, p.id, 60000, &status, &err))
			snprintf(detail, sizeof(detail), "wait: %s", err.msg);
		else
			snprintf(detail, sizeof(detail), "status %d", status);
		result(status == want[i], what, detail);
		gcs_release_process(r->c, p.id, &err);
		close_process_fds(&p);
	}
}

static void test_many_execs(struct run *r)
{
	static const char *const t[] = { "true", NULL };
	struct gcs_process_info *list = NULL;
	struct uvm_error err = { 0 };
	size_t n = 0;
	int fds_before = count_open_fds(), bad = 0;
	double t0 = now_ms();
	char detail[160];

	for (int i = 0; i < 100; i++) {
		char out[64];
		int status = -1;

		if (run_process(r, t, NULL, NULL, out, sizeof(out), &status) || status != 0)
			bad++;
	}
	printf("# figure: 100 execs of true %.0f ms (%.1f ms each)\n", now_ms() - t0,
	       (now_ms() - t0) / 100);
	snprintf(detail, sizeof(detail), "%d failed; host fds %d -> %d", bad, fds_before,
		 count_open_fds());
	result(bad == 0 && count_open_fds() == fds_before,
	       "100 execs all succeed and leave no host descriptors behind", detail);
	if (gcs_list_processes(r->c, r->container, &list, &n, &err)) {
		result(0, "the process list shows only the container's init", err.msg);
		return;
	}
	snprintf(detail, sizeof(detail), "%zu processes, first \"%.100s\"", n, n ? list[0].command : "");
	result(n == 1 && strstr(list[0].command, "sleep"), "the process list shows only the container's init",
	       detail);
	free(list);
}

int main(int argc, char **argv)
{
	struct gcs_client *c = NULL;
	struct uvm_error err = { 0 };
	struct gcs_layer layer = { .serial = "busybox-layer" };
	struct gcs_storage storage = { .layers = &layer, .n_layers = 1,
				       .scratch_serial = "scratch0" };
	struct gcs_stdio_params stdio = { .out = true };
	struct gcs_process init;
	struct gcs_stats stats;
	struct run r;
	char base[512], console[512], out[256];
	double t0;
	pid_t vm;
	int status = -1, vm_status = -1;

	if (argc != 6) {
		fprintf(stderr, "usage: gcs-e2e UVMRUN IMAGE_DIR LAYER_IMG SCRATCH_IMG WORK_DIR\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	snprintf(base, sizeof(base), "%s/v.sock", argv[5]);
	snprintf(console, sizeof(console), "%s/console.log", argv[5]);
	if (gcs_client_listen(base, &c, &err)) {
		result(0, "listen for the agent", err.msg);
		return 1;
	}
	gcs_client_set_timeout(c, 120000);
	t0 = now_ms();
	vm = boot_vm(argv[1], argv[2], argv[3], argv[4], base, console);
	if (vm < 0 || gcs_client_accept(c, 600000, &err)) {
		result(0, "the agent calls home after boot", err.msg);
		kill(vm, SIGKILL);
		waitpid(vm, NULL, 0);
		gcs_client_destroy(c);
		return 1;
	}
	gcs_client_agent_name(c, out, sizeof(out));
	result(1, "the agent calls home after boot", NULL);
	printf("# figure: boot to agent ready %.0f ms (%s, protocol %u)\n", now_ms() - t0, out,
	       gcs_client_version(c));

	t0 = now_ms();
	if (gcs_create_container(c, "c1", spec_template, strlen(spec_template), &storage, &err)) {
		result(0, "create a container from a busybox layer and a scratch disk", err.msg);
		goto shutdown;
	}
	result(1, "create a container from a busybox layer and a scratch disk", NULL);
	if (gcs_start_container(c, "c1", NULL, &stdio, &init, &err)) {
		result(0, "start runs the spec's process", err.msg);
		goto shutdown;
	}
	read_until(init.stdout_fd, "init-started", out, sizeof(out), 120000);
	printf("# figure: create to the init's first output %.0f ms\n", now_ms() - t0);
	result(strcmp(out, "init-started") == 0 || strncmp(out, "init-started", 12) == 0,
	       "start runs the spec's process", out);

	r.c = c;
	r.container = "c1";
	test_streams(&r);
	test_terminal(&r);
	test_signals(&r);
	test_many_execs(&r);

	if (gcs_container_stats(c, "c1", &stats, &err) == 0) {
		snprintf(out, sizeof(out), "memory %llu of %llu, cpu %llu us, pids %llu",
			 (unsigned long long)stats.memory_current, (unsigned long long)stats.memory_max,
			 (unsigned long long)stats.cpu_usage_usec, (unsigned long long)stats.pids);
		result(stats.memory_current > 0 && stats.memory_max == 134217728 && stats.pids >= 1,
		       "statistics come from the container's cgroup (memory limit from the spec)", out);
	} else {
		result(0, "statistics come from the container's cgroup (memory limit from the spec)",
		       err.msg);
	}
	{
		static const char *const uname[] = { "/usr/bin/crun", "--version", NULL };
		struct run uvm = { .c = c, .container = NULL };
		char ver[1024];

		if (run_process(&uvm, uname, NULL, NULL, ver, sizeof(ver), &status) == 0)
			result(status == 0 && strstr(ver, "crun"), "a process runs in the UVM itself", ver);
		else
			result(0, "a process runs in the UVM itself", ver);
	}

shutdown:
	t0 = now_ms();
	if (gcs_shutdown(c, 5000, &err))
		result(0, "graceful shutdown powers the VM off", err.msg);
	for (int i = 0; i < 1200 && waitpid(vm, &vm_status, WNOHANG) == 0; i++)
		usleep(100000);
	if (waitpid(vm, &vm_status, WNOHANG) == 0) {
		kill(vm, SIGKILL);
		waitpid(vm, &vm_status, 0);
	}
	printf("# figure: shutdown to VMM exit %.0f ms\n", now_ms() - t0);
	snprintf(out, sizeof(out), "VMM status %d", WIFEXITED(vm_status) ? WEXITSTATUS(vm_status) : -1);
	result(WIFEXITED(vm_status) && WEXITSTATUS(vm_status) == 0,
	       "graceful shutdown powers the VM off", out);
	gcs_client_destroy(c);
	return failures ? 1 : 0;
}
