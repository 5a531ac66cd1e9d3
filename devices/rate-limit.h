/* Token-bucket rate limits for a device: operations per second and bytes
 * per second, each with a burst of a tenth of a second (at least one op).
 * A request waits until its cost is in the bucket; one larger than the
 * whole bucket goes when the bucket is full and is paid back before the
 * next, so big requests are slowed, never stuck. Pure arithmetic on a
 * caller-supplied clock; callers do the waiting. */
#ifndef UVM_RATE_LIMIT_H
#define UVM_RATE_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct token_bucket {
	uint64_t rate;        /* units per second; 0: unlimited */
	double tokens;        /* may go negative: debt from a large request */
	double capacity;
};

struct rate_limit {
	struct token_bucket ops;
	struct token_bucket bytes;
	uint64_t last_ns;
};

void rate_limit_init(struct rate_limit *rl, uint64_t ops_per_sec, uint64_t bytes_per_sec,
		     uint64_t now_ns);
bool rate_limit_enabled(const struct rate_limit *rl);

/* Account one operation of `bytes` at time now_ns: returns 0 when it may go
 * now (and takes its tokens), else how many nanoseconds to wait before
 * asking again (taking nothing). */
uint64_t rate_limit_take(struct rate_limit *rl, uint64_t bytes, uint64_t now_ns);

/* Monotonic clock in nanoseconds. */
uint64_t rate_limit_now_ns(void);

#endif
