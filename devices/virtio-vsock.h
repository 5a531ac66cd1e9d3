/* virtio-vsock: stream sockets between the guest and host programs, done in
 * the VMM (no vhost). The host side follows Firecracker's convention, so the
 * same tools work: a host program connects to the VM's Unix socket PATH and
 * writes "CONNECT <port>\n", gets "OK <hostport>\n", then a byte stream to
 * the guest's listener on that port; a guest connection to host (CID 2) port
 * P reaches a Unix socket listening at PATH_P (or a socket routed for that
 * port). Credit-based flow control both
 * ways: a side that stops reading makes the other stop sending, and the VMM
 * never holds more than VSOCK_CONN_BUF per connection. */
#ifndef UVM_VIRTIO_VSOCK_H
#define UVM_VIRTIO_VSOCK_H

#include <stdint.h>

#include "virtio.h"

#define VSOCK_MAX_CONNS 512          /* concurrent connections per VM */
#define VSOCK_HANDSHAKE_NS (5ULL * 1000000000)

struct virtio_vsock;

/* Listen on `path` (a stale socket file there is replaced; anything else
 * there is an error). */
int virtio_vsock_create(struct virtio_vsock **out, const char *name, uint64_t guest_cid,
			const char *path, const struct guest_memory *mem, struct uvm_error *err);
struct virtio_device *virtio_vsock_device(struct virtio_vsock *vs);

#define VSOCK_MAX_ROUTES 16
/* Before the VM runs: a guest connection to host port `port` reaches the
 * Unix socket at `socket_path` instead of PATH_<port> (how a host socket is
 * mapped into a container). */
int virtio_vsock_add_route(struct virtio_vsock *vs, uint32_t port, const char *socket_path,
			   struct uvm_error *err);

#endif
