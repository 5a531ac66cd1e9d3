/* 9P2000.L wire format: message numbers and constants, and bounds-checked
 * readers and writers for framing, integers, strings and qids. Knows nothing
 * of files, fids or the host; the server (9p-server.c) gives it meaning. */
#ifndef UVM_9P_PROTO_H
#define UVM_9P_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define P9_HDR_SIZE      7u          /* size[4] type[1] tag[2] */
#define P9_QID_SIZE      13u         /* type[1] version[4] path[8] */
#define P9_NOTAG         0xffffu
#define P9_NOFID         0xffffffffu
#define P9_NONUNAME      0xffffffffu
#define P9_MAXWELEM      16u
#define P9_RREAD_HDR     11u         /* size type tag count[4] */
#define P9_READDIR_ENT   24u         /* qid[13] offset[8] type[1] + name len[2] */
#define P9_VERSION_L     "9P2000.L"

enum p9_msg_type {
	P9_TLERROR = 6, P9_RLERROR,
	P9_TSTATFS = 8, P9_RSTATFS,
	P9_TLOPEN = 12, P9_RLOPEN,
	P9_TLCREATE = 14, P9_RLCREATE,
	P9_TSYMLINK = 16, P9_RSYMLINK,
	P9_TMKNOD = 18, P9_RMKNOD,
	P9_TRENAME = 20, P9_RRENAME,
	P9_TREADLINK = 22, P9_RREADLINK,
	P9_TGETATTR = 24, P9_RGETATTR,
	P9_TSETATTR = 26, P9_RSETATTR,
	P9_TXATTRWALK = 30, P9_RXATTRWALK,
	P9_TXATTRCREATE = 32, P9_RXATTRCREATE,
	P9_TREADDIR = 40, P9_RREADDIR,
	P9_TFSYNC = 50, P9_RFSYNC,
	P9_TLOCK = 52, P9_RLOCK,
	P9_TGETLOCK = 54, P9_RGETLOCK,
	P9_TLINK = 70, P9_RLINK,
	P9_TMKDIR = 72, P9_RMKDIR,
	P9_TRENAMEAT = 74, P9_RRENAMEAT,
	P9_TUNLINKAT = 76, P9_RUNLINKAT,
	P9_TVERSION = 100, P9_RVERSION,
	P9_TAUTH = 102, P9_RAUTH,
	P9_TATTACH = 104, P9_RATTACH,
	P9_TERROR = 106, P9_RERROR,
	P9_TFLUSH = 108, P9_RFLUSH,
	P9_TWALK = 110, P9_RWALK,
	P9_TOPEN = 112, P9_ROPEN,
	P9_TCREATE = 114, P9_RCREATE,
	P9_TREAD = 116, P9_RREAD,
	P9_TWRITE = 118, P9_RWRITE,
	P9_TCLUNK = 120, P9_RCLUNK,
	P9_TREMOVE = 122, P9_RREMOVE,
	P9_TSTAT = 124, P9_RSTAT,
	P9_TWSTAT = 126, P9_RWSTAT,
};

/* qid.type */
#define P9_QTDIR     0x80
#define P9_QTSYMLINK 0x02
#define P9_QTFILE    0x00

/* Tlopen/Tlcreate flags (Linux's open flags, spelled out for the wire). */
#define P9_DOTL_ACCMODE   00000003
#define P9_DOTL_RDONLY    00000000
#define P9_DOTL_WRONLY    00000001
#define P9_DOTL_RDWR      00000002
#define P9_DOTL_CREATE    00000100
#define P9_DOTL_EXCL      00000200
#define P9_DOTL_NOCTTY    00000400
#define P9_DOTL_TRUNC     00001000
#define P9_DOTL_APPEND    00002000
#define P9_DOTL_NONBLOCK  00004000
#define P9_DOTL_DSYNC     00010000
#define P9_DOTL_FASYNC    00020000
#define P9_DOTL_DIRECT    00040000
#define P9_DOTL_LARGEFILE 00100000
#define P9_DOTL_DIRECTORY 00200000
#define P9_DOTL_NOFOLLOW  00400000
#define P9_DOTL_NOATIME   01000000
#define P9_DOTL_CLOEXEC   02000000
#define P9_DOTL_SYNC      04000000

#define P9_DOTL_AT_REMOVEDIR 0x200

