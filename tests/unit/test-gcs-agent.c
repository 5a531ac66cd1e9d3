/* The guest agent binary in test mode driven through the real host client,
 * with processes in the "UVM" (this machine): output, exit codes, stdin,
 * terminals, signals, events, errors, leaks, threads, two VMs at once, and
 * shutdown. Malformed frames: test-gcs-frames.c; containers through a
 * stand-in crun: test-gcs-container.c; decoding: test-gcs-protocol.c. */
#include "gcs-test-agent.h"

static const struct gcs_stdio_params out_only = { .out = true };
static const struct gcs_stdio_params out_err = { .out = true, .err = true };
static const struct gcs_stdio_params all_pipes = { .in = true, .out = true, .err = true };

/* Run args in the UVM, collect stdout, wait for the exit status, release. */
static int run_uvm(struct test_agent *ta, const char *const *args, size_t n, char *out,
		   size_t cap)
{
	struct gcs_process_params pp = { .args = args, .n_args = n };
	struct uvm_error err = { 0 };
	struct gcs_process p;
	int status = -1;

	if (gcs_exec_process(ta->c, NULL, &pp, &out_only, &p, &err)) {
		printf("# exec %s: %s\n", args[0], err.msg);
		return -1;
	}
	read_all(p.stdout_fd, out, cap, 10000);
	if (gcs_wait_process(ta->c, p.id, 10000, &status, &err))
		printf("# wait: %s\n", err.msg);
	CHECK_EQ(gcs_release_process(ta->c, p.id, &err), 0);
	close_process_fds(&p);
	return status;
}

static int raw_call(struct test_agent *ta, const char *body, struct uvm_error *err)
{
	char *res = NULL;
	int ret = gcs_call_raw(ta->c, body, strlen(body), &res, err);

	free(res);
	return ret;
}

static void negotiation_agrees_on_version_1(void)
{
	struct test_agent ta;
	char name[96];

	CHECK(test_agent_start(&ta));
	CHECK(gcs_client_connected(ta.c));
	CHECK_EQ(gcs_client_version(ta.c), 1);
	gcs_client_agent_name(ta.c, name, sizeof(name));
	CHECK_STR_CONTAINS(name, "uvm-agent");
	test_agent_stop(&ta);
}

static void echo_hello_prints_hello_and_exits_0(void)
{
	static const char *const args[] = { "echo", "hello" };
	struct test_agent ta;
	char out[256];

	CHECK(test_agent_start(&ta));
	CHECK_EQ(run_uvm(&ta, args, 2, out, sizeof(out)), 0);
	CHECK(!strcmp(out, "hello\n"));
	test_agent_stop(&ta);
}

static void exit_code_3_is_reported_as_3(void)
{
	static const char *const args[] = { "sh", "-c", "exit 3" };
	struct test_agent ta;
	char out[64];

	CHECK(test_agent_start(&ta));
	CHECK_EQ(run_uvm(&ta, args, 3, out, sizeof(out)), 3);
	CHECK_EQ(strlen(out), 0);
	test_agent_stop(&ta);
}

static void stdin_round_trips_through_cat(void)
{
	static const char *const args[] = { "cat" };
	static const char text[] = "round trip\nsecond line\n";
	struct gcs_process_params pp = { .args = args, .n_args = 1 };
	struct uvm_error err = { 0 };
	struct test_agent ta;
	struct gcs_process p;
	char out[256];
	int status = -1;

	CHECK(test_agent_start(&ta));
	CHECK_EQ(gcs_exec_process(ta.c, NULL, &pp, &all_pipes, &p, &err), 0);
	CHECK(p.stdin_fd >= 0 && p.stdout_fd >= 0 && p.stderr_fd >= 0);
	CHECK_EQ(write(p.stdin_fd, text, strlen(text)), (ssize_t)strlen(text));
	close(p.stdin_fd);      /* end of input: cat ends */
	p.stdin_fd = -1;
	read_all(p.stdout_fd, out, sizeof(out), 10000);
	CHECK(!strcmp(out, text));
	CHECK_EQ(gcs_wait_process(ta.c, p.id, 10000, &status, &err), 0);
	CHECK_EQ(status, 0);
	close_process_fds(&p);
	test_agent_stop(&ta);
}

