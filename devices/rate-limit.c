/* Token buckets for IOPS and bandwidth caps (rate-limit.h). */
#include "rate-limit.h"

#include <time.h>

#define BURST_SECONDS 0.1

static void bucket_init(struct token_bucket *b, uint64_t rate)
{
	b->rate = rate;
	b->capacity = (double)rate * BURST_SECONDS;
	if (b->capacity < 1)
		b->capacity = 1;
	b->tokens = b->capacity;
}

void rate_limit_init(struct rate_limit *rl, uint64_t ops_per_sec, uint64_t bytes_per_sec,
		     uint64_t now_ns)
{
	bucket_init(&rl->ops, ops_per_sec);
	bucket_init(&rl->bytes, bytes_per_sec);
	rl->last_ns = now_ns;
}

bool rate_limit_enabled(const struct rate_limit *rl)
{
	return rl->ops.rate || rl->bytes.rate;
}

static void bucket_refill(struct token_bucket *b, double seconds)
{
	if (!b->rate)
		return;
	b->tokens += seconds * (double)b->rate;
	if (b->tokens > b->capacity)
		b->tokens = b->capacity;
}

/* Nanoseconds until the bucket holds `cost` tokens, or is full for a cost
 * larger than it (0: now). */
static uint64_t bucket_wait(const struct token_bucket *b, double cost)
{
	double need = cost < b->capacity ? cost : b->capacity;

	if (!b->rate || b->tokens >= need)
		return 0;
	return (uint64_t)((need - b->tokens) / (double)b->rate * 1e9) + 1;
}

uint64_t rate_limit_take(struct rate_limit *rl, uint64_t bytes, uint64_t now_ns)
{
	uint64_t wait_ops, wait_bytes;

	if (now_ns > rl->last_ns) {
		double seconds = (double)(now_ns - rl->last_ns) / 1e9;

		bucket_refill(&rl->ops, seconds);
		bucket_refill(&rl->bytes, seconds);
		rl->last_ns = now_ns;
	}
	wait_ops = bucket_wait(&rl->ops, 1);
	wait_bytes = bucket_wait(&rl->bytes, (double)bytes);
	if (wait_ops || wait_bytes)
		return wait_ops > wait_bytes ? wait_ops : wait_bytes;
	if (rl->ops.rate)
		rl->ops.tokens -= 1;
	if (rl->bytes.rate)
		rl->bytes.tokens -= (double)bytes;
	return 0;
}

uint64_t rate_limit_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
