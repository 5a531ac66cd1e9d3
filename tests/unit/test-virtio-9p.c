/* The virtio-9p transport driven through its queue with its real service
 * thread and workers: 9P over the ring, the mount tag in config space, an
 * export over its rate limit held back without stalling another export,
 * Tflush of a held-back request (EINTR reply, then Rflush), malformed
 * requests answered with Rlerror. */
#include "../../devices/virtio-9p.h"
#include "../../vmm/layout.h"
#include "9p-client.h"
#include "vq-driver.h"

#define QSIZE 128
#define REPLY_CAP 8192

struct rig {
	struct guest_memory gm;
	struct vq_driver d;
	struct virtio_9p *p9;
	struct virtio_device *vdev;
	char dir[64], fast[96], slow[96];
};

static void fake_signal(void *t, unsigned q)
{
	(void)t;
	(void)q;
}

static void fake_other(void *t)
{
	(void)t;
}

static const struct virtio_transport_ops fake_transport = { fake_signal, fake_other, fake_other };

static int rig_setup(struct rig *r)
{
	struct uvm_error err = { 0 };
	struct virtio_9p_export fast = { .name = "fast" }, slow = { .name = "slow", .iops = 1 };

	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "/tmp/v9p-test.XXXXXX");
	CHECK(mkdtemp(r->dir) != NULL);
	snprintf(r->fast, sizeof(r->fast), "%s/fast", r->dir);
	snprintf(r->slow, sizeof(r->slow), "%s/slow", r->dir);
	mkdir(r->fast, 0755);
	mkdir(r->slow, 0755);
	fast.host_path = r->fast;
	slow.host_path = r->slow;
	CHECK_EQ(guest_memory_create(&r->gm, 16 * MiB, NULL), 0);
	if (virtio_9p_create(&r->p9, "9p-test", "hostshare", &r->gm, &err) < 0 ||
	    virtio_9p_add_export(r->p9, &fast, &err) < 0 || virtio_9p_add_export(r->p9, &slow, &err) < 0) {
		printf("#   %s\n", err.msg);
		return -1;
	}
	r->vdev = virtio_9p_device(r->p9);
	r->vdev->transport_ops = &fake_transport;
	r->vdev->driver_features = 1ULL << VIRTIO_F_VERSION_1;
	vqd_init(&r->d, &r->gm, QSIZE, 0x10000);
	CHECK(vq_setup(&r->vdev->vqs[0], &r->gm, QSIZE, r->d.desc, r->d.avail, r->d.used, false));
	CHECK_EQ(virtio_device_start(r->vdev, &err), 0);
	return 0;
}

static void rig_teardown(struct rig *r)
{
	char cmd[128];

	if (r->vdev)
		virtio_device_destroy(r->vdev);
	guest_memory_destroy(&r->gm);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", r->dir);
	CHECK_EQ(system(cmd), 0);
}

/* Put a request on the ring; returns the guest address of its reply. */
static uint64_t send_msg(struct rig *r, const struct msg *m)
{
	uint64_t req = vqd_alloc(&r->d, m->len), reply = vqd_alloc(&r->d, REPLY_CAP);
	uint64_t one = 1;

	memcpy(gm_ptr(&r->gm, req, m->len), m->buf, m->len);
	vqd_add(&r->d, (struct test_desc[]){ { req, (uint32_t)m->len, 0, 0 },
					     { reply, REPLY_CAP, VIRTQ_DESC_F_WRITE, 0 } }, 2, 0);
	CHECK_EQ(write(r->vdev->kick_fd[0], &one, 8), 8);
	return reply;
}

/* Wait for the next reply; returns its type and tag, or -1 on timeout. */
static int next_reply(struct rig *r, unsigned timeout_ms, uint16_t *tag, uint32_t *ecode)
{
	uint32_t id, len;
	uint64_t addr;
	uint8_t *p;

	if (vqd_wait_used(&r->d, timeout_ms, &id, &len) < 0)
		return -1;
	addr = get_le64(gm_ptr(&r->gm, r->d.desc + 16ULL * ((id + 1) % QSIZE), 8));
	p = gm_ptr(&r->gm, addr, 11);
	*tag = get_le16(p + 5);
	if (ecode)
		*ecode = p[4] == P9_RLERROR ? get_le32(p + 7) : 0;
	return p[4];
}

