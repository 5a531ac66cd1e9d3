/* virtio-chaos: a hostile virtio driver, run inside a test guest. For each
 * virtio-pci device given (a /sys/bus/pci/devices/... folder), it unbinds
 * the kernel's driver, maps the device's BAR, and then, as root can, plays
 * driver with garbage: random register writes in the common configuration,
 * queues whose descriptor tables, available and used rings live in this
 * process's memory (physical addresses from /proc/self/pagemap) filled with
 * random descriptors (wild addresses and lengths, chains that loop, indirect
 * tables pointing anywhere, device-writable flags on everything), random
 * avail indexes, and notifications, for a number of rounds. The VMM must
 * stay up and keep the guest's memory its own; the test checks that the VM
 * still powers off normally afterwards.
 *
 * usage: virtio-chaos ROUNDS SYSFS_DEVICE_DIR...   (static, in the test initrd) */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096
#define QUEUE_PAGES 8

/* virtio 1.x common configuration (virtio_pci_common_cfg) offsets. */
#define DEVICE_FEATURE_SELECT 0x00
#define DRIVER_FEATURE_SELECT 0x08
#define DRIVER_FEATURE        0x0c
#define NUM_QUEUES            0x12
#define DEVICE_STATUS         0x14
#define QUEUE_SELECT          0x16
#define QUEUE_SIZE            0x18
#define QUEUE_ENABLE          0x1c
#define QUEUE_NOTIFY_OFF      0x1e
#define QUEUE_DESC            0x20
#define QUEUE_DRIVER          0x28
#define QUEUE_DEVICE          0x30

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static int read_config(const char *dev, unsigned off, void *buf, size_t len)
{
	char path[512];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/config", dev);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -1;
	ok = pread(fd, buf, len, off) == (ssize_t)len;
	close(fd);
	return ok ? 0 : -1;
}

static void write_config16(const char *dev, unsigned off, uint16_t v)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/config", dev);
	fd = open(path, O_RDWR);
	if (fd >= 0) {
		if (pwrite(fd, &v, 2, off) != 2)
			perror("config write");
		close(fd);
	}
}

struct caps {
	int bar;
	uint32_t common, notify, notify_mult;
};

/* Find the common and notify capabilities in the PCI capability list. */
static int find_caps(const char *dev, struct caps *c)
{
	uint8_t cfg[256];
	unsigned pos;
	int found = 0, guard = 0;

	if (read_config(dev, 0, cfg, sizeof(cfg)) < 0)
		return -1;
	for (pos = cfg[0x34]; pos && pos < 0xfc && guard++ < 48; pos = cfg[pos + 1]) {
		if (cfg[pos] != 0x09)                  /* vendor-specific */
			continue;
		if (cfg[pos + 3] == 1) {
			c->bar = cfg[pos + 4];
			memcpy(&c->common, cfg + pos + 8, 4);
			found |= 1;
		} else if (cfg[pos + 3] == 2) {
			memcpy(&c->notify, cfg + pos + 8, 4);
			memcpy(&c->notify_mult, cfg + pos + 16, 4);
			found |= 2;
		}
	}
	return found == 3 ? 0 : -1;
}

static uint64_t phys_of(void *p)
{
	uint64_t entry = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &entry, 8, (off_t)((uintptr_t)p / PAGE * 8)) != 8)
		entry = 0;
	close(fd);
	if (!(entry >> 63))
		return 0;
	return (entry & ((1ULL << 55) - 1)) * PAGE + (uintptr_t)p % PAGE;
}

static void unbind(const char *dev)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/driver/unbind", dev);
	fd = open(path, O_WRONLY);
	if (fd >= 0) {
		const char *name = strrchr(dev, '/') + 1;

		if (write(fd, name, strlen(name)) < 0)
			perror("unbind");
		close(fd);
	}
}

