/* The agent protocol's decoding on both sides, in process: the 24-byte
 * header, the agent's incremental frame reader, the agent's answer to every
 * kind of malformed request (bad version, invalid JSON, wrong field types,
 * unknown operations, truncations, random bytes: always exactly one error
 * response, never a crash), and the host client facing a hostile agent. */
#include <sys/socket.h>
#include <sys/un.h>

#include "../../guest-agent/agent.h"
#include "gcs-test-agent.h"

/* ---- header and frame reader ---- */

static void header_is_24_little_endian_bytes(void)
{
	struct gcs_header h = { GCS_MAGIC, 1, GCS_MSG_RESPONSE, 0x0102030405060708ull, 0x11223344,
				0 }, back;
	static const uint8_t want[24] = { 'u', 'g', 'c', 's', 1, 0, 2, 0, 8, 7, 6, 5, 4, 3, 2, 1,
					  0x44, 0x33, 0x22, 0x11, 0, 0, 0, 0 };
	uint8_t raw[GCS_HEADER_SIZE];

	gcs_header_encode(&h, raw);
	CHECK(!memcmp(raw, want, sizeof(want)));
	gcs_header_decode(raw, &back);
	CHECK(!memcmp(&h, &back, sizeof(h)));
	CHECK_EQ(gcs_error_to_errno(GCS_E_NOT_FOUND, 0), -ENOENT);
	CHECK_EQ(gcs_error_to_errno(GCS_E_SYSTEM, EACCES), -EACCES);
	CHECK_EQ(gcs_error_to_errno(GCS_E_SYSTEM, 99999), -EIO);
	CHECK_EQ(gcs_error_to_errno(77, 0), -EIO);
	CHECK_EQ(gcs_error_from_errno(-ESRCH), GCS_E_NOT_FOUND);
	CHECK_EQ(gcs_error_from_errno(-EACCES), GCS_E_SYSTEM);
	CHECK(!strcmp(gcs_error_name(GCS_E_TOO_BIG), "too_big"));
	CHECK(!strcmp(gcs_error_name(0), "unknown"));
	CHECK(!strcmp(gcs_error_name(1000), "unknown"));
}

static size_t frame(uint8_t *out, uint32_t magic, uint16_t version, uint16_t type, uint64_t id,
		    const char *body, uint32_t declared_len)
{
	struct gcs_header h = { magic, version, type, id, declared_len, 0 };

	gcs_header_encode(&h, out);
	if (body)
		memcpy(out + GCS_HEADER_SIZE, body, strlen(body));
	return GCS_HEADER_SIZE + (body ? strlen(body) : 0);
}

static void frame_reader_takes_frames_byte_by_byte_and_back_to_back(void)
{
	struct frame_reader r;
	enum frame_status st;
	uint8_t buf[256];
	size_t len, ready = 0;

	len = frame(buf, GCS_MAGIC, 1, 1, 5, "{\"op\":\"x\"}", 10);
	len += frame(buf + len, GCS_MAGIC, 1, 1, 6, "", 0);
	len += frame(buf + len, GCS_MAGIC, 1, 1, 7, "{}", 2);
	frame_reader_init(&r);
	for (size_t i = 0; i < len; i++) {
		CHECK_EQ(frame_reader_push(&r, buf + i, 1, &st), 1);
		if (st == FRAME_READY) {
			ready++;
			CHECK_EQ(r.hdr.id, 4 + ready);
			if (ready == 1)
				CHECK(!strcmp((char *)r.body, "{\"op\":\"x\"}"));
			frame_reader_done(&r);
		} else {
			CHECK_EQ(st, FRAME_NONE);
		}
	}
	CHECK_EQ(ready, 3);
	/* All at once: one frame per push. */
	ready = 0;
	for (size_t off = 0; off < len;) {
		off += frame_reader_push(&r, buf + off, len - off, &st);
		if (st == FRAME_READY) {
			ready++;
			frame_reader_done(&r);
		}
	}
	CHECK_EQ(ready, 3);
	frame_reader_free(&r);
}

