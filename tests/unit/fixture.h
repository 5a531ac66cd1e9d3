/* Reading a test fixture (tests/unit/fixtures/NAME) as NUL-terminated text,
 * for the schema tests. Run from the repository root. */
#ifndef UVM_TEST_FIXTURE_H
#define UVM_TEST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline char *read_fixture(const char *name, size_t *len)
{
	const char *slash = strrchr(__FILE__, '/');
	char path[512];
	long size;
	char *buf;
	FILE *f;

	snprintf(path, sizeof(path), "%.*s/fixtures/%s", (int)(slash - __FILE__), __FILE__, name);
	f = fopen(path, "rb");
	if (!f) {
		printf("#   cannot open %s (run from the repository root)\n", path);
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)size + 1);
	*len = fread(buf, 1, (size_t)size, f);
	fclose(f);
	return buf;
}

#endif