static void chaos(const char *dev, int rounds)
{
	char path[512];
	struct caps c = { 0 };
	volatile uint8_t *bar;
	uint8_t *mem;
	uint64_t phys[QUEUE_PAGES];
	uint16_t nq;
	int fd;

	if (find_caps(dev, &c) < 0) {
		printf("chaos: %s: no virtio capabilities\n", dev);
		return;
	}
	unbind(dev);
	write_config16(dev, 0x04, 0x0006);             /* memory space + bus master */
	snprintf(path, sizeof(path), "%s/resource%d", dev, c.bar);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0) {
		printf("chaos: %s: %s\n", path, strerror(errno));
		return;
	}
	bar = mmap(NULL, 0x8000, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	mem = mmap(NULL, QUEUE_PAGES * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED | MAP_POPULATE, -1, 0);
	if (bar == MAP_FAILED || mem == MAP_FAILED) {
		printf("chaos: %s: mmap failed\n", dev);
		return;
	}
	for (int i = 0; i < QUEUE_PAGES; i++)
		phys[i] = phys_of(mem + i * PAGE);
	nq = *(volatile uint16_t *)(bar + c.common + NUM_QUEUES);
	for (int r = 0; r < rounds; r++) {
		uint16_t q = nq ? (uint16_t)(rnd() % nq) : 0;
		volatile uint8_t *common = bar + c.common;

		/* A driver's start, mostly in order, with garbage mixed in. */
		*(volatile uint8_t *)(common + DEVICE_STATUS) = 0;
		*(volatile uint8_t *)(common + DEVICE_STATUS) = 1 | 2;
		*(volatile uint32_t *)(common + DRIVER_FEATURE_SELECT) = 1;
		*(volatile uint32_t *)(common + DRIVER_FEATURE) = (uint32_t)rnd() | 1;
		*(volatile uint8_t *)(common + DEVICE_STATUS) = 1 | 2 | 8;
		*(volatile uint16_t *)(common + QUEUE_SELECT) = q;
		*(volatile uint16_t *)(common + QUEUE_SIZE) = (uint16_t)(rnd() % 3 == 0 ? rnd() : 64);
		/* Descriptor table, rings: here, or anywhere. */
		*(volatile uint64_t *)(common + QUEUE_DESC) = rnd() % 4 ? phys[0] : rnd();
		*(volatile uint64_t *)(common + QUEUE_DRIVER) = rnd() % 4 ? phys[2] : rnd();
		*(volatile uint64_t *)(common + QUEUE_DEVICE) = rnd() % 4 ? phys[3] : rnd();
		*(volatile uint16_t *)(common + QUEUE_ENABLE) = 1;
		*(volatile uint8_t *)(common + DEVICE_STATUS) = 1 | 2 | 4 | 8;
		for (int k = 0; k < 16; k++) {
			/* Garbage descriptors: some pointing at our own pages. */
			for (int d = 0; d < 64; d++) {
				uint8_t *desc = mem + d * 16;
				uint64_t addr = rnd() % 2 ? phys[4 + rnd() % 4] + rnd() % PAGE : rnd();
				uint32_t len = rnd() % 3 ? (uint32_t)(rnd() % 8192) : (uint32_t)rnd();
				uint16_t flags = (uint16_t)(rnd() & 7), next = (uint16_t)(rnd() % 80);

				memcpy(desc, &addr, 8);
				memcpy(desc + 8, &len, 4);
				memcpy(desc + 12, &flags, 2);
				memcpy(desc + 14, &next, 2);
			}
			for (int i = 0; i < PAGE * 4; i += 8) {
				uint64_t v = rnd();

				memcpy(mem + 4 * PAGE + i, &v, 8);   /* indirect tables, buffers */
			}
			/* avail ring: flags, idx, ring entries. */
			for (int i = 0; i < 70; i++) {
				uint16_t v = (uint16_t)(rnd() % 5 ? rnd() % 64 : rnd());

				memcpy(mem + 2 * PAGE + 4 + i * 2, &v, 2);
			}
			{
				uint16_t idx = (uint16_t)(rnd() % 4 ? (unsigned)(k + 1) * 3 : rnd());

				memcpy(mem + 2 * PAGE + 2, &idx, 2);
			}
			__sync_synchronize();
			*(volatile uint16_t *)(bar + c.notify + c.notify_mult *
					       *(volatile uint16_t *)(common + QUEUE_NOTIFY_OFF)) = q;
			/* And a random register, now and then. */
			if (rnd() % 4 == 0)
				*(volatile uint8_t *)(common + rnd() % 0x38) = (uint8_t)rnd();
			usleep(1000);
		}
	}
	*(volatile uint8_t *)(bar + c.common + DEVICE_STATUS) = 0;   /* reset */
	printf("chaos: %s: %d rounds on %u queues\n", dev, rounds, nq);
}

int main(int argc, char **argv)
{
	int rounds;

	if (argc < 3) {
		fprintf(stderr, "usage: virtio-chaos ROUNDS SYSFS_DEVICE_DIR...\n");
		return 2;
	}
	rounds = atoi(argv[1]);
	rng_state = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL | 1;
	for (int i = 2; i < argc; i++)
		chaos(argv[i], rounds);
	fflush(stdout);
	return 0;
}