static void stderr_stays_separate_from_stdout(void)
{
	static const char *const args[] = { "sh", "-c", "echo out; echo err >&2; echo out2" };
	struct gcs_process_params pp = { .args = args, .n_args = 3 };
	struct uvm_error err = { 0 };
	struct test_agent ta;
	struct gcs_process p;
	char out[128], errs[128];
	int status = -1;

	CHECK(test_agent_start(&ta));
	CHECK_EQ(gcs_exec_process(ta.c, NULL, &pp, &out_err, &p, &err), 0);
	CHECK_EQ(p.stdin_fd, -1);
	read_all(p.stdout_fd, out, sizeof(out), 10000);
	read_all(p.stderr_fd, errs, sizeof(errs), 10000);
	CHECK(!strcmp(out, "out\nout2\n"));
	CHECK(!strcmp(errs, "err\n"));
	CHECK_EQ(gcs_wait_process(ta.c, p.id, 10000, &status, &err), 0);
	CHECK_EQ(status, 0);
	close_process_fds(&p);
	test_agent_stop(&ta);
}

static void cwd_env_and_user_reach_the_process(void)
{
	static const char *const args[] = { "sh", "-c", "pwd; echo \"$FOO\"; id -u; id -g" };
	static const char *const env[] = { "FOO=bar baz", "PATH=/usr/bin:/bin" };
	struct gcs_process_params pp = { .args = args, .n_args = 3, .env = env, .n_env = 2,
					 .cwd = "/tmp" };
	struct uvm_error err = { 0 };
	struct test_agent ta;
	struct gcs_process p;
	char out[256];
	int status = -1;

	if (geteuid() == 0)
		pp.user = "65534:65533";
	CHECK(test_agent_start(&ta));
	CHECK_EQ(gcs_exec_process(ta.c, NULL, &pp, &out_only, &p, &err), 0);
	read_all(p.stdout_fd, out, sizeof(out), 10000);
	CHECK_STR_CONTAINS(out, "/tmp\nbar baz\n");
	if (geteuid() == 0)
		CHECK_STR_CONTAINS(out, "\n65534\n65533\n");
	CHECK_EQ(gcs_wait_process(ta.c, p.id, 10000, &status, &err), 0);
	CHECK_EQ(status, 0);
	close_process_fds(&p);
	test_agent_stop(&ta);
}

static void terminal_reports_its_size_and_the_size_after_a_resize(void)
{
	static const char *const args[] = { "sh", "-c", "stty size; read x; stty size" };
	struct gcs_process_params pp = { .args = args, .n_args = 3 };
	struct gcs_stdio_params tty = { .terminal = true, .rows = 24, .cols = 80,
					.in = true, .out = true };
	struct uvm_error err = { 0 };
	struct test_agent ta;
	struct gcs_process p;
	char out[512];
	int status = -1;

	CHECK(test_agent_start(&ta));
	CHECK_EQ(gcs_exec_process(ta.c, NULL, &pp, &tty, &p, &err), 0);
	CHECK_EQ(p.stderr_fd, -1);
	CHECK(read_until(p.stdout_fd, "24 80", out, sizeof(out), 10000));
	CHECK_EQ(gcs_resize_console(ta.c, p.id, 50, 132, &err), 0);
	CHECK_EQ(write(p.stdin_fd, "go\n", 3), 3);
	CHECK(read_until(p.stdout_fd, "50 132", out, sizeof(out), 10000));
	CHECK_EQ(gcs_wait_process(ta.c, p.id, 10000, &status, &err), 0);
	CHECK_EQ(status, 0);
	/* Its terminal went with it. */
	CHECK_EQ(gcs_resize_console(ta.c, p.id, 10, 10, &err), -ENOENT);
	CHECK_STR_CONTAINS(err.msg, "has exited");
	close_process_fds(&p);
	test_agent_stop(&ta);
}

