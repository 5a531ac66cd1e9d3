/* The agent binary facing malformed frames from the host on a raw socket: each
 * gets an error response (with the request's id when it has one); an
 * oversized body is skipped and the connection goes on; bad magic or a cut
 * header ends the connection and the agent calls back; it never crashes. */
#include <jansson.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "gcs-test-agent.h"

struct raw_host {
	struct test_agent ta;
	int lfd, fd;
};

static bool raw_accept(struct raw_host *h)
{
	struct pollfd pfd = { .fd = h->lfd, .events = POLLIN };

	if (poll(&pfd, 1, 10000) != 1)
		return false;
	h->fd = accept4(h->lfd, NULL, NULL, SOCK_CLOEXEC);
	return h->fd >= 0;
}

static bool raw_start(struct raw_host *h)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	h->fd = -1;
	if (!test_agent_start_ex(&h->ta, false, NULL, NULL))
		return false;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%.80s_%u", h->ta.base, GCS_PORT);
	h->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (h->lfd < 0 || bind(h->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(h->lfd, 4) < 0)
		return false;
	return raw_accept(h);
}

static void raw_stop(struct raw_host *h)
{
	int status;

	if (h->fd >= 0)
		close(h->fd);
	close(h->lfd);
	CHECK_EQ(kill(h->ta.pid, 0), 0);           /* it survived everything */
	kill(h->ta.pid, SIGTERM);
	status = test_agent_wait(&h->ta, 5000);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	test_agent_stop(&h->ta);
}

/* Header and body in one send, without SIGPIPE: the agent may hang up. */
static void send_frame(int fd, uint32_t magic, uint16_t version, uint16_t type, uint64_t id,
		       const char *body, uint32_t declared)
{
	struct gcs_header hd = { magic, version, type, id, declared, 0 };
	size_t blen = body ? strlen(body) : 0;
	uint8_t buf[GCS_HEADER_SIZE + 256];

	CHECK(blen <= 256);
	gcs_header_encode(&hd, buf);
	memcpy(buf + GCS_HEADER_SIZE, body ? body : "", blen);
	CHECK_EQ(send(fd, buf, GCS_HEADER_SIZE + blen, MSG_NOSIGNAL),
		 (ssize_t)(GCS_HEADER_SIZE + blen));
}

/* The next frame from the agent: its header, and its error code (0: a result). */
static int recv_code(int fd, struct gcs_header *hd)
{
	uint8_t raw[GCS_HEADER_SIZE];
	char body[4096];
	json_t *j;
	int code = -1;

	for (size_t got = 0; got < sizeof(raw);) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 10000) != 1)
			return -1;
		n = read(fd, raw + got, sizeof(raw) - got);
		if (n <= 0)
			return -2;     /* connection closed */
		got += (size_t)n;
	}
	gcs_header_decode(raw, hd);
	if (hd->magic != GCS_MAGIC || hd->body_len >= sizeof(body))
		return -1;
	for (size_t got = 0; got < hd->body_len;) {
		ssize_t n = read(fd, body + got, hd->body_len - got);

		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	j = json_loadb(body, hd->body_len, 0, NULL);
	if (json_object_get(j, "result"))
		code = 0;
	else
		code = (int)json_integer_value(json_object_get(json_object_get(j, "error"), "code"));
	json_decref(j);
	return code;
}

static const char negotiate[] = "{\"op\":\"negotiate\",\"min_version\":1,\"max_version\":1}";

static void errors_come_back_with_the_request_id(void)
{
	struct raw_host h;
	struct gcs_header hd;

	CHECK(raw_start(&h));
	send_frame(h.fd, GCS_MAGIC, 1, 1, 11, "{\"op\":\"list_processes\"}", 23);
	CHECK_EQ(recv_code(h.fd, &hd), GCS_E_NOT_NEGOTIATED);
	CHECK_EQ(hd.id, 11);
	CHECK_EQ(hd.type, GCS_MSG_RESPONSE);
	send_frame(h.fd, GCS_MAGIC, 9, 1, 12, "{}", 2);
	CHECK_EQ(recv_code(h.fd, &hd), GCS_E_VERSION);
	CHECK_EQ(hd.id, 12);
	send_frame(h.fd, GCS_MAGIC, 1, 1, 13, "{nope", 5);
	CHECK_EQ(recv_code(h.fd, &hd), GCS_E_PROTOCOL);
	CHECK_EQ(hd.id, 13);
	send_frame(h.fd, GCS_MAGIC, 1, 1, 14, negotiate, (uint32_t)strlen(negotiate));
	CHECK_EQ(recv_code(h.fd, &hd), 0);
	CHECK_EQ(hd.id, 14);
	raw_stop(&h);
}

static void an_oversized_body_is_refused_and_skipped(void)
{
	size_t len = GCS_MAX_BODY + 1, chunk = 65536;
	char *junk = malloc(chunk);
	struct raw_host h;
	struct gcs_header hd;

	CHECK(raw_start(&h));
	send_frame(h.fd, GCS_MAGIC, 1, 1, 21, NULL, (uint32_t)len);
	memset(junk, 'u', chunk);
	for (size_t sent = 0; sent < len;) {
		size_t n = len - sent < chunk ? len - sent : chunk;
		ssize_t w = send(h.fd, junk, n, MSG_NOSIGNAL);

		if (w <= 0)
			break;
		sent += (size_t)w;
	}
	free(junk);
	CHECK_EQ(recv_code(h.fd, &hd), GCS_E_TOO_BIG);
	CHECK_EQ(hd.id, 21);
	/* Still in step: the next frame is read as one. */
	send_frame(h.fd, GCS_MAGIC, 1, 1, 22, negotiate, (uint32_t)strlen(negotiate));
	CHECK_EQ(recv_code(h.fd, &hd), 0);
	CHECK_EQ(hd.id, 22);
	raw_stop(&h);
}

static void bad_magic_or_a_cut_header_ends_the_connection_and_the_agent_calls_back(void)
{
	struct raw_host h;
	struct gcs_header hd;

	CHECK(raw_start(&h));
	send_frame(h.fd, 0x0badf00d, 1, 1, 31, "{}", 2);
	CHECK_EQ(recv_code(h.fd, &hd), GCS_E_PROTOCOL);
	CHECK_EQ(hd.id, 0);
	CHECK_EQ(recv_code(h.fd, &hd), -2);        /* then it hangs up */
	close(h.fd);
	CHECK(raw_accept(&h));                     /* and calls again */
	send_frame(h.fd, GCS_MAGIC, 1, 1, 32, negotiate, (uint32_t)strlen(negotiate));
	CHECK_EQ(recv_code(h.fd, &hd), 0);
	/* Half a header, then gone. */
	CHECK_EQ(send(h.fd, "ugcs\1\0", 6, MSG_NOSIGNAL), 6);
	close(h.fd);
	CHECK(raw_accept(&h));
	send_frame(h.fd, GCS_MAGIC, 1, 1, 33, "{\"op\":\"list_processes\"}", 23);
	CHECK_EQ(recv_code(h.fd, &hd), GCS_E_NOT_NEGOTIATED);    /* a new session */
	raw_stop(&h);
}

TEST_LIST(
	T(errors_come_back_with_the_request_id),
	T(an_oversized_body_is_refused_and_skipped),
	T(bad_magic_or_a_cut_header_ends_the_connection_and_the_agent_calls_back),
);
TEST_MAIN("gcs-frames")
