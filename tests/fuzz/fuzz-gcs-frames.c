/* Fuzz target: the guest agent's protocol decoder. The input is the byte
 * stream a host (or anything that reaches the agent's vsock port) sends,
 * fed to the frame reader in chunks whose sizes come from the input; each
 * complete frame's body goes through the request parsers the agent uses
 * before acting (JSON, the "process", "stdio" and "storage" groups, a
 * Modify's "directory" and "disk"). The
 * reader must stay bounded, stop at a bad magic, and the parsers must never
 * crash, leak or accept what they refuse. */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "../../guest-agent/agent.h"

static void parse_body(const uint8_t *body, size_t len)
{
	struct process_params pp;
	struct stdio_params sp;
	struct storage_request st;
	struct uvm_error err;
	json_t *req = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, NULL);

	if (!json_is_object(req)) {
		json_decref(req);
		return;
	}
	if (request_parse_process(req, &pp, &err) == 0)
		request_process_params_free(&pp);
	request_parse_stdio(req, GCS_PORT, &sp, &err);
	if (storage_request_parse(req, &st, &err) == 0)
		storage_request_free(&st);
	/* add_mapped_directory's and add_mapped_disk's objects */
	if (json_is_object(json_object_get(req, "directory"))) {
		struct storage_dir d = { 0 };

		storage_dir_parse(json_object_get(req, "directory"), "directory", &d, &err);
	}
	if (json_is_object(json_object_get(req, "disk"))) {
		struct storage_disk d = { 0 };

		storage_disk_parse(json_object_get(req, "disk"), "disk", &d, &err);
	}
	json_decref(req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame_reader r;
	size_t pos = 0;
	unsigned chunk = size ? (data[0] % 61) + 1 : 1;

	frame_reader_init(&r);
	while (pos < size) {
		enum frame_status st;
		size_t n = size - pos < chunk ? size - pos : chunk;
		size_t used = frame_reader_push(&r, data + pos, n, &st);

		if (used > n)
			__builtin_trap();
		pos += used;
		if (st == FRAME_READY) {
			if (r.hdr.body_len > GCS_MAX_BODY)
				__builtin_trap();
			parse_body(r.body, r.hdr.body_len);
			frame_reader_done(&r);
		} else if (st == FRAME_BAD_MAGIC) {
			break;
		} else if (used == 0 && st == FRAME_NONE) {
			break;                     /* no progress: never happens with n > 0 */
		}
	}
	frame_reader_free(&r);
	return 0;
}