static void closing_a_terminal_s_stdin_sends_end_of_file(void)
{
	static const char *const args[] = { "cat" };
	struct gcs_process_params pp = { .args = args, .n_args = 1 };
	struct gcs_stdio_params tty = { .terminal = true, .rows = 10, .cols = 40, .in = true,
					.out = true };
	struct uvm_error err = { 0 };
	struct test_agent ta;
	char out[256];

	CHECK(test_agent_start(&ta));
	/* After a full line, and in the middle of one (two VEOFs needed). */
	for (int partial = 0; partial < 2; partial++) {
		struct gcs_process p;
		int status = -1;

		CHECK_EQ(gcs_exec_process(ta.c, NULL, &pp, &tty, &p, &err), 0);
		CHECK_EQ(write(p.stdin_fd, partial ? "abc" : "abc\n", partial ? 3 : 4),
			 partial ? 3 : 4);
		if (!partial)
			CHECK(read_until(p.stdout_fd, "abc\r\nabc\r\n", out, sizeof(out), 10000));
		CHECK_EQ(gcs_close_stdin(ta.c, p.id, &err), 0);
		CHECK_EQ(gcs_wait_process(ta.c, p.id, 10000, &status, &err), 0);
		CHECK_EQ(status, 0);
		close_process_fds(&p);
	}
	test_agent_stop(&ta);
}

static void large_output_and_input_arrive_whole(void)
{
	static const char *const gen[] = { "sh", "-c", "head -c 8000000 /dev/zero; echo done >&2" };
	static const char *const wc[] = { "wc", "-c" };
	struct gcs_process_params pp = { .args = gen, .n_args = 3 };
	struct uvm_error err = { 0 };
	struct test_agent ta;
	struct gcs_process p;
	char *buf = malloc(1 << 20), small[64];
	size_t total = 0;
	int status = -1;

	CHECK(test_agent_start(&ta));
	CHECK_EQ(gcs_exec_process(ta.c, NULL, &pp, &out_err, &p, &err), 0);
	for (;;) {
		ssize_t n = read(p.stdout_fd, buf, 1 << 20);

		if (n <= 0)
			break;
		total += (size_t)n;
	}
	CHECK_EQ(total, 8000000);
	read_all(p.stderr_fd, small, sizeof(small), 10000);
	CHECK(!strcmp(small, "done\n"));
	CHECK_EQ(gcs_wait_process(ta.c, p.id, 10000, &status, &err), 0);
	CHECK_EQ(status, 0);
	close_process_fds(&p);
	/* 8 MB in: the agent's relay is bounded, so this only works with backpressure. */
	pp.args = wc;
	pp.n_args = 2;
	CHECK_EQ(gcs_exec_process(ta.c, NULL, &pp, &all_pipes, &p, &err), 0);
	memset(buf, 'x', 1 << 20);
	for (int i = 0; i < 8; i++)
		CHECK_EQ(write(p.stdin_fd, buf, 1000000), 1000000);
	close(p.stdin_fd);
	p.stdin_fd = -1;
	read_all(p.stdout_fd, small, sizeof(small), 10000);
	CHECK(!strcmp(small, "8000000\n"));
	CHECK_EQ(gcs_wait_process(ta.c, p.id, 10000, &status, &err), 0);
	close_process_fds(&p);
	free(buf);
	test_agent_stop(&ta);
}

static void sigterm_and_sigkill_end_sleep_with_143_and_137(void)
{
	static const char *const args[] = { "sleep", "100" };
	struct gcs_process_params pp = { .args = args, .n_args = 2 };
	const int sigs[2] = { SIGTERM, SIGKILL }, want[2] = { 143, 137 };
	struct uvm_error err = { 0 };
	struct test_agent ta;

	CHECK(test_agent_start(&ta));
	for (int i = 0; i < 2; i++) {
		struct gcs_process_status st;
		struct gcs_process p;
		int status = -1;

		CHECK_EQ(gcs_exec_process(ta.c, NULL, &pp, NULL, &p, &err), 0);
		CHECK_EQ(gcs_process_status(ta.c, p.id, &st, &err), 0);
		CHECK(st.running);
		CHECK_EQ(st.pid, p.pid);
		CHECK_EQ(gcs_wait_process(ta.c, p.id, 100, &status, &err), -ETIMEDOUT);
		CHECK_EQ(gcs_resize_console(ta.c, p.id, 10, 10, &err), -EBUSY);   /* no terminal */
		CHECK_EQ(gcs_signal_process(ta.c, p.id, sigs[i], &err), 0);
		CHECK_EQ(gcs_wait_process(ta.c, p.id, 10000, &status, &err), 0);
		CHECK_EQ(status, want[i]);
		/* Still queryable until released; then gone. */
		CHECK_EQ(gcs_process_status(ta.c, p.id, &st, &err), 0);
		CHECK(!st.running);
		CHECK_EQ(st.exit_status, want[i]);
		CHECK_EQ(gcs_signal_process(ta.c, p.id, SIGTERM, &err), -ENOENT);
		CHECK_EQ(gcs_release_process(ta.c, p.id, &err), 0);
		CHECK_EQ(gcs_process_status(ta.c, p.id, &st, &err), -ENOENT);
	}
	test_agent_stop(&ta);
}

