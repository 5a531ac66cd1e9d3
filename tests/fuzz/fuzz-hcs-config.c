/* Fuzz target: the HCS schema: ContainerConfig and ProcessConfig parsing,
 * validation and serialization (a parsed config must serialize and parse
 * again). */
#include <stdlib.h>
#include <string.h>

#include "../../hcs-api/schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hcs_container_config cfg;
	struct hcs_process_config proc;

	if (hcs_container_config_parse((const char *)data, size, &cfg, NULL) == 0) {
		char *json = hcs_container_config_to_json(&cfg);
		struct hcs_container_config again;

		if (!json || hcs_container_config_parse(json, strlen(json), &again, NULL) < 0)
			abort();
		hcs_container_config_free(&again);
		free(json);
		hcs_container_config_free(&cfg);
	}
	if (hcs_process_config_parse((const char *)data, size, &proc, NULL) == 0)
		hcs_process_config_free(&proc);
	return 0;
}
