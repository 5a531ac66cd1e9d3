/* Fuzz target: virtqueue chain walking. The input is the guest's side of a
 * queue (descriptor table, avail ring) plus the queue size and avail index;
 * the device pops and returns every chain and copies through it. Nothing
 * may read or write outside guest memory (ASan watches). */
#include <stdint.h>
#include <string.h>

#include "../../devices/virtqueue.h"
#include "../../vmm/bytes.h"
#include "../../vmm/layout.h"

#define MEM_SIZE (256 * 1024)
#define DESC 0x1000
#define AVAIL 0x9000
#define USED 0xa000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct guest_memory gm;
	static struct vq_chain *chain;
	struct virtqueue vq;
	uint16_t qsize;
	uint8_t buf[256];

	if (!gm.mapping) {
		guest_memory_create(&gm, MEM_SIZE, NULL);
		chain = vq_chain_alloc(64);
	}
	if (size < 4)
		return 0;
	qsize = (uint16_t)(1u << (data[0] % 11));          /* 1..1024 */
	memset(gm.mapping, 0, MEM_SIZE);
	/* The rest lands on the descriptor table and the avail ring. */
	memcpy(gm.mapping + DESC, data + 1, size - 1 < 0xa000 - DESC ? size - 1 : 0xa000 - DESC);
	if (!vq_setup(&vq, &gm, qsize, DESC, AVAIL, USED, data[0] & 0x80))
		return 0;
	for (int i = 0; i < 2 * qsize; i++) {
		enum vq_pop_result r = vq_pop(&vq, chain);

		if (r == VQ_EMPTY || r == VQ_BROKEN)
			break;
		if (r == VQ_CHAIN) {
			vq_copy_from_chain(chain, 0, buf, sizeof(buf));
			vq_copy_to_chain(chain, 1, buf, sizeof(buf));
		}
		vq_push(&vq, chain->head, r == VQ_CHAIN ? (uint32_t)chain->write_len : 0);
		vq_should_notify(&vq);
	}
	vq_set_notification(&vq, true);
	return 0;
}
