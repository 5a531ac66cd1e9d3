/* mkcpio: pack a directory into a gzip-compressed newc cpio archive (an
 * initramfs) with the project's cpio writer. Test equipment for building
 * the small initrds the end-to-end tests boot. */
#include <stdio.h>
#include <string.h>

#include "../../boot/cpio.h"

int main(int argc, char **argv)
{
	struct uvm_error err = { 0 };
	struct cpio_writer w;
	bool compress = true;
	int arg = 1;

	if (argc > 1 && !strcmp(argv[1], "--no-compress")) {
		compress = false;
		arg++;
	}
	if (argc - arg != 2) {
		fprintf(stderr, "usage: mkcpio [--no-compress] OUT DIR\n");
		return 2;
	}
	if (cpio_open(&w, argv[arg], compress, &err) < 0 ||
	    cpio_add_tree(&w, argv[arg + 1], "", &err) < 0 ||
	    cpio_close(&w, &err) < 0) {
		if (w.gz)
			cpio_abort(&w);
		fprintf(stderr, "mkcpio: %s\n", err.msg);
		return 1;
	}
	return 0;
}