/* Tgetattr request_mask / Rgetattr valid */
#define P9_GETATTR_MODE         0x00000001ull
#define P9_GETATTR_NLINK        0x00000002ull
#define P9_GETATTR_UID          0x00000004ull
#define P9_GETATTR_GID          0x00000008ull
#define P9_GETATTR_RDEV         0x00000010ull
#define P9_GETATTR_ATIME        0x00000020ull
#define P9_GETATTR_MTIME        0x00000040ull
#define P9_GETATTR_CTIME        0x00000080ull
#define P9_GETATTR_INO          0x00000100ull
#define P9_GETATTR_SIZE         0x00000200ull
#define P9_GETATTR_BLOCKS       0x00000400ull
#define P9_GETATTR_BTIME        0x00000800ull
#define P9_GETATTR_GEN          0x00001000ull
#define P9_GETATTR_DATA_VERSION 0x00002000ull
#define P9_GETATTR_BASIC        0x000007ffull
#define P9_GETATTR_ALL          0x00003fffull

/* Tsetattr valid */
#define P9_SETATTR_MODE      0x00000001u
#define P9_SETATTR_UID       0x00000002u
#define P9_SETATTR_GID       0x00000004u
#define P9_SETATTR_SIZE      0x00000008u
#define P9_SETATTR_ATIME     0x00000010u
#define P9_SETATTR_MTIME     0x00000020u
#define P9_SETATTR_CTIME     0x00000040u
#define P9_SETATTR_ATIME_SET 0x00000080u
#define P9_SETATTR_MTIME_SET 0x00000100u

/* Tlock / Tgetlock */
#define P9_LOCK_TYPE_RDLCK  0
#define P9_LOCK_TYPE_WRLCK  1
#define P9_LOCK_TYPE_UNLCK  2
#define P9_LOCK_SUCCESS     0
#define P9_LOCK_BLOCKED     1
#define P9_LOCK_ERROR       2
#define P9_LOCK_GRACE       3
#define P9_LOCK_FLAGS_BLOCK   1
#define P9_LOCK_FLAGS_RECLAIM 2

struct p9_qid {
	uint8_t type;
	uint32_t version;
	uint64_t path;
};

/* A counted string inside a message; not NUL-terminated, may contain NULs. */
struct p9_str {
	const char *s;
	uint16_t len;
};

/* Reads fields in order; any read past the end sets `bad` and yields zeros,
 * so a handler reads all its fields and checks p9_reader_ok() once. */
struct p9_reader {
	const uint8_t *buf;
	size_t len;
	size_t pos;
	bool bad;
};

void p9_reader_init(struct p9_reader *r, const uint8_t *buf, size_t len);
uint8_t p9_get_u8(struct p9_reader *r);
uint16_t p9_get_u16(struct p9_reader *r);
uint32_t p9_get_u32(struct p9_reader *r);
uint64_t p9_get_u64(struct p9_reader *r);
struct p9_str p9_get_str(struct p9_reader *r);
/* n bytes in place, or NULL (and bad) when fewer remain. */
const uint8_t *p9_get_bytes(struct p9_reader *r, size_t n);
static inline size_t p9_reader_left(const struct p9_reader *r)
{
	return r->len - r->pos;
}
static inline bool p9_reader_ok(const struct p9_reader *r)
{
	return !r->bad;
}

/* Appends fields; anything past `cap` sets `overflow` and is dropped. */
struct p9_writer {
	uint8_t *buf;
	size_t cap;
	size_t pos;
	bool overflow;
};

void p9_writer_init(struct p9_writer *w, uint8_t *buf, size_t cap);
void p9_put_u8(struct p9_writer *w, uint8_t v);
void p9_put_u16(struct p9_writer *w, uint16_t v);
void p9_put_u32(struct p9_writer *w, uint32_t v);
void p9_put_u64(struct p9_writer *w, uint64_t v);
/* len must fit in 16 bits; a longer string sets overflow. */
void p9_put_str(struct p9_writer *w, const char *s, size_t len);
void p9_put_qid(struct p9_writer *w, const struct p9_qid *qid);
/* Room for n bytes the caller fills in place, or NULL (and overflow). */
uint8_t *p9_put_reserve(struct p9_writer *w, size_t n);
static inline size_t p9_writer_room(const struct p9_writer *w)
{
	return w->overflow ? 0 : w->cap - w->pos;
}

/* Start a message at the writer's beginning; finish patches size[4] and
 * returns the message length, or 0 when it did not fit. */
void p9_msg_begin(struct p9_writer *w, uint8_t type, uint16_t tag);
size_t p9_msg_finish(struct p9_writer *w);

/* Rlerror(ecode) with tag into buf; returns its length (11), or 0 if cap < 11. */
size_t p9_encode_lerror(uint8_t *buf, size_t cap, uint16_t tag, uint32_t ecode);

#endif
