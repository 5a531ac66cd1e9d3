/* The agent protocol's wire constants, shared by the guest agent and the host
 * client (hcs-api/gcs-client.c): ports, the 24-byte frame header, limits and the
 * error code list. The JSON bodies are described in docs/gcs-protocol.md; the
 * code that reads and writes them is not here. */
#ifndef UVM_GCS_WIRE_H
#define UVM_GCS_WIRE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../vmm/bytes.h"

/* The agent connects to the host (vsock CID 2) on this port for its control
 * channel: hcsshim's Linux GCS port. Stdio streams use ports the host names. */
#define GCS_PORT            0x40000000u
#define GCS_VSOCK_HOST_CID  2u

#define GCS_MAGIC           0x73636775u   /* "ugcs" on the wire */
#define GCS_HEADER_SIZE     24u
#define GCS_MAX_BODY        (4u << 20)    /* 4 MiB */
#define GCS_VERSION_MIN     1u
#define GCS_VERSION_MAX     1u

enum gcs_msg_type {
	GCS_MSG_REQUEST = 1,
	GCS_MSG_RESPONSE = 2,
	GCS_MSG_EVENT = 3,
};

/* Limits of request fields (the agent refuses more with GCS_E_INVALID). */
#define GCS_ID_MAX          128u      /* container id, bytes */
#define GCS_SERIAL_MAX      20u       /* virtio-blk serial, bytes */
#define GCS_TAG_MAX         255u      /* 9p tag and aname, bytes */
#define GCS_PATH_MAX        4095u     /* a path, bytes */
#define GCS_ARGS_MAX        4096u     /* args or env entries */
#define GCS_ARG_LEN_MAX     131072u   /* one arg or env entry (MAX_ARG_STRLEN) */
#define GCS_LAYERS_MAX      64u
#define GCS_MAPPED_MAX      64u       /* mapped directories, and mapped disks */
#define GCS_CONTAINERS_MAX  128u
#define GCS_PROCESSES_MAX   1024u     /* process records the agent keeps */
#define GCS_GRACE_MAX_MS    600000u   /* shutdown grace period */
#define GCS_CONSOLE_MAX     65535u    /* rows, columns */
#define GCS_SIGNAL_MAX      64u

/* Error codes in {"error": {"code": N, "message": "...", "errno": E}}. */
enum gcs_error_code {
	GCS_E_PROTOCOL = 1,        /* malformed frame or body */
	GCS_E_VERSION = 2,         /* protocol version not supported */
	GCS_E_NOT_NEGOTIATED = 3,  /* a request before negotiate */
	GCS_E_TOO_BIG = 4,         /* body over GCS_MAX_BODY */
	GCS_E_UNKNOWN_OP = 5,      /* operation not known */
	GCS_E_INVALID = 6,         /* a field missing, of the wrong type, unknown or out of range */
	GCS_E_NOT_FOUND = 7,       /* no such container, process, disk, user or program */
	GCS_E_EXISTS = 8,          /* container id in use */
	GCS_E_STATE = 9,           /* not possible in the current state */
	GCS_E_LIMIT = 10,          /* too many containers or processes */
	GCS_E_SYSTEM = 11,         /* a system call failed; "errno" says how */
	GCS_E_RUNTIME = 12,        /* the OCI runtime (crun) failed; message has its error */
	GCS_E_SHUTTING_DOWN = 13,  /* the agent is shutting down */
};

struct gcs_header {
	uint32_t magic;
	uint16_t version;
	uint16_t type;       /* enum gcs_msg_type */
	uint64_t id;         /* request id; a response echoes it; events carry 0 */
	uint32_t body_len;
	uint32_t reserved;   /* written 0, ignored */
};

static inline void gcs_header_encode(const struct gcs_header *h, uint8_t out[GCS_HEADER_SIZE])
{
	put_le32(out, h->magic);
	put_le16(out + 4, h->version);
	put_le16(out + 6, h->type);
	put_le64(out + 8, h->id);
	put_le32(out + 16, h->body_len);
	put_le32(out + 20, h->reserved);
}

static inline void gcs_header_decode(const uint8_t in[GCS_HEADER_SIZE], struct gcs_header *h)
{
	h->magic = get_le32(in);
	h->version = get_le16(in + 4);
	h->type = get_le16(in + 6);
	h->id = get_le64(in + 8);
	h->body_len = get_le32(in + 16);
	h->reserved = get_le32(in + 20);
}

static inline const char *gcs_error_name(int code)
{
	static const char *const names[] = {
		[GCS_E_PROTOCOL] = "protocol",   [GCS_E_VERSION] = "version",
		[GCS_E_NOT_NEGOTIATED] = "not_negotiated",
		[GCS_E_TOO_BIG] = "too_big",     [GCS_E_UNKNOWN_OP] = "unknown_op",
		[GCS_E_INVALID] = "invalid",     [GCS_E_NOT_FOUND] = "not_found",
		[GCS_E_EXISTS] = "exists",       [GCS_E_STATE] = "state",
		[GCS_E_LIMIT] = "limit",         [GCS_E_SYSTEM] = "system",
		[GCS_E_RUNTIME] = "runtime",     [GCS_E_SHUTTING_DOWN] = "shutting_down",
	};

	if (code > 0 && (size_t)code < sizeof(names) / sizeof(names[0]) && names[code])
		return names[code];
	return "unknown";
}

/* The negative errno a host caller gets for an error code (GCS_E_SYSTEM: the
 * errno the agent reported, when it is a plausible one). */
static inline int gcs_error_to_errno(int code, long long sys_errno)
{
	switch (code) {
	case GCS_E_PROTOCOL:       return -EPROTO;
	case GCS_E_VERSION:        return -EPROTONOSUPPORT;
	case GCS_E_NOT_NEGOTIATED: return -ENOTCONN;
	case GCS_E_TOO_BIG:        return -EMSGSIZE;
	case GCS_E_UNKNOWN_OP:     return -ENOSYS;
	case GCS_E_INVALID:        return -EINVAL;
	case GCS_E_NOT_FOUND:      return -ENOENT;
	case GCS_E_EXISTS:         return -EEXIST;
	case GCS_E_STATE:          return -EBUSY;
	case GCS_E_LIMIT:          return -EMFILE;
	case GCS_E_RUNTIME:        return -EIO;
	case GCS_E_SHUTTING_DOWN:  return -ESHUTDOWN;
	case GCS_E_SYSTEM:
		return sys_errno > 0 && sys_errno < 4096 ? -(int)sys_errno : -EIO;
	default:                   return -EIO;
	}
}

/* The error code the agent sends for an internal negative errno. */
static inline int gcs_error_from_errno(int neg_errno)
{
	switch (-neg_errno) {
	case EPROTO:          return GCS_E_PROTOCOL;
	case EPROTONOSUPPORT: return GCS_E_VERSION;
	case ENOTCONN:        return GCS_E_NOT_NEGOTIATED;
	case EMSGSIZE:        return GCS_E_TOO_BIG;
	case ENOSYS:          return GCS_E_UNKNOWN_OP;
	case EINVAL:
	case ERANGE:          return GCS_E_INVALID;
	case ENOENT:
	case ESRCH:           return GCS_E_NOT_FOUND;
	case EEXIST:          return GCS_E_EXISTS;
	case EBUSY:           return GCS_E_STATE;
	case EMFILE:          return GCS_E_LIMIT;
	case ECHILD:          return GCS_E_RUNTIME;   /* the agent's code for "crun failed" */
	case ESHUTDOWN:       return GCS_E_SHUTTING_DOWN;
	default:              return GCS_E_SYSTEM;
	}
}

#endif
