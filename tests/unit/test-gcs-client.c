/* The host client facing a hostile or broken agent (a thread speaking raw
 * frames): wrong versions, bad magic, oversized frames, invalid JSON, wrong
 * ids and shapes, bad events, silence, a connection cut mid-frame. Calls fail
 * with an error; the host process never crashes or hangs. */
#include <jansson.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "gcs-test-agent.h"

struct fake_agent {
	char dir[64], base[128];
	struct gcs_client *c;
	pthread_t thread;
	void (*script)(int fd);
	int calls;                  /* events seen by the callback */
};

static int fake_connect(const char *base)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%.80s_%u", base, GCS_PORT) >=
	    sizeof(sa.sun_path))
		return -1;
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static bool read_exact(int fd, void *buf, size_t len)
{
	for (uint8_t *p = buf; len;) {
		ssize_t n = read(fd, p, len);

		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* The next request: its id, and its op into op. */
static uint64_t next_request(int fd, char *op, size_t size)
{
	uint8_t raw[GCS_HEADER_SIZE];
	struct gcs_header h;
	char *body;
	json_t *j;

	op[0] = '\0';
	if (!read_exact(fd, raw, sizeof(raw)))
		return 0;
	gcs_header_decode(raw, &h);
	body = malloc(h.body_len + 1);
	if (!body || !read_exact(fd, body, h.body_len)) {
		free(body);
		return 0;
	}
	j = json_loadb(body, h.body_len, 0, NULL);
	snprintf(op, size, "%s", json_string_value(json_object_get(j, "op")) ?: "");
	json_decref(j);
	free(body);
	return h.id;
}

static void send_raw(int fd, uint32_t magic, uint16_t type, uint64_t id, const char *body,
		     uint32_t declared)
{
	struct gcs_header h = { magic, 1, type, id, declared, 0 };
	uint8_t raw[GCS_HEADER_SIZE];

	gcs_header_encode(&h, raw);
	/* The client may have hung up already: no SIGPIPE. */
	if (send(fd, raw, sizeof(raw), MSG_NOSIGNAL) < 0 ||
	    (body && send(fd, body, strlen(body), MSG_NOSIGNAL) < 0))
		return;
}

static void reply(int fd, uint64_t id, const char *body)
{
	send_raw(fd, GCS_MAGIC, GCS_MSG_RESPONSE, id, body, (uint32_t)strlen(body));
}

static void good_negotiation(int fd)
{
	char op[64];
	uint64_t id = next_request(fd, op, sizeof(op));

	CHECK(!strcmp(op, "negotiate"));
	reply(fd, id, "{\"result\":{\"version\":1,\"agent\":\"fake\\u0001agent\"}}");
}

/* Keep the connection until the client goes. */
static void linger(int fd)
{
	char buf[256];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static void *fake_main(void *arg)
{
	struct fake_agent *fa = arg;
	int fd = -1;

	for (int i = 0; i < 500 && fd < 0; i++) {
		fd = fake_connect(fa->base);
		if (fd < 0)
			usleep(10000);
	}
	if (fd >= 0) {
		fa->script(fd);
		close(fd);
	}
	return NULL;
}

static void on_event(void *ctx, const struct gcs_event *ev)
{
	struct fake_agent *fa = ctx;

	(void)ev;
	__atomic_add_fetch(&fa->calls, 1, __ATOMIC_SEQ_CST);
}

static void fake_start(struct fake_agent *fa, void (*script)(int fd))
{
	struct uvm_error err = { 0 };

	memset(fa, 0, sizeof(*fa));
	snprintf(fa->dir, sizeof(fa->dir), "/tmp/gcs-client-XXXXXX");
	CHECK(mkdtemp(fa->dir) != NULL);
	snprintf(fa->base, sizeof(fa->base), "%s/vsock", fa->dir);
	CHECK_EQ(gcs_client_listen(fa->base, &fa->c, &err), 0);
	gcs_client_set_event_handler(fa->c, on_event, fa);
	gcs_client_set_timeout(fa->c, 5000);
	fa->script = script;
	CHECK_EQ(pthread_create(&fa->thread, NULL, fake_main, fa), 0);
}

static void fake_again(struct fake_agent *fa, void (*script)(int fd))
{
	pthread_join(fa->thread, NULL);
	fa->script = script;
	CHECK_EQ(pthread_create(&fa->thread, NULL, fake_main, fa), 0);
}

static void fake_stop(struct fake_agent *fa)
{
	gcs_client_destroy(fa->c);
	pthread_join(fa->thread, NULL);
	nftw(fa->dir, test_rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static int one_call(struct fake_agent *fa, struct uvm_error *err)
{
	return gcs_signal_process(fa->c, 1, 15, err);
}

/* ---- scripts ---- */

static void script_version_7(int fd)
{
	char op[64];
	uint64_t id = next_request(fd, op, sizeof(op));

	reply(fd, id, "{\"result\":{\"version\":7}}");
	linger(fd);
}

static void script_version_error(int fd)
{
	char op[64];
	uint64_t id = next_request(fd, op, sizeof(op));

	reply(fd, id, "{\"error\":{\"code\":2,\"message\":\"no common version\",\"errno\":93}}");
	linger(fd);
}

static void unusable_negotiations_fail_accept(void)
{
	struct uvm_error err = { 0 };
	struct fake_agent fa;

	fake_start(&fa, script_version_7);
	CHECK_EQ(gcs_client_accept(fa.c, 5000, &err), -EPROTO);
	CHECK(!gcs_client_connected(fa.c));
	fake_again(&fa, script_version_error);
	CHECK_EQ(gcs_client_accept(fa.c, 5000, &err), -EPROTONOSUPPORT);
	CHECK_STR_CONTAINS(err.msg, "version (2): no common version");
	fake_stop(&fa);
	/* Nobody calls at all. */
	{
		struct gcs_client *c;
		char dir[] = "/tmp/gcs-client-XXXXXX", base[64];

		CHECK(mkdtemp(dir) != NULL);
		snprintf(base, sizeof(base), "%s/vsock", dir);
		CHECK_EQ(gcs_client_listen(base, &c, &err), 0);
		CHECK_EQ(gcs_client_accept(c, 100, &err), -ETIMEDOUT);
		CHECK_STR_CONTAINS(err.msg, "did not connect");
		CHECK_EQ(gcs_signal_process(c, 1, 9, &err), -ENOTCONN);
		gcs_client_destroy(c);
		CHECK_EQ(rmdir(dir), 0);    /* the socket file went with the client */
	}
}

static void script_bad_magic(int fd)
{
	char op[64];

	good_negotiation(fd);
	next_request(fd, op, sizeof(op));
	send_raw(fd, 0xdeadbeef, GCS_MSG_RESPONSE, 2, "{}", 2);
	linger(fd);
}

static void script_oversized(int fd)
{
	char op[64];
	uint64_t id;

	good_negotiation(fd);
	id = next_request(fd, op, sizeof(op));
	send_raw(fd, GCS_MAGIC, GCS_MSG_RESPONSE, id, NULL, 100u << 20);
	linger(fd);
}

static void script_bad_type(int fd)
{
	char op[64];
	uint64_t id;

	good_negotiation(fd);
	id = next_request(fd, op, sizeof(op));
	send_raw(fd, GCS_MAGIC, GCS_MSG_REQUEST, id, "{}", 2);
	linger(fd);
}

static void broken_frames_end_the_connection(void)
{
	void (*scripts[])(int) = { script_bad_magic, script_oversized, script_bad_type };
	struct uvm_error err = { 0 };
	struct fake_agent fa;

	for (size_t i = 0; i < 3; i++) {
		fake_start(&fa, scripts[i]);
		CHECK_EQ(gcs_client_accept(fa.c, 5000, &err), 0);
		CHECK_EQ(one_call(&fa, &err), -EPROTO);
		CHECK_STR_CONTAINS(err.msg, "malformed frame");
		CHECK(!gcs_client_connected(fa.c));
		CHECK_EQ(one_call(&fa, &err), -ENOTCONN);
		fake_stop(&fa);
	}
}

static void script_bad_bodies(int fd)
{
	static const char *const replies[] = {
		"not json",
		"[1,2]",
		"{\"result\":5}",
		"{\"nothing\":{}}",
		"{\"result\":{},\"error\":{}}",
		"{\"error\":{\"code\":\"seven\"}}",
		"{\"error\":{\"code\":7,\"message\":\"line one\\nline\\u0001two\"}}",
		"{\"error\":{\"code\":11,\"message\":\"m\",\"errno\":123456}}",
		"{\"error\":{\"code\":11,\"message\":\"m\",\"errno\":13}}",
	};
	char op[64];

	good_negotiation(fd);
	for (size_t i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
		uint64_t id = next_request(fd, op, sizeof(op));

		reply(fd, id + 1000, "{\"result\":{}}");   /* nobody asked: ignored */
		reply(fd, id, replies[i]);
	}
	reply(fd, next_request(fd, op, sizeof(op)), "{\"result\":{}}");
	linger(fd);
}

static void bad_answers_fail_their_call_only(void)
{
	static const int want[] = { -EPROTO, -EPROTO, -EPROTO, -EPROTO, -EPROTO, -EIO, -ENOENT,
				    -EIO, -EACCES };
	struct uvm_error err = { 0 };
	struct fake_agent fa;
	char name[96];

	fake_start(&fa, script_bad_bodies);
	CHECK_EQ(gcs_client_accept(fa.c, 5000, &err), 0);
	gcs_client_agent_name(fa.c, name, sizeof(name));
	CHECK(!strcmp(name, "fake?agent"));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		int ret = one_call(&fa, &err);

		if (ret != want[i])
			printf("#   answer %zu: %d (%s)\n", i, ret, err.msg);
		CHECK_EQ(ret, want[i]);
		if (i == 6) {
			CHECK_STR_CONTAINS(err.msg, "not_found (7): line one?line?two");
			CHECK(!strchr(err.msg, '\n'));
		}
	}
	CHECK(gcs_client_connected(fa.c));
	CHECK_EQ(one_call(&fa, &err), 0);
	fake_stop(&fa);
}

static void script_bad_exec_answer(int fd)
{
	char op[64];

	good_negotiation(fd);
	reply(fd, next_request(fd, op, sizeof(op)), "{\"result\":{\"process\":3,\"pid\":-5}}");
	reply(fd, next_request(fd, op, sizeof(op)), "{\"result\":{\"process\":0,\"pid\":5}}");
	reply(fd, next_request(fd, op, sizeof(op)), "{\"result\":{\"processes\":[{\"pid\":\"x\"}]}}");
	reply(fd, next_request(fd, op, sizeof(op)), "{\"result\":{\"memory\":{}}}");
	reply(fd, next_request(fd, op, sizeof(op)), "{\"result\":{\"pid\":1,\"running\":\"no\"}}");
	linger(fd);
}

static void malformed_results_are_refused(void)
{
	static const char *const args[] = { "true" };
	struct gcs_process_params pp = { .args = args, .n_args = 1 };
	struct gcs_stdio_params sp = { .in = true, .out = true };
	struct uvm_error err = { 0 };
	struct gcs_process_info *list;
	struct gcs_process_status st;
	struct gcs_stats stats;
	struct fake_agent fa;
	struct gcs_process p;
	struct dirent *de;
	size_t n;
	DIR *d;
	int files = 0;

	fake_start(&fa, script_bad_exec_answer);
	CHECK_EQ(gcs_client_accept(fa.c, 5000, &err), 0);
	CHECK_EQ(gcs_exec_process(fa.c, NULL, &pp, &sp, &p, &err), -EPROTO);
	CHECK_EQ(p.stdin_fd, -1);
	CHECK_EQ(gcs_exec_process(fa.c, NULL, &pp, NULL, &p, &err), -EPROTO);
	CHECK_EQ(gcs_list_processes(fa.c, NULL, &list, &n, &err), -EPROTO);
	CHECK_EQ(gcs_container_stats(fa.c, "c", &stats, &err), -EPROTO);
	CHECK_EQ(gcs_process_status(fa.c, 1, &st, &err), -EPROTO);
	/* The stdio sockets of the failed exec are gone; only the agent's is left. */
	d = opendir(fa.dir);
	while (d && (de = readdir(d)))
		files += de->d_name[0] != '.';
	if (d)
		closedir(d);
	CHECK_EQ(files, 1);
	fake_stop(&fa);
}

static void script_silent(int fd)
{
	char op[64];
	uint64_t id;

	good_negotiation(fd);
	id = next_request(fd, op, sizeof(op));
	usleep(400000);
	reply(fd, id, "{\"result\":{}}");        /* too late: dropped */
	reply(fd, next_request(fd, op, sizeof(op)), "{\"result\":{}}");
	linger(fd);
}

static void a_silent_agent_times_calls_out(void)
{
	struct uvm_error err = { 0 };
	struct fake_agent fa;

	fake_start(&fa, script_silent);
	CHECK_EQ(gcs_client_accept(fa.c, 5000, &err), 0);
	gcs_client_set_timeout(fa.c, 200);
	CHECK_EQ(one_call(&fa, &err), -ETIMEDOUT);
	CHECK_STR_CONTAINS(err.msg, "no answer from the agent in 200 ms");
	gcs_client_set_timeout(fa.c, 5000);
	CHECK_EQ(one_call(&fa, &err), 0);
	fake_stop(&fa);
}

static void script_events(int fd)
{
	static const char *const events[] = {
		"{\"event\":\"process_exited\",\"process\":\"x\",\"pid\":1,\"exit_status\":0}",
		"{\"event\":\"process_exited\",\"process\":0,\"pid\":1,\"exit_status\":0}",
		"{\"event\":\"process_exited\",\"process\":2,\"pid\":1,\"exit_status\":-1}",
		"{\"event\":\"process_exited\",\"process\":2,\"pid\":1,\"exit_status\":999}",
		"{\"event\":\"container_exited\",\"exit_status\":0}",
		"{\"event\":\"something_new\",\"exit_status\":0}",
		"{\"no\":\"event\"}",
		"garbage",
		"{\"event\":\"process_exited\",\"process\":2,\"pid\":77,\"exit_status\":137}",
	};
	char op[64];

	good_negotiation(fd);
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		send_raw(fd, GCS_MAGIC, GCS_MSG_EVENT, 0, events[i], (uint32_t)strlen(events[i]));
	reply(fd, next_request(fd, op, sizeof(op)), "{\"result\":{}}");
	/* Cut in the middle of a frame. */
	send_raw(fd, GCS_MAGIC, GCS_MSG_RESPONSE, 9, "{\"res", 100);
}

static void script_reconnected(int fd)
{
	char op[64];

	good_negotiation(fd);
	reply(fd, next_request(fd, op, sizeof(op)), "{\"result\":{}}");
	linger(fd);
}

static void bad_events_are_ignored_and_a_cut_connection_can_be_replaced(void)
{
	struct uvm_error err = { 0 };
	struct fake_agent fa;
	int status = -1;

	fake_start(&fa, script_events);
	CHECK_EQ(gcs_client_accept(fa.c, 5000, &err), 0);
	CHECK_EQ(one_call(&fa, &err), 0);
	/* Only the well-formed event counted, and its exit is known. */
	CHECK_EQ(gcs_wait_process(fa.c, 2, 5000, &status, &err), 0);
	CHECK_EQ(status, 137);
	CHECK_EQ(__atomic_load_n(&fa.calls, __ATOMIC_SEQ_CST), 1);
	for (int i = 0; i < 500 && gcs_client_connected(fa.c); i++)
		usleep(10000);
	CHECK(!gcs_client_connected(fa.c));
	CHECK_EQ(one_call(&fa, &err), -ENOTCONN);
	CHECK_STR_CONTAINS(err.msg, "inside a frame");
	fake_again(&fa, script_reconnected);
	CHECK_EQ(gcs_client_accept(fa.c, 5000, &err), 0);
	CHECK_EQ(one_call(&fa, &err), 0);
	fake_stop(&fa);
}

TEST_LIST(
	T(unusable_negotiations_fail_accept),
	T(broken_frames_end_the_connection),
	T(bad_answers_fail_their_call_only),
	T(malformed_results_are_refused),
	T(a_silent_agent_times_calls_out),
	T(bad_events_are_ignored_and_a_cut_connection_can_be_replaced),
);
TEST_MAIN("gcs-client")