static void close_stdin_ends_cat_while_the_host_keeps_its_end(void)
{
	static const char *const args[] = { "cat" };
	struct gcs_process_params pp = { .args = args, .n_args = 1 };
	struct gcs_stdio_params sp = { .in = true, .out = true };
	struct uvm_error err = { 0 };
	struct test_agent ta;
	struct gcs_process p;
	char out[64];
	int status = -1;

	CHECK(test_agent_start(&ta));
	CHECK_EQ(gcs_exec_process(ta.c, NULL, &pp, &sp, &p, &err), 0);
	CHECK_EQ(write(p.stdin_fd, "abc", 3), 3);
	CHECK(read_until(p.stdout_fd, "abc", out, sizeof(out), 10000));
	CHECK_EQ(write(p.stdin_fd, "def", 3), 3);
	CHECK_EQ(gcs_close_stdin(ta.c, p.id, &err), 0);
	CHECK_EQ(gcs_wait_process(ta.c, p.id, 10000, &status, &err), 0);
	CHECK_EQ(status, 0);
	read_all(p.stdout_fd, out, sizeof(out), 10000);
	CHECK(!strcmp(out, "def"));
	CHECK_EQ(gcs_close_stdin(ta.c, p.id, &err), 0);   /* again: nothing to do */
	close_process_fds(&p);
	test_agent_stop(&ta);
}

static void exit_events_reach_the_callback(void)
{
	static const char *const args[] = { "sh", "-c", "kill -HUP $$" };
	struct gcs_process_params pp = { .args = args, .n_args = 3 };
	struct uvm_error err = { 0 };
	struct test_agent ta;
	struct gcs_process p;
	int status = -1;

	CHECK(test_agent_start(&ta));
	CHECK_EQ(gcs_exec_process(ta.c, NULL, &pp, NULL, &p, &err), 0);
	CHECK_EQ(gcs_wait_process(ta.c, p.id, 10000, &status, &err), 0);
	CHECK_EQ(status, 128 + SIGHUP);
	pthread_mutex_lock(&ta.lock);
	CHECK_EQ(ta.exit_events, 1);
	CHECK_EQ(ta.last_process, p.id);
	CHECK_EQ(ta.last_status, 128 + SIGHUP);
	CHECK(!strcmp(ta.last_container, ""));
	pthread_mutex_unlock(&ta.lock);
	test_agent_stop(&ta);
}