static void frame_reader_flags_oversized_and_bad_frames(void)
{
	struct frame_reader r;
	enum frame_status st;
	uint8_t buf[256], junk[4096];
	size_t len, used;
	uint32_t big = GCS_MAX_BODY + 1;

	frame_reader_init(&r);
	/* Oversized: reported at the header, the body skipped, the next frame read. */
	len = frame(buf, GCS_MAGIC, 1, 1, 9, NULL, big);
	CHECK_EQ(frame_reader_push(&r, buf, len, &st), len);
	CHECK_EQ(st, FRAME_TOO_BIG);
	CHECK_EQ(r.hdr.id, 9);
	memset(junk, 'u', sizeof(junk));   /* looks like magic: must still be skipped */
	for (uint32_t left = big; left;) {
		size_t n = left < sizeof(junk) ? left : sizeof(junk);

		used = frame_reader_push(&r, junk, n, &st);
		CHECK_EQ(used, n);
		CHECK_EQ(st, FRAME_NONE);
		left -= (uint32_t)n;
	}
	len = frame(buf, GCS_MAGIC, 1, 1, 10, "{}", 2);
	CHECK_EQ(frame_reader_push(&r, buf, len, &st), len);
	CHECK_EQ(st, FRAME_READY);
	CHECK_EQ(r.hdr.id, 10);
	frame_reader_done(&r);
	/* A truncated header is just not a frame yet. */
	CHECK_EQ(frame_reader_push(&r, buf, 23, &st), 23);
	CHECK_EQ(st, FRAME_NONE);
	frame_reader_free(&r);
	/* Bad magic ends the stream. */
	frame_reader_init(&r);
	len = frame(buf, 0x12345678, 1, 1, 11, "{}", 2);
	CHECK_EQ(frame_reader_push(&r, buf, len, &st), GCS_HEADER_SIZE);
	CHECK_EQ(st, FRAME_BAD_MAGIC);
	frame_reader_free(&r);
}

/* ---- the agent's answers, in process ---- */

struct fake {
	struct agent a;
	int peer;                 /* the other end of the agent's control socket */
	char dir[64];
};

static void fake_init(struct fake *f)
{
	int sv[2];

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/gcs-proto-XXXXXX");
	CHECK(mkdtemp(f->dir) != NULL);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	f->a.ctrl_fd = sv[0];
	f->peer = sv[1];
	f->a.sig_fd = -1;
	f->a.opt.port = GCS_PORT;
	f->a.opt.run_dir = f->dir;
	f->a.opt.crun = "/nonexistent/crun";
	f->a.opt.sys_block = f->dir;
	f->a.opt.cgroup_root = f->dir;
	f->a.next_process_id = 1;
	f->a.version = GCS_VERSION_MIN;
	CHECK(asprintf(&f->a.containers_dir, "%s/c", f->dir) > 0);
	CHECK(asprintf(&f->a.crun_root, "%s/crun", f->dir) > 0);
	CHECK(asprintf(&f->a.crun_log, "%s/crun.log", f->dir) > 0);
	frame_reader_init(&f->a.reader);
}

