/* Token buckets on a made-up clock: unlimited never waits; IOPS and
 * bandwidth caps admit a burst of a tenth of a second, then make callers
 * wait just long enough; a request larger than the bucket goes when the
 * bucket is full and the debt is paid before the next. */
#include "../../devices/rate-limit.h"
#include "test.h"

#define MS 1000000ULL

static void unlimited_never_waits(void)
{
	struct rate_limit rl;

	rate_limit_init(&rl, 0, 0, 0);
	CHECK(!rate_limit_enabled(&rl));
	for (int i = 0; i < 1000; i++)
		CHECK_EQ(rate_limit_take(&rl, 1 << 20, 0), 0);
}

static void iops_cap_spaces_operations(void)
{
	struct rate_limit rl;
	uint64_t wait;

	rate_limit_init(&rl, 100, 0, 0);           /* burst: 10 ops */
	for (int i = 0; i < 10; i++)
		CHECK_EQ(rate_limit_take(&rl, 4096, 0), 0);
	wait = rate_limit_take(&rl, 4096, 0);
	CHECK(wait > 9 * MS && wait <= 10 * MS + 1);
	CHECK(rate_limit_take(&rl, 4096, 5 * MS) > 0);
	CHECK_EQ(rate_limit_take(&rl, 4096, 10 * MS), 0);
	/* 1 s of 100 IOPS: about 100 admitted. */
	{
		int admitted = 0;

		for (uint64_t t = 10 * MS; t < 1010 * MS; t += MS)
			while (rate_limit_take(&rl, 1, t) == 0)
				admitted++;
		CHECK(admitted >= 99 && admitted <= 101);
	}
}

static void bandwidth_cap_and_large_requests(void)
{
	struct rate_limit rl;
	uint64_t wait;

	rate_limit_init(&rl, 0, 1000, 0);          /* 1000 B/s, burst 100 B */
	CHECK_EQ(rate_limit_take(&rl, 60, 0), 0);
	wait = rate_limit_take(&rl, 60, 0);        /* 40 left, 60 needed: 20 ms */
	CHECK(wait > 19 * MS && wait <= 20 * MS + 1);
	CHECK_EQ(rate_limit_take(&rl, 60, 20 * MS), 0);
	/* 1000 bytes: more than the bucket; goes once it is full... */
	CHECK(rate_limit_take(&rl, 1000, 20 * MS) > 0);
	CHECK_EQ(rate_limit_take(&rl, 1000, 120 * MS), 0);
	/* ...and the debt (900 bytes) delays the next by ~0.9 s. */
	wait = rate_limit_take(&rl, 1, 120 * MS);
	CHECK(wait > 890 * MS && wait < 910 * MS);
}

static void both_caps_take_the_longer_wait(void)
{
	struct rate_limit rl;

	rate_limit_init(&rl, 10, 100, 0);          /* 1 op and 10 B of burst */
	CHECK_EQ(rate_limit_take(&rl, 5, 0), 0);
	/* The op bucket needs 100 ms; the byte bucket 50 ms for 10 B. */
	CHECK(rate_limit_take(&rl, 10, 0) > 99 * MS);
}

TEST_LIST(T(unlimited_never_waits), T(iops_cap_spaces_operations),
	  T(bandwidth_cap_and_large_requests), T(both_caps_take_the_longer_wait));
TEST_MAIN("rate-limit")