static void failed_requests_get_errors_and_leave_nothing(void)
{
	static const char *const missing[] = { "/nonexistent/program" };
	static const char *const sh[] = { "true" };
	struct gcs_process_params pp = { .args = missing, .n_args = 1 };
	struct gcs_stdio_params bad = { .terminal = true, .out = true, .err = true };
	struct uvm_error err = { 0 };
	struct gcs_process_info *list;
	struct test_agent ta;
	struct gcs_process p;
	struct gcs_stats stats;
	size_t n;

	CHECK(test_agent_start(&ta));
	CHECK_EQ(gcs_exec_process(ta.c, NULL, &pp, &all_pipes, &p, &err), -ENOENT);
	CHECK_STR_CONTAINS(err.msg, "not_found (7): exec /nonexistent/program");
	CHECK_EQ(p.stdin_fd, -1);
	pp.args = sh;
	pp.cwd = "/nonexistent";
	CHECK_EQ(gcs_exec_process(ta.c, NULL, &pp, NULL, &p, &err), -ENOENT);
	CHECK_STR_CONTAINS(err.msg, "working directory /nonexistent");
	pp.cwd = "relative";
	CHECK_EQ(gcs_exec_process(ta.c, NULL, &pp, NULL, &p, &err), -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "process.cwd");
	pp.cwd = NULL;
	pp.user = "no-such-user-here";
	CHECK_EQ(gcs_exec_process(ta.c, NULL, &pp, NULL, &p, &err), -ENOENT);
	CHECK_STR_CONTAINS(err.msg, "no such user");
	pp.user = NULL;
	CHECK_EQ(gcs_exec_process(ta.c, NULL, &pp, &bad, &p, &err), -EINVAL);
	CHECK_EQ(gcs_exec_process(ta.c, "nosuch", &pp, NULL, &p, &err), -ENOENT);
	CHECK_STR_CONTAINS(err.msg, "no container \"nosuch\"");
	CHECK_EQ(gcs_signal_process(ta.c, 999, SIGTERM, &err), -ENOENT);
	CHECK_EQ(gcs_signal_process(ta.c, 1, 0, &err), -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "signal");
	CHECK_EQ(gcs_signal_process(ta.c, 1, 65, &err), -EINVAL);
	CHECK_EQ(gcs_resize_console(ta.c, 999, 1, 1, &err), -ENOENT);
	CHECK_EQ(gcs_start_container(ta.c, "nosuch", NULL, NULL, &p, &err), -ENOENT);
	CHECK_EQ(gcs_container_stats(ta.c, "nosuch", &stats, &err), -ENOENT);
	CHECK_EQ(gcs_list_processes(ta.c, "nosuch", &list, &n, &err), -ENOENT);
	CHECK_EQ(gcs_delete_container(ta.c, "nosuch", &err), -ENOENT);
	CHECK_EQ(raw_call(&ta, "{\"op\":\"format_disk\"}", &err), -ENOSYS);
	CHECK_STR_CONTAINS(err.msg, "unknown operation");
	CHECK_EQ(raw_call(&ta, "{\"op\":\"terminate\",\"now\":1}", &err), -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "now: unknown field");
	CHECK_EQ(raw_call(&ta, "{\"op\":\"process_status\",\"process\":\"1\"}", &err), -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "process: expected an integer, got string");
	/* Nothing was left running by the failures, and the agent still works. */
	CHECK_EQ(gcs_list_processes(ta.c, NULL, &list, &n, &err), 0);
	CHECK_EQ(n, 0);
	free(list);
	CHECK_EQ(count_children(ta.pid, false), 0);
	test_agent_stop(&ta);
}

static void list_processes_shows_a_running_sleep(void)
{
	static const char *const args[] = { "sleep", "100" };
	struct gcs_process_params pp = { .args = args, .n_args = 2 };
	struct uvm_error err = { 0 };
	struct gcs_process_info *list = NULL;
	struct test_agent ta;
	struct gcs_process p;
	size_t n = 0;
	int status;

	CHECK(test_agent_start(&ta));
	CHECK_EQ(gcs_exec_process(ta.c, NULL, &pp, NULL, &p, &err), 0);
	CHECK_EQ(gcs_list_processes(ta.c, NULL, &list, &n, &err), 0);
	CHECK_EQ(n, 1);
	if (n == 1) {
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		CHECK_EQ(list[0].pid, p.pid);
		CHECK(!strcmp(list[0].name, "sleep"));
		CHECK(!strcmp(list[0].command, "sleep 100"));
		CHECK(list[0].vsize_bytes > 0);   /* rss may still be 0 just after exec */
		CHECK(list[0].start_time_ns / 1000000000u <= (uint64_t)now.tv_sec + 1);
		CHECK(list[0].start_time_ns / 1000000000u + 60 >= (uint64_t)now.tv_sec);
	}
	free(list);
	CHECK_EQ(gcs_signal_process(ta.c, p.id, SIGKILL, &err), 0);
	CHECK_EQ(gcs_wait_process(ta.c, p.id, 10000, &status, &err), 0);
	test_agent_stop(&ta);
}

static void hundred_execs_leak_no_descriptors_or_zombies(void)
{
	static const char *const args[] = { "echo", "x" };
	struct test_agent ta;
	int agent_before, agent_after, ours_before, ours_after, failures = 0;
	char out[32];

	CHECK(test_agent_start(&ta));
	CHECK_EQ(run_uvm(&ta, args, 2, out, sizeof(out)), 0);   /* warm up */
	agent_before = count_fds(ta.pid);
	ours_before = count_fds(getpid());
	for (int i = 0; i < 100; i++) {
		if (run_uvm(&ta, args, 2, out, sizeof(out)) != 0 || strcmp(out, "x\n"))
			failures++;
	}
	CHECK_EQ(failures, 0);
	agent_after = count_fds(ta.pid);
	ours_after = count_fds(getpid());
	CHECK(agent_before > 0);
	CHECK_EQ(agent_after, agent_before);
	CHECK_EQ(ours_after, ours_before);
	CHECK_EQ(count_children(ta.pid, true), 0);
	CHECK_EQ(count_children(ta.pid, false), 0);
	test_agent_stop(&ta);
}

