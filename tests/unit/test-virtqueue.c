/* Split virtqueues against a hostile driver: well-formed direct and
 * indirect chains come out as the driver laid them; every malformed chain
 * (addresses outside guest memory, loops, zero lengths, wrong direction
 * order, nested or chained indirect tables, too many segments) is refused
 * without touching memory outside the guest; a ring the device cannot trust
 * marks the queue broken; notification suppression follows EVENT_IDX. */
#include "../../vmm/layout.h"
#include "vq-driver.h"

#define QSIZE 16
#define MEM (1 * MiB)

struct rig {
	struct guest_memory gm;
	struct vq_driver d;
	struct virtqueue vq;
	struct vq_chain *chain;
};

static void rig_setup(struct rig *r, bool event_idx)
{
	CHECK_EQ(guest_memory_create(&r->gm, MEM, NULL), 0);
	vqd_init(&r->d, &r->gm, QSIZE, 0x1000);
	CHECK(vq_setup(&r->vq, &r->gm, QSIZE, r->d.desc, r->d.avail, r->d.used, event_idx));
	r->chain = vq_chain_alloc(8);
}

static void rig_teardown(struct rig *r)
{
	free(r->chain);
	guest_memory_destroy(&r->gm);
}

static void direct_chain_in_order(void)
{
	struct rig r;
	uint64_t a, b, c;

	rig_setup(&r, false);
	a = vqd_alloc(&r.d, 16);
	b = vqd_alloc(&r.d, 512);
	c = vqd_alloc(&r.d, 1);
	struct test_desc descs[] = {
		{ a, 16, 0, 0 }, { b, 512, VIRTQ_DESC_F_WRITE, 0 }, { c, 1, VIRTQ_DESC_F_WRITE, 0 },
	};
	uint16_t head = vqd_add(&r.d, descs, 3, 0);

	CHECK_EQ(vq_pop(&r.vq, r.chain), VQ_CHAIN);
	CHECK_EQ(r.chain->head, head);
	CHECK_EQ(r.chain->nread, 1);
	CHECK_EQ(r.chain->nwrite, 2);
	CHECK_EQ(r.chain->read_len, 16);
	CHECK_EQ(r.chain->write_len, 513);
	CHECK(r.chain->iov[1].iov_base == gm_ptr(&r.gm, b, 512));
	CHECK_EQ(vq_pop(&r.vq, r.chain), VQ_EMPTY);
	vq_push(&r.vq, head, 513);
	{
		uint32_t id, len;

		CHECK_EQ(vqd_wait_used(&r.d, 0, &id, &len), 0);
		CHECK_EQ(id, head);
		CHECK_EQ(len, 513);
	}
	rig_teardown(&r);
}

static void indirect_chain(void)
{
	struct rig r;
	uint64_t table, buf;

	rig_setup(&r, false);
	table = vqd_alloc(&r.d, 48);
	buf = vqd_alloc(&r.d, 4096);
	vqd_write_desc(&r.d, table, 0, &(struct test_desc){ buf, 16, VIRTQ_DESC_F_NEXT, 1 });
	vqd_write_desc(&r.d, table, 1, &(struct test_desc){ buf + 16, 100, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2 });
	vqd_write_desc(&r.d, table, 2, &(struct test_desc){ buf + 200, 1, VIRTQ_DESC_F_WRITE, 0 });
	vqd_add(&r.d, &(struct test_desc){ table, 48, VIRTQ_DESC_F_INDIRECT, 0 }, 1, 1);
	CHECK_EQ(vq_pop(&r.vq, r.chain), VQ_CHAIN);
	CHECK_EQ(r.chain->nread, 1);
	CHECK_EQ(r.chain->nwrite, 2);
	CHECK_EQ(r.chain->write_len, 101);
	rig_teardown(&r);
}

/* Each of these chains must be refused as a bad chain, and the queue must
 * go on serving the next, good one. */
