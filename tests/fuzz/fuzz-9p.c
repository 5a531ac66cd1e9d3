/* Fuzz target: the 9P2000.L server on a real temporary share. Each input is
 * a sequence of messages (2-byte length + message); the session carries
 * over between inputs, as a guest's would. A sibling folder outside the
 * share holds a file that must never change (checked on every input). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../devices/9p-server.h"
#include "../../vmm/bytes.h"

static struct p9_server *srv;
static char outside_secret[256];

static void setup(void)
{
	static char dir[] = "/tmp/fuzz-9p.XXXXXX";
	static char share[300];
	char path[300];
	struct p9_export_config cfg = { .name = "", .read_only = false };
	FILE *f;

	if (!mkdtemp(dir))
		abort();
	snprintf(share, sizeof(share), "%s/share", dir);
	mkdir(share, 0755);
	cfg.host_path = share;
	snprintf(path, sizeof(path), "%s/share/file", dir);
	f = fopen(path, "w");
	fputs("hello", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/share/sub", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/share/out", dir);
	symlink("../outside/secret", path);
	snprintf(path, sizeof(path), "%s/outside", dir);
	mkdir(path, 0755);
	snprintf(outside_secret, sizeof(outside_secret), "%s/outside/secret", dir);
	f = fopen(outside_secret, "w");
	fputs("secret", f);
	fclose(f);
	if (p9_server_create(65536, &srv, NULL) < 0 || p9_server_add_export(srv, &cfg, NULL) < 0)
		abort();
}

static void check_outside(void)
{
	char buf[16] = { 0 };
	FILE *f = fopen(outside_secret, "r");

	if (!f || fread(buf, 1, sizeof(buf) - 1, f) != 6 || strcmp(buf, "secret"))
		abort();     /* something reached outside the share */
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t resp[65536 + 64];

	if (!srv)
		setup();
	while (size >= 2) {
		size_t len = get_le16(data);

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		p9_server_handle(srv, data, len, resp, sizeof(resp));
		data += len;
		size -= len;
	}
	check_outside();
	return 0;
}