struct thread_job {
	struct test_agent *ta;
	int index, failures;
};

static void *exec_thread(void *arg)
{
	struct thread_job *job = arg;
	char word[16], want[20], out[64];
	const char *args[] = { "echo", word };

	for (int i = 0; i < 10; i++) {
		snprintf(word, sizeof(word), "t%d-%d", job->index, i);
		snprintf(want, sizeof(want), "%s\n", word);
		if (run_uvm(job->ta, args, 2, out, sizeof(out)) != 0 || strcmp(out, want))
			job->failures++;
	}
	return NULL;
}

static void calls_from_four_threads_get_their_own_answers(void)
{
	struct thread_job jobs[4];
	pthread_t threads[4];
	struct test_agent ta;

	CHECK(test_agent_start(&ta));
	for (int i = 0; i < 4; i++) {
		jobs[i] = (struct thread_job){ &ta, i, 0 };
		CHECK_EQ(pthread_create(&threads[i], NULL, exec_thread, &jobs[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(threads[i], NULL);
		CHECK_EQ(jobs[i].failures, 0);
	}
	test_agent_stop(&ta);
}

static void two_agents_serve_one_process_independently(void)
{
	static const char *const a1[] = { "echo", "first" }, *const a2[] = { "echo", "second" };
	struct test_agent t1, t2;
	char out[64];

	CHECK(test_agent_start(&t1));
	CHECK(test_agent_start(&t2));
	CHECK_EQ(run_uvm(&t2, a2, 2, out, sizeof(out)), 0);
	CHECK(!strcmp(out, "second\n"));
	CHECK_EQ(run_uvm(&t1, a1, 2, out, sizeof(out)), 0);
	CHECK(!strcmp(out, "first\n"));
	test_agent_stop(&t1);
	CHECK_EQ(run_uvm(&t2, a2, 2, out, sizeof(out)), 0);
	test_agent_stop(&t2);
}

static void shutdown_and_terminate_end_the_agent_and_its_processes(void)
{
	static const char *const args[] = { "sleep", "100" };
	struct gcs_process_params pp = { .args = args, .n_args = 2 };
	struct uvm_error err = { 0 };
	struct test_agent ta;
	struct gcs_process p;
	int status;

	for (int terminate = 0; terminate < 2; terminate++) {
		CHECK(test_agent_start(&ta));
		CHECK_EQ(gcs_exec_process(ta.c, NULL, &pp, NULL, &p, &err), 0);
		if (terminate)
			CHECK_EQ(gcs_terminate(ta.c, &err), 0);
		else
			CHECK_EQ(gcs_shutdown(ta.c, 200, &err), 0);
		status = test_agent_wait(&ta, 5000);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		CHECK(kill(p.pid, 0) < 0 && errno == ESRCH);
		for (int i = 0; i < 500 && gcs_client_connected(ta.c); i++)
			usleep(10000);
		CHECK_EQ(gcs_exec_process(ta.c, NULL, &pp, NULL, &p, &err), -ENOTCONN);
		test_agent_stop(&ta);
	}
}

TEST_LIST(
	T(negotiation_agrees_on_version_1),
	T(echo_hello_prints_hello_and_exits_0),
	T(exit_code_3_is_reported_as_3),
	T(stdin_round_trips_through_cat),
	T(stderr_stays_separate_from_stdout),
	T(cwd_env_and_user_reach_the_process),
	T(terminal_reports_its_size_and_the_size_after_a_resize),
	T(closing_a_terminal_s_stdin_sends_end_of_file),
	T(large_output_and_input_arrive_whole),
	T(sigterm_and_sigkill_end_sleep_with_143_and_137),
	T(close_stdin_ends_cat_while_the_host_keeps_its_end),
	T(exit_events_reach_the_callback),
	T(failed_requests_get_errors_and_leave_nothing),
	T(list_processes_shows_a_running_sleep),
	T(hundred_execs_leak_no_descriptors_or_zombies),
	T(calls_from_four_threads_get_their_own_answers),
	T(two_agents_serve_one_process_independently),
	T(shutdown_and_terminate_end_the_agent_and_its_processes),
);
TEST_MAIN("gcs-agent")