static void expect_bad(struct rig *r, const struct test_desc *descs, unsigned n, int raw)
{
	struct test_desc good = { 0x80000, 8, 0, 0 };
	uint16_t head = vqd_add(&r->d, descs, n, raw);

	CHECK_EQ(vq_pop(&r->vq, r->chain), VQ_BAD_CHAIN);
	CHECK_EQ(r->chain->head, head);
	vqd_add(&r->d, &good, 1, 0);
	CHECK_EQ(vq_pop(&r->vq, r->chain), VQ_CHAIN);
}

static void malformed_chains_are_refused(void)
{
	struct rig r;
	uint64_t buf, table;

	rig_setup(&r, false);
	buf = vqd_alloc(&r.d, 4096);
	/* Address outside guest memory, and a length that runs past its end. */
	expect_bad(&r, &(struct test_desc){ MEM + 4096, 16, 0, 0 }, 1, 0);
	expect_bad(&r, &(struct test_desc){ MEM - 8, 16, 0, 0 }, 1, 0);
	expect_bad(&r, &(struct test_desc){ UINT64_MAX - 7, 16, 0, 0 }, 1, 0);
	expect_bad(&r, &(struct test_desc){ buf, 0xffffffff, 0, 0 }, 1, 0);
	/* Zero-length descriptor. */
	expect_bad(&r, &(struct test_desc){ buf, 0, 0, 0 }, 1, 0);
	/* Readable after writable. */
	expect_bad(&r, (struct test_desc[]){ { buf, 16, VIRTQ_DESC_F_WRITE, 0 }, { buf + 16, 16, 0, 0 } }, 2, 0);
	/* A loop: a descriptor whose next is itself. */
	{
		uint16_t slot = r.d.next_free;

		expect_bad(&r, &(struct test_desc){ buf, 16, VIRTQ_DESC_F_NEXT, slot }, 1, 1);
	}
	/* next out of range. */
	expect_bad(&r, &(struct test_desc){ buf, 16, VIRTQ_DESC_F_NEXT, QSIZE + 3 }, 1, 1);
	/* More segments than the device accepts (chain has room for 8). */
	{
		struct test_desc many[10];

		for (int i = 0; i < 10; i++)
			many[i] = (struct test_desc){ buf + 16 * (uint64_t)i, 16, 0, 0 };
		expect_bad(&r, many, 10, 0);
	}
	/* Indirect: with NEXT set, nested, bad table length, table outside. */
	table = vqd_alloc(&r.d, 64);
	vqd_write_desc(&r.d, table, 0, &(struct test_desc){ buf, 16, 0, 0 });
	expect_bad(&r, (struct test_desc[]){ { table, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 0 }, { buf, 8, 0, 0 } }, 2, 0);
	vqd_write_desc(&r.d, table, 0, &(struct test_desc){ table, 16, VIRTQ_DESC_F_INDIRECT, 0 });
	expect_bad(&r, &(struct test_desc){ table, 16, VIRTQ_DESC_F_INDIRECT, 0 }, 1, 0);
	expect_bad(&r, &(struct test_desc){ table, 17, VIRTQ_DESC_F_INDIRECT, 0 }, 1, 0);
	expect_bad(&r, &(struct test_desc){ MEM - 8, 16, VIRTQ_DESC_F_INDIRECT, 0 }, 1, 0);
	/* A loop inside an indirect table. */
	vqd_write_desc(&r.d, table, 0, &(struct test_desc){ buf, 16, VIRTQ_DESC_F_NEXT, 1 });
	vqd_write_desc(&r.d, table, 1, &(struct test_desc){ buf, 16, VIRTQ_DESC_F_NEXT, 0 });
	expect_bad(&r, &(struct test_desc){ table, 32, VIRTQ_DESC_F_INDIRECT, 0 }, 1, 0);
	rig_teardown(&r);
}

static void untrusted_rings_break_the_queue(void)
{
	struct rig r;

	/* A head index past the ring. */
	rig_setup(&r, false);
	vqd_publish_head(&r.d, QSIZE + 1);
	CHECK_EQ(vq_pop(&r.vq, r.chain), VQ_BROKEN);
	CHECK(r.vq.broken);
	CHECK_EQ(vq_pop(&r.vq, r.chain), VQ_EMPTY);
	rig_teardown(&r);

	/* An avail index more than a ring ahead. */
	rig_setup(&r, false);
	put_le16(gm_ptr(&r.gm, r.d.avail + 2, 2), QSIZE + 5);
	CHECK_EQ(vq_pop(&r.vq, r.chain), VQ_BROKEN);
	rig_teardown(&r);
}

