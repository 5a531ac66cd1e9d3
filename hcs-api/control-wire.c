/* Framing, descriptor passing and response shapes of the control socket
 * (control-wire.h). */
#include "control-wire.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hcs-error.h"

static const char *const kind_names[] = {
	[HCS_OK] = "ok",
	[HCS_E_NOT_EXIST] = "not_exist",
	[HCS_E_ALREADY_EXISTS] = "already_exists",
	[HCS_E_ALREADY_CLOSED] = "already_closed",
	[HCS_E_TIMEOUT] = "timeout",
	[HCS_E_INVALID_STATE] = "invalid_state",
	[HCS_E_ALREADY_STOPPED] = "already_stopped",
	[HCS_E_NOT_SUPPORTED] = "not_supported",
	[HCS_E_INVALID_DATA] = "invalid_data",
	[HCS_E_PENDING] = "pending",
	[HCS_E_UNEXPECTED_EXIT] = "unexpected_exit",
	[HCS_E_SYSTEM] = "system",
};

const char *control_kind_name(enum hcs_error_kind kind)
{
	if ((unsigned)kind < sizeof(kind_names) / sizeof(kind_names[0]) && kind_names[kind])
		return kind_names[kind];
	return "system";
}

enum hcs_error_kind control_kind_from_name(const char *name)
{
	for (size_t i = 1; name && i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (kind_names[i] && strcmp(kind_names[i], name) == 0)
			return (enum hcs_error_kind)i;
	return HCS_E_SYSTEM;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int control_send(int sock, json_t *msg, const int *fds, size_t nfds)
{
	char *text = json_dumps(msg, JSON_COMPACT);
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * CONTROL_MAX_FDS)];
	} ctl;
	uint8_t hdr[4];
	struct iovec iov = { .iov_base = hdr, .iov_len = sizeof(hdr) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	size_t len;
	ssize_t n;
	int ret;

	if (!text)
		return -ENOMEM;
	len = strlen(text);
	if (len > CONTROL_MAX_MESSAGE || nfds > CONTROL_MAX_FDS) {
		free(text);
		return -EMSGSIZE;
	}
	for (int i = 0; i < 4; i++)
		hdr[i] = (uint8_t)(len >> (8 * i));
	if (nfds) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		ctl.h.cmsg_level = SOL_SOCKET;
		ctl.h.cmsg_type = SCM_RIGHTS;
		ctl.h.cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(&ctl.h), fds, sizeof(int) * nfds);
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		ret = -errno;
	else if (n < (ssize_t)sizeof(hdr))
		ret = write_all(sock, (char *)hdr + n, sizeof(hdr) - (size_t)n);
	else
		ret = 0;
	if (ret == 0)
		ret = write_all(sock, text, len);
	free(text);
	return ret;
}

static int read_all(int fd, char *buf, size_t len)
{
	while (len) {
		ssize_t n = recv(fd, buf, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPROTO;          /* ended inside a message */
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int control_recv(int sock, json_t **msg, int fds[CONTROL_MAX_FDS], size_t *nfds)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 16)];
	} ctl;
	uint8_t hdr[4];
	struct iovec iov = { .iov_base = hdr, .iov_len = sizeof(hdr) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	json_error_t jerr;
	char *body;
	size_t len = 0;
	ssize_t n;
	int ret;

	*msg = NULL;
	*nfds = 0;
	for (int i = 0; i < CONTROL_MAX_FDS; i++)
		fds[i] = -1;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECONNRESET;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		size_t count;
		int *passed;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		passed = (int *)CMSG_DATA(c);
		for (size_t i = 0; i < count; i++) {
			int fd;

			memcpy(&fd, passed + i, sizeof(fd));
			if (*nfds < CONTROL_MAX_FDS)
				fds[(*nfds)++] = fd;
			else
				close(fd);
		}
	}
	ret = (mh.msg_flags & MSG_CTRUNC) ? -EPROTO : 0;
	if (ret == 0 && n < (ssize_t)sizeof(hdr))
		ret = read_all(sock, (char *)hdr + n, sizeof(hdr) - (size_t)n);
	for (int i = 0; ret == 0 && i < 4; i++)
		len |= (size_t)hdr[i] << (8 * i);
	if (ret == 0 && (len == 0 || len > CONTROL_MAX_MESSAGE))
		ret = -EPROTO;
	body = ret == 0 ? malloc(len) : NULL;
	if (ret == 0 && !body)
		ret = -ENOMEM;
	if (ret == 0)
		ret = read_all(sock, body, len);
	if (ret == 0) {
		*msg = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
		if (!*msg || !json_is_object(*msg)) {
			json_decref(*msg);
			*msg = NULL;
			ret = -EPROTO;
		}
	}
	free(body);
	if (ret < 0) {
		for (size_t i = 0; i < *nfds; i++)
			close(fds[i]);
		for (int i = 0; i < CONTROL_MAX_FDS; i++)
			fds[i] = -1;
		*nfds = 0;
	}
	return ret;
}

json_t *control_ok(json_t *result)
{
	return json_pack("{s:b, s:o}", "ok", 1, "result", result ? result : json_null());
}

json_t *control_error_response(enum hcs_error_kind kind, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:b, s:s, s:s}", "ok", 0, "kind", control_kind_name(kind), "message", msg);
}

int control_parse_response(json_t *resp, json_t **result, struct hcs_error *err)
{
	json_t *ok = json_object_get(resp, "ok");
	const char *kind, *message;

	*result = NULL;
	if (!json_is_boolean(ok))
		return hcs_err(err, HCS_E_UNEXPECTED_EXIT, EPROTO, "malformed response from the host");
	if (json_is_true(ok)) {
		*result = json_object_get(resp, "result");
		return 0;
	}
	kind = json_string_value(json_object_get(resp, "kind"));
	message = json_string_value(json_object_get(resp, "message"));
	return hcs_err(err, control_kind_from_name(kind), 0, "%s", message ? message : "failed");
}