static void fake_fini(struct fake *f)
{
	close(f->peer);
	agent_fini(&f->a);
	nftw(f->dir, test_rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Hand one frame to the agent; exactly one response must come out, with
 * the request's id. Returns its body (caller frees). */
static json_t *ask_framed(struct fake *f, uint16_t version, uint16_t type, uint64_t id,
			  const void *body, size_t len)
{
	struct gcs_header h = { GCS_MAGIC, version, type, id, (uint32_t)len, 0 }, rh;
	size_t avail;
	json_t *j;

	agent_handle_frame(&f->a, &h, body, len);
	avail = f->a.out.len - f->a.out.off;
	if (avail < GCS_HEADER_SIZE) {
		CHECK(!"a response");
		return NULL;
	}
	gcs_header_decode(f->a.out.data + f->a.out.off, &rh);
	CHECK_EQ(rh.magic, GCS_MAGIC);
	CHECK_EQ(rh.type, GCS_MSG_RESPONSE);
	CHECK_EQ(rh.id, id);
	CHECK_EQ(avail, GCS_HEADER_SIZE + rh.body_len);    /* one frame, nothing else */
	j = json_loadb((const char *)f->a.out.data + f->a.out.off + GCS_HEADER_SIZE, rh.body_len,
		       0, NULL);
	CHECK(json_is_object(j));
	f->a.out.off = f->a.out.len = 0;
	return j;
}

static json_t *ask(struct fake *f, const char *body)
{
	return ask_framed(f, f->a.negotiated ? f->a.version : 1, GCS_MSG_REQUEST, 42, body,
			  strlen(body));
}

/* The error code of a response (0: a result), and its message. */
static int code_of(json_t *resp, char *msg, size_t size)
{
	json_t *e = json_object_get(resp, "error");
	int code = (int)json_integer_value(json_object_get(e, "code"));

	if (msg)
		snprintf(msg, size, "%s", json_string_value(json_object_get(e, "message")) ?: "");
	if (!e)
		CHECK(json_is_object(json_object_get(resp, "result")));
	json_decref(resp);
	return e ? code : 0;
}

static int ask_code(struct fake *f, const char *body, char *msg, size_t size)
{
	return code_of(ask(f, body), msg, size);
}

static void negotiate(struct fake *f)
{
	CHECK_EQ(ask_code(f, "{\"op\":\"negotiate\",\"min_version\":1,\"max_version\":1}", NULL, 0),
		 0);
}

static void requests_before_negotiation_are_refused(void)
{
	struct fake f;
	char msg[256];

	fake_init(&f);
	CHECK_EQ(ask_code(&f, "{\"op\":\"list_processes\"}", msg, sizeof(msg)),
		 GCS_E_NOT_NEGOTIATED);
	CHECK_STR_CONTAINS(msg, "negotiate");
	negotiate(&f);
	CHECK_EQ(ask_code(&f, "{\"op\":\"list_processes\"}", NULL, 0), 0);
	fake_fini(&f);
}

static void negotiation_picks_the_highest_common_version(void)
{
	struct fake f;
	json_t *r;
	char msg[256];

	fake_init(&f);
	CHECK_EQ(ask_code(&f, "{\"op\":\"negotiate\",\"min_version\":2,\"max_version\":5}", msg,
			  sizeof(msg)), GCS_E_VERSION);
	CHECK_STR_CONTAINS(msg, "the agent 1 to 1");
	CHECK(!f.a.negotiated);
	CHECK_EQ(ask_code(&f, "{\"op\":\"negotiate\",\"min_version\":3,\"max_version\":1}", NULL, 0),
		 GCS_E_INVALID);
	CHECK_EQ(ask_code(&f, "{\"op\":\"negotiate\",\"min_version\":1}", msg, sizeof(msg)),
		 GCS_E_INVALID);
	CHECK_STR_CONTAINS(msg, "max_version: required");
	r = ask(&f, "{\"op\":\"negotiate\",\"min_version\":1,\"max_version\":3}");
	CHECK_EQ(json_integer_value(json_object_get(json_object_get(r, "result"), "version")), 1);
	CHECK(json_array_size(json_object_get(json_object_get(r, "result"), "operations")) >= 14);
	json_decref(r);
	CHECK(f.a.negotiated);
	/* Frames must then carry the negotiated version. */
	CHECK_EQ(code_of(ask_framed(&f, 2, GCS_MSG_REQUEST, 43, "{}", 2), msg, sizeof(msg)),
		 GCS_E_VERSION);
	CHECK_EQ(code_of(ask_framed(&f, 0, GCS_MSG_REQUEST, 44, "{}", 2), NULL, 0), GCS_E_VERSION);
	fake_fini(&f);
}

static void malformed_bodies_and_frame_types_get_protocol_errors(void)
{
	static const char *const bodies[] = {
		"", "{", "[]", "\"op\"", "null", "{\"op\":\"negotiate\"", "{\"op\" \"x\"}",
		"{\"op\":\"x\",\"op\":\"y\"}",              /* duplicate key */
		"{\"op\":\"negotiate\",\"min_version\":1e999}",
		"{\"op\":\"negotiate\",\"min_version\":123456789012345678901234567890}",
		"{\"op\":\"\xff\xfe\"}",                    /* not UTF-8 */
	};
	struct fake f;
	char deep[20001];

	fake_init(&f);
	negotiate(&f);
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		int code = ask_code(&f, bodies[i], NULL, 0);

		if (code != GCS_E_PROTOCOL)
			printf("#   body %zu: code %d\n", i, code);
		CHECK_EQ(code, GCS_E_PROTOCOL);
	}
	memset(deep, '[', sizeof(deep) - 1);          /* nesting beyond the parser's limit */
	deep[sizeof(deep) - 1] = '\0';
	CHECK_EQ(ask_code(&f, deep, NULL, 0), GCS_E_PROTOCOL);
	/* A NUL in the middle of the body. */
	CHECK_EQ(code_of(ask_framed(&f, 1, GCS_MSG_REQUEST, 45, "{\"op\":\0\"x\"}", 11), NULL, 0),
		 GCS_E_PROTOCOL);
	/* The host sends requests only. */
	CHECK_EQ(code_of(ask_framed(&f, 1, GCS_MSG_RESPONSE, 46, "{}", 2), NULL, 0), GCS_E_PROTOCOL);
	CHECK_EQ(code_of(ask_framed(&f, 1, GCS_MSG_EVENT, 47, "{}", 2), NULL, 0), GCS_E_PROTOCOL);
	CHECK_EQ(code_of(ask_framed(&f, 1, 9, 48, "{}", 2), NULL, 0), GCS_E_PROTOCOL);
	fake_fini(&f);
}

struct bad_request {
	const char *body;
	int code;
	const char *says;
};

static const struct bad_request bad_requests[] = {
	{ "{}", GCS_E_INVALID, "op: required" },
	{ "{\"op\":7}", GCS_E_INVALID, "op: expected a string, got integer" },
	{ "{\"op\":\"reboot\"}", GCS_E_UNKNOWN_OP, "unknown operation \"reboot\"" },
	{ "{\"op\":\"terminate\",\"x\":1}", GCS_E_INVALID, "x: unknown field" },
	{ "{\"op\":\"signal_process\",\"process\":\"1\",\"signal\":9}", GCS_E_INVALID,
	  "process: expected an integer, got string" },
	{ "{\"op\":\"signal_process\",\"process\":1,\"signal\":0}", GCS_E_INVALID, "signal: 0 is out of range" },
	{ "{\"op\":\"signal_process\",\"process\":1,\"signal\":65}", GCS_E_INVALID, "signal" },
	{ "{\"op\":\"signal_process\",\"process\":0,\"signal\":9}", GCS_E_INVALID, "process" },
	{ "{\"op\":\"signal_process\",\"process\":-1,\"signal\":9}", GCS_E_INVALID, "process" },
	{ "{\"op\":\"signal_process\",\"process\":4294967296,\"signal\":9}", GCS_E_INVALID, "process" },
	{ "{\"op\":\"signal_process\",\"process\":1.5,\"signal\":9}", GCS_E_INVALID, "got number" },
	{ "{\"op\":\"signal_process\",\"process\":5,\"signal\":9}", GCS_E_NOT_FOUND, "no process 5" },
	{ "{\"op\":\"resize_console\",\"process\":5,\"rows\":65536,\"cols\":1}", GCS_E_INVALID, "rows" },
	{ "{\"op\":\"exec_process\"}", GCS_E_INVALID, "process: required" },
	{ "{\"op\":\"exec_process\",\"process\":[]}", GCS_E_INVALID, "process: required, an object" },
	{ "{\"op\":\"exec_process\",\"process\":{\"args\":[]}}", GCS_E_INVALID, "process.args: must not be empty" },
	{ "{\"op\":\"exec_process\",\"process\":{\"args\":[\"a\",1]}}", GCS_E_INVALID, "process.args[1]" },
	{ "{\"op\":\"exec_process\",\"process\":{\"args\":[\"a\\u0000b\"]}}", GCS_E_PROTOCOL, "\\u0000" },
	{ "{\"op\":\"exec_process\",\"process\":{\"args\":[\"a\"],\"env\":[\"NOEQUALS\"]}}", GCS_E_INVALID, "process.env[0]" },
	{ "{\"op\":\"exec_process\",\"process\":{\"args\":[\"a\"],\"env\":[\"=x\"]}}", GCS_E_INVALID, "NAME=value" },
	{ "{\"op\":\"exec_process\",\"process\":{\"args\":[\"a\"],\"cwd\":\"tmp\"}}", GCS_E_INVALID, "process.cwd" },
	{ "{\"op\":\"exec_process\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/a/../b\"}}", GCS_E_INVALID, "\"..\"" },
	{ "{\"op\":\"exec_process\",\"process\":{\"args\":[\"a\"],\"shell\":true}}", GCS_E_INVALID, "process.shell: unknown field" },
	{ "{\"op\":\"exec_process\",\"process\":{\"args\":[\"a\"]},\"stdio\":{\"terminal\":true,\"stdout_port\":5,\"stderr_port\":6}}",
	  GCS_E_INVALID, "stderr" },
	{ "{\"op\":\"exec_process\",\"process\":{\"args\":[\"a\"]},\"stdio\":{\"stdout_port\":5,\"stderr_port\":5}}",
	  GCS_E_INVALID, "also stdout_port" },
	{ "{\"op\":\"exec_process\",\"process\":{\"args\":[\"a\"]},\"stdio\":{\"stdin_port\":1073741824}}",
	  GCS_E_INVALID, "control port" },
	{ "{\"op\":\"exec_process\",\"process\":{\"args\":[\"a\"]},\"stdio\":{\"terminal\":1}}", GCS_E_INVALID, "expected a boolean" },
	{ "{\"op\":\"exec_process\",\"container\":\"nope\",\"process\":{\"args\":[\"a\"]}}", GCS_E_NOT_FOUND, "no container" },
	{ "{\"op\":\"create_container\",\"id\":\"../x\",\"spec\":{},\"storage\":{\"rootfs\":\"/\"}}", GCS_E_INVALID, "id:" },
	{ "{\"op\":\"create_container\",\"id\":\"\",\"spec\":{},\"storage\":{\"rootfs\":\"/\"}}", GCS_E_INVALID, "id:" },
	{ "{\"op\":\"create_container\",\"id\":\"a\",\"spec\":[],\"storage\":{\"rootfs\":\"/\"}}", GCS_E_INVALID, "spec: expected an object" },
	{ "{\"op\":\"create_container\",\"id\":\"a\",\"spec\":{}}", GCS_E_INVALID, "storage: required" },
	{ "{\"op\":\"create_container\",\"id\":\"a\",\"spec\":{},\"storage\":{}}", GCS_E_INVALID, "either rootfs or" },
	{ "{\"op\":\"create_container\",\"id\":\"a\",\"spec\":{},\"storage\":{\"rootfs\":\"/\",\"layers\":[{\"serial\":\"l\"}]}}",
	  GCS_E_INVALID, "either rootfs or" },
	{ "{\"op\":\"create_container\",\"id\":\"a\",\"spec\":{},\"storage\":{\"layers\":[{\"serial\":\"a b\"}]}}",
	  GCS_E_INVALID, "storage.layers[0].serial: character 0x20" },
	{ "{\"op\":\"create_container\",\"id\":\"a\",\"spec\":{},\"storage\":{\"layers\":[{\"serial\":\"123456789012345678901\"}]}}",
	  GCS_E_INVALID, "longer than 20" },
	{ "{\"op\":\"create_container\",\"id\":\"a\",\"spec\":{},\"storage\":{\"layers\":[\"l\"]}}",
	  GCS_E_INVALID, "storage.layers[0]: expected an object" },
	{ "{\"op\":\"create_container\",\"id\":\"a\",\"spec\":{},\"storage\":{\"layers\":[{\"serial\":\"l\"}],\"scratch\":{\"serial\":\"s\",\"tmpfs_size_mb\":5}}}",
	  GCS_E_INVALID, "not both" },
	{ "{\"op\":\"create_container\",\"id\":\"a\",\"spec\":{},\"storage\":{\"layers\":[{\"serial\":\"l\"}],\"mapped_directories\":[{\"tag\":\"t\"}]}}",
	  GCS_E_INVALID, "needs container_path or uvm_path" },
	{ "{\"op\":\"create_container\",\"id\":\"a\",\"spec\":{},\"storage\":{\"layers\":[{\"serial\":\"l\"}],\"mapped_directories\":[{\"tag\":\"t\",\"aname\":\"a,b\",\"uvm_path\":\"/m\"}]}}",
	  GCS_E_INVALID, "aname: character 0x2c" },
	{ "{\"op\":\"create_container\",\"id\":\"a\",\"spec\":{},\"storage\":{\"layers\":[{\"serial\":\"l\"}],\"mapped_disks\":[{\"serial\":\"d\",\"container_path\":\"x\"}]}}",
	  GCS_E_INVALID, "not an absolute path" },
	{ "{\"op\":\"create_container\",\"id\":\"a\",\"spec\":{},\"storage\":{\"layers\":[{\"serial\":\"l\"}],\"mapped_pipes\":[{\"port\":5}]}}",
	  GCS_E_INVALID, "mapped_pipes[0].container_path: required" },
	{ "{\"op\":\"create_container\",\"id\":\"a\",\"spec\":{},\"storage\":{\"layers\":[{\"serial\":\"l\"}],\"mapped_pipes\":[{\"container_path\":\"/s\",\"port\":1073741824}]}}",
	  GCS_E_INVALID, "mapped_pipes[0].port" },
	{ "{\"op\":\"add_mapped_directory\",\"container\":\"nope\",\"directory\":{\"tag\":\"t\",\"uvm_path\":\"/m\"}}",
	  GCS_E_NOT_FOUND, "no container" },
	{ "{\"op\":\"add_mapped_directory\",\"directory\":{\"tag\":\"t\",\"uvm_path\":\"/m\"}}",
	  GCS_E_INVALID, "container: required" },
	{ "{\"op\":\"remove_mapped_directory\",\"container\":\"nope\",\"container_path\":\"../x\"}",
	  GCS_E_NOT_FOUND, "no container" },
	{ "{\"op\":\"create_container\",\"id\":\"a\",\"spec\":{},\"storage\":{\"layers\":[{\"serial\":\"nosuchdisk\"}]}}",
	  GCS_E_NOT_FOUND, "no disk with serial \"nosuchdisk\"" },
	{ "{\"op\":\"create_container\",\"id\":\"a\",\"spec\":{},\"storage\":{\"rootfs\":\"/nonexistent\"}}",
	  GCS_E_NOT_FOUND, "storage.rootfs /nonexistent" },
	{ "{\"op\":\"statistics\"}", GCS_E_INVALID, "container: required" },
	{ "{\"op\":\"shutdown\",\"grace_ms\":600001}", GCS_E_INVALID, "grace_ms" },
};

static void wrong_fields_get_errors_naming_the_field(void)
{
	struct fake f;
	char msg[512];

	fake_init(&f);
	negotiate(&f);
	for (size_t i = 0; i < sizeof(bad_requests) / sizeof(bad_requests[0]); i++) {
		int code = ask_code(&f, bad_requests[i].body, msg, sizeof(msg));

		if (code != bad_requests[i].code || !strstr(msg, bad_requests[i].says))
			printf("#   request %zu: code %d, \"%s\"\n", i, code, msg);
		CHECK_EQ(code, bad_requests[i].code);
		CHECK_STR_CONTAINS(msg, bad_requests[i].says);
	}
	CHECK_EQ(f.a.n_containers, 0);
	CHECK_EQ(f.a.n_processes, 0);
	fake_fini(&f);
}

static void every_truncation_and_random_body_gets_one_response(void)
{
	static const char valid[] =
		"{\"op\":\"create_container\",\"id\":\"c1\",\"spec\":{\"process\":{\"args\":[\"sh\"]}},"
		"\"storage\":{\"layers\":[{\"serial\":\"l1\"},{\"serial\":\"l2\"}],\"scratch\":{},"
		"\"mapped_directories\":[{\"tag\":\"t\",\"container_path\":\"/d\",\"read_only\":true}]}}";
	unsigned seed = 12345;
	struct fake f;
	char body[sizeof(valid) + 16];

	fake_init(&f);
	negotiate(&f);
	for (size_t len = 0; len < sizeof(valid) - 1; len++)
		json_decref(ask_framed(&f, 1, GCS_MSG_REQUEST, len + 1, valid, len));
	for (int round = 0; round < 3000; round++) {
		size_t len = sizeof(valid) - 1;

		memcpy(body, valid, sizeof(valid));
		if (round % 2) {          /* random bytes */
			len = (size_t)rand_r(&seed) % sizeof(body);
			for (size_t i = 0; i < len; i++)
				body[i] = (char)rand_r(&seed);
		} else {                  /* a few bytes of a valid body changed */
			for (int k = 0; k < 1 + round % 4; k++)
				body[(size_t)rand_r(&seed) % len] = (char)(rand_r(&seed) % 128);
		}
		json_decref(ask_framed(&f, 1, GCS_MSG_REQUEST, 1000 + (uint64_t)round, body, len));
	}
	/* Nothing was made (no such disks), and the agent still answers. */
	CHECK_EQ(f.a.n_containers, 0);
	CHECK_EQ(ask_code(&f, "{\"op\":\"list_processes\"}", NULL, 0), 0);
	fake_fini(&f);
}

static void shutdown_refuses_new_work(void)
{
	struct fake f;
	char msg[128];

	fake_init(&f);
	negotiate(&f);
	CHECK_EQ(ask_code(&f, "{\"op\":\"shutdown\",\"grace_ms\":5000}", NULL, 0), 0);
	CHECK_EQ(ask_code(&f, "{\"op\":\"exec_process\",\"process\":{\"args\":[\"true\"]}}", msg,
			  sizeof(msg)), GCS_E_SHUTTING_DOWN);
	CHECK_STR_CONTAINS(msg, "shutting down");
	CHECK_EQ(ask_code(&f, "{\"op\":\"list_processes\"}", NULL, 0), 0);
	fake_fini(&f);
}

TEST_LIST(
	T(header_is_24_little_endian_bytes),
	T(frame_reader_takes_frames_byte_by_byte_and_back_to_back),
	T(frame_reader_flags_oversized_and_bad_frames),
	T(requests_before_negotiation_are_refused),
	T(negotiation_picks_the_highest_common_version),
	T(malformed_bodies_and_frame_types_get_protocol_errors),
	T(wrong_fields_get_errors_naming_the_field),
	T(every_truncation_and_random_body_gets_one_response),
	T(shutdown_refuses_new_work),
);
TEST_MAIN("gcs-protocol")