static void version_and_attach(struct rig *r)
{
	struct msg m;
	uint16_t tag;

	m_begin(&m, P9_TVERSION, P9_NOTAG);
	m_u32(&m, 65536);
	m_str(&m, "9P2000.L");
	m_end(&m);
	send_msg(r, &m);
	CHECK_EQ(next_reply(r, 5000, &tag, NULL), P9_RVERSION);
	for (uint32_t fid = 1; fid <= 2; fid++) {
		m_begin(&m, P9_TATTACH, (uint16_t)fid);
		m_u32(&m, fid);
		m_u32(&m, P9_NOFID);
		m_str(&m, "root");
		m_str(&m, fid == 1 ? "fast" : "slow");
		m_u32(&m, 0);
		m_end(&m);
		send_msg(r, &m);
		CHECK_EQ(next_reply(r, 5000, &tag, NULL), P9_RATTACH);
	}
}

static void getattr(struct rig *r, uint32_t fid, uint16_t tag)
{
	struct msg m;

	m_begin(&m, P9_TGETATTR, tag);
	m_u32(&m, fid);
	m_u64(&m, 0x3fff);
	m_end(&m);
	send_msg(r, &m);
}

static void tag_in_config_space(void)
{
	struct rig r;
	uint8_t cfg[16] = { 0 };

	if (rig_setup(&r) == 0) {
		r.vdev->ops->config_read(r.vdev, 0, cfg, 2);
		CHECK_EQ(get_le16(cfg), 9);
		r.vdev->ops->config_read(r.vdev, 2, cfg, 9);
		CHECK(!memcmp(cfg, "hostshare", 9));
	}
	rig_teardown(&r);
}

static void rate_limited_export_does_not_stall_others_and_flush_cancels(void)
{
	struct rig r;
	uint16_t tag;
	uint32_t ecode;
	int type;

	if (rig_setup(&r) == 0) {
		version_and_attach(&r);
		/* "slow" allows 1 op/s: the first goes, the next ones wait. */
		for (uint16_t t = 10; t < 16; t++)
			getattr(&r, 2, t);
		CHECK_EQ(next_reply(&r, 5000, &tag, NULL), P9_RGETATTR);
		CHECK_EQ(tag, 10);
		/* Meanwhile "fast" answers at once: no worker is held by "slow". */
		getattr(&r, 1, 100);
		CHECK_EQ(next_reply(&r, 500, &tag, NULL), P9_RGETATTR);
		CHECK_EQ(tag, 100);
		/* Flushing a held-back request: its EINTR reply, then Rflush. */
		{
			struct msg m;

			m_begin(&m, P9_TFLUSH, 200);
			m_u16(&m, 15);
			m_end(&m);
			send_msg(&r, &m);
		}
		type = next_reply(&r, 500, &tag, &ecode);
		CHECK_EQ(type, P9_RLERROR);
		CHECK_EQ(tag, 15);
		CHECK_EQ(ecode, EINTR);
		CHECK_EQ(next_reply(&r, 500, &tag, NULL), P9_RFLUSH);
		CHECK_EQ(tag, 200);
		/* The others come at about one per second, in order. */
		for (uint16_t t = 11; t < 15; t++) {
			CHECK_EQ(next_reply(&r, 3000, &tag, NULL), P9_RGETATTR);
			CHECK_EQ(tag, t);
		}
	}
	rig_teardown(&r);
}

static void flush_of_a_finished_request_is_answered(void)
{
	struct rig r;
	struct msg m;
	uint16_t tag;

	if (rig_setup(&r) == 0) {
		version_and_attach(&r);
		m_begin(&m, P9_TFLUSH, 300);
		m_u16(&m, 4242);
		m_end(&m);
		send_msg(&r, &m);
		CHECK_EQ(next_reply(&r, 5000, &tag, NULL), P9_RFLUSH);
		CHECK_EQ(tag, 300);
	}
	rig_teardown(&r);
}

static void malformed_requests_get_rlerror(void)
{
	struct rig r;
	struct msg m;
	uint16_t tag;
	uint32_t ecode;

	if (rig_setup(&r) == 0) {
		version_and_attach(&r);
		m_begin(&m, P9_TGETATTR, 7);     /* no fid */
		m_end(&m);
		send_msg(&r, &m);
		CHECK_EQ(next_reply(&r, 5000, &tag, &ecode), P9_RLERROR);
		CHECK_EQ(tag, 7);
		m.len = 3;                        /* shorter than a header */
		send_msg(&r, &m);
		CHECK_EQ(next_reply(&r, 5000, &tag, &ecode), P9_RLERROR);
		getattr(&r, 1, 8);                /* still serving */
		CHECK_EQ(next_reply(&r, 5000, &tag, NULL), P9_RGETATTR);
	}
	rig_teardown(&r);
}

TEST_LIST(T(tag_in_config_space), T(rate_limited_export_does_not_stall_others_and_flush_cancels),
	  T(flush_of_a_finished_request_is_answered), T(malformed_requests_get_rlerror));
TEST_MAIN("virtio-9p")