static void setup_refuses_bad_rings(void)
{
	struct guest_memory gm;
	struct virtqueue vq;

	CHECK_EQ(guest_memory_create(&gm, MEM, NULL), 0);
	CHECK(!vq_setup(&vq, &gm, 0, 0x1000, 0x2000, 0x3000, false));
	CHECK(!vq_setup(&vq, &gm, 3, 0x1000, 0x2000, 0x3000, false));
	CHECK(!vq_setup(&vq, &gm, 2048, 0x1000, 0x20000, 0x30000, false));
	CHECK(!vq_setup(&vq, &gm, 16, MEM - 16, 0x2000, 0x3000, false));
	CHECK(!vq_setup(&vq, &gm, 16, 0x1000, MEM - 2, 0x3000, false));
	CHECK(!vq_setup(&vq, &gm, 16, 0x1000, 0x2000, MEM - 8, false));
	CHECK(!vq_setup(&vq, &gm, 16, 0x1001, 0x2000, 0x3000, false));
	CHECK(vq_setup(&vq, &gm, 16, 0x1000, 0x2000, 0x3000, false));
	guest_memory_destroy(&gm);
}

static void event_idx_suppresses_notifications(void)
{
	struct rig r;
	struct test_desc d = { 0x80000, 8, 0, 0 };
	uint16_t head;

	rig_setup(&r, true);
	head = vqd_add(&r.d, &d, 1, 0);
	CHECK_EQ(vq_pop(&r.vq, r.chain), VQ_CHAIN);
	vq_push(&r.vq, head, 0);
	CHECK(vq_should_notify(&r.vq));             /* first one always */
	/* The driver asks to hear only at used index 5. */
	put_le16(gm_ptr(&r.gm, r.d.avail + 4 + 2 * QSIZE, 2), 4);
	for (int i = 0; i < 3; i++) {
		head = vqd_add(&r.d, &d, 1, 0);
		CHECK_EQ(vq_pop(&r.vq, r.chain), VQ_CHAIN);
		vq_push(&r.vq, head, 0);
		CHECK(!vq_should_notify(&r.vq));     /* used idx 2, 3, 4 */
	}
	head = vqd_add(&r.d, &d, 1, 0);
	CHECK_EQ(vq_pop(&r.vq, r.chain), VQ_CHAIN);
	vq_push(&r.vq, head, 0);
	CHECK(vq_should_notify(&r.vq));             /* used idx 5 passes event 4 */
	/* Device side: avail_event tells the driver when to kick us. */
	vq_set_notification(&r.vq, true);
	CHECK_EQ(get_le16(gm_ptr(&r.gm, r.d.used + 4 + 8 * QSIZE, 2)), r.vq.last_avail);
	rig_teardown(&r);
}

static void no_interrupt_flag_without_event_idx(void)
{
	struct rig r;
	struct test_desc d = { 0x80000, 8, 0, 0 };
	uint16_t head;

	rig_setup(&r, false);
	put_le16(gm_ptr(&r.gm, r.d.avail, 2), VIRTQ_AVAIL_F_NO_INTERRUPT);
	head = vqd_add(&r.d, &d, 1, 0);
	CHECK_EQ(vq_pop(&r.vq, r.chain), VQ_CHAIN);
	vq_push(&r.vq, head, 0);
	CHECK(!vq_should_notify(&r.vq));
	vq_set_notification(&r.vq, false);
	CHECK_EQ(get_le16(gm_ptr(&r.gm, r.d.used, 2)), VIRTQ_USED_F_NO_NOTIFY);
	rig_teardown(&r);
}

TEST_LIST(T(direct_chain_in_order), T(indirect_chain), T(malformed_chains_are_refused),
	  T(untrusted_rings_break_the_queue), T(setup_refuses_bad_rings),
	  T(event_idx_suppresses_notifications), T(no_interrupt_flag_without_event_idx));
TEST_MAIN("virtqueue")
