/* Connections from the agent to the host: vsock to CID 2 (the VMM turns a
 * connection to port P into one to its Unix socket "<base>_P"), or, for tests
 * on the host, straight to the Unix socket "<unix_base>_P". Not the framing. */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/vm_sockets.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int connect_unix(const char *base, uint32_t port, int *out, struct uvm_error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, n;

	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s_%u", base, port);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path))
		return uvm_err(err, -ENAMETOOLONG, "%s_%u: socket path longer than %zu bytes",
			       base, port, sizeof(sa.sun_path) - 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return uvm_err_sys(err, -errno, "socket(AF_UNIX)");
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		if (e == EINTR)
			continue;
		if (e == EISCONN)   /* completed after an interrupted try */
			break;
		close(fd);
		return uvm_err_sys(err, -e, "connect to %s", sa.sun_path);
	}
	*out = fd;
	return 0;
}

static int connect_vsock(uint32_t port, int *out, struct uvm_error *err)
{
	struct sockaddr_vm sa = {
		.svm_family = AF_VSOCK,
		.svm_cid = GCS_VSOCK_HOST_CID,
		.svm_port = port,
	};
	int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return uvm_err_sys(err, -errno, "socket(AF_VSOCK)");
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		if (e == EINTR)
			continue;
		if (e == EISCONN)   /* completed after an interrupted try */
			break;
		close(fd);
		return uvm_err_sys(err, -e, "connect to vsock host port %u", port);
	}
	*out = fd;
	return 0;
}

int transport_connect(const char *unix_base, uint32_t port, int *fd, struct uvm_error *err)
{
	if (port == 0)
		return uvm_err(err, -EINVAL, "port 0");
	if (unix_base)
		return connect_unix(unix_base, port, fd, err);
	return connect_vsock(port, fd, err);
}

int transport_set_nonblock(int fd, struct uvm_error *err)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return uvm_err_sys(err, -errno, "fcntl(O_NONBLOCK)");
	return 0;
}
