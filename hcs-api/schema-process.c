/* ProcessConfig (the input of CreateProcess): field table, checks and the
 * public functions. The OCI spec it carries is kept as verbatim text for the
 * guest agent; reading that spec is the agent's job, not this file's.
 *
 * Decisions: ApplicationName is refused (Windows: the program image to start;
 * Linux callers give CommandArgs). A process needs CommandArgs, CommandLine (used
 * only when CommandArgs is empty) or an OCISpecification. WorkingDirectory is an
 * absolute path. Environment names are non-empty without "=". ConsoleSize is
 * [height, width], each <= 65535 (ResizeConsole takes 16-bit sizes).
 * OCISpecification must be a JSON object and cannot go with CreateInUtilityVm
 * (a process in the utility VM itself is not a container). */
#include "schema-codec.h"

#include <errno.h>
#include <string.h>

static int check_environment(struct hcs_walk *w, const void *obj, const struct hcs_field *f)
{
	const struct hcs_env_var *env = *HCS_CAT(obj, f, struct hcs_env_var *);
	size_t n = HCS_COUNT(obj, f), old = hcs_path_push_field(w, f->name);
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++) {
		const char *name = env[i].name ? env[i].name : "";

		if (!*name || strchr(name, '=')) {
			size_t here = hcs_path_push_key(w, name);

			ret = hcs_problem(w, NULL, -EINVAL, "a variable name must be non-empty, without \"=\"");
			hcs_path_pop(w, here);
		}
		for (size_t j = 0; j < i && !ret && *name; j++) {
			if (env[j].name && !strcmp(env[j].name, name)) {
				size_t here = hcs_path_push_key(w, name);

				ret = hcs_problem(w, NULL, -EINVAL, "given twice");
				hcs_path_pop(w, here);
			}
		}
	}
	hcs_path_pop(w, old);
	return ret;
}

static int check_console_size(struct hcs_walk *w, const void *obj, const struct hcs_field *f)
{
	const unsigned *size = HCS_CAT(obj, f, unsigned);

	for (int i = 0; i < 2; i++) {
		if (size[i] > HCS_CONSOLE_SIZE_MAX)
			return hcs_problem(w, f->name, -ERANGE, "%s must be at most %d, got %u",
					   i ? "the width ([1])" : "the height ([0])",
					   HCS_CONSOLE_SIZE_MAX, size[i]);
	}
	return 0;
}

static int check_oci_specification(struct hcs_walk *w, const void *obj, const struct hcs_field *f)
{
	const char *text = *HCS_CAT(obj, f, char *);
	json_error_t je;
	json_t *spec;
	int ret = 0;

	if (!text)
		return 0;
	spec = json_loadb(text, HCS_COUNT(obj, f), JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (!spec)
		return hcs_problem(w, f->name, -EINVAL, "invalid JSON at line %d, column %d: %s",
				   je.line, je.column, je.text);
	if (!json_is_object(spec))
		ret = hcs_problem(w, f->name, -EINVAL, "expected an object (an OCI runtime spec)");
	json_decref(spec);
	return ret;
}

static int check_process_config(struct hcs_walk *w, const void *obj)
{
	const struct hcs_process_config *pc = obj;

	if (!pc->n_command_args && !pc->command_line && !pc->oci_specification)
		return hcs_problem(w, "CommandArgs", -EINVAL,
				   "required: what to run (CommandArgs, CommandLine or OCISpecification)");
	if (pc->create_in_utility_vm && pc->oci_specification)
		return hcs_problem(w, "OCISpecification", -EINVAL,
				   "not used with CreateInUtilityVm (a process in the utility VM is not a container)");
	return 0;
}

#define PC struct hcs_process_config
static const struct hcs_field process_config_fields[] = {
	HCS_F(PC, application_name, "ApplicationName", HCS_STRING, HCS_OMITEMPTY,
	      hcs_refuse_windows_only, "the Windows program to start; give CommandArgs"),
	HCS_F(PC, command_line, "CommandLine", HCS_STRING, HCS_OMITEMPTY, NULL, NULL),
	HCS_FN(PC, command_args, n_command_args, "CommandArgs", HCS_STRINGS, NULL, HCS_OMITEMPTY, NULL, NULL),
	HCS_F(PC, user, "User", HCS_STRING, HCS_OMITEMPTY, NULL, NULL),
	HCS_F(PC, working_directory, "WorkingDirectory", HCS_STRING, HCS_OMITEMPTY, hcs_check_abs_path, NULL),
	HCS_FN(PC, environment, n_environment, "Environment", HCS_ENV, NULL, HCS_OMITEMPTY,
	       check_environment, NULL),
	HCS_F(PC, emulate_console, "EmulateConsole", HCS_BOOL, HCS_OMITEMPTY, NULL, NULL),
	HCS_F(PC, create_std_in_pipe, "CreateStdInPipe", HCS_BOOL, HCS_OMITEMPTY, NULL, NULL),
	HCS_F(PC, create_std_out_pipe, "CreateStdOutPipe", HCS_BOOL, HCS_OMITEMPTY, NULL, NULL),
	HCS_F(PC, create_std_err_pipe, "CreateStdErrPipe", HCS_BOOL, HCS_OMITEMPTY, NULL, NULL),
	/* [2]uint: Go's omitempty never skips a fixed-size array of length 2 */
	HCS_F(PC, console_size, "ConsoleSize", HCS_UINT_PAIR, 0, check_console_size, NULL),
	HCS_F(PC, create_in_utility_vm, "CreateInUtilityVm", HCS_BOOL, HCS_OMITEMPTY, NULL, NULL),
	HCS_FN(PC, oci_specification, oci_specification_len, "OCISpecification", HCS_RAW, NULL,
	       HCS_OMITEMPTY | HCS_RAW_OBJECT, check_oci_specification, NULL),
};
#undef PC
static const struct hcs_type process_config_type =
	HCS_TYPE(struct hcs_process_config, process_config_fields, check_process_config);

int hcs_process_config_parse(const char *json, size_t len, struct hcs_process_config *out,
			     struct uvm_error *err)
{
	struct hcs_walk w;

	hcs_walk_init(&w, err, NULL, NULL);
	return hcs_decode(&w, &process_config_type, json, len, out);
}

int hcs_process_config_decode(const char *json, size_t len, struct hcs_process_config *out,
			      struct uvm_error *err)
{
	struct hcs_walk w;

	hcs_walk_init(&w, err, NULL, NULL);
	w.checks = false;
	return hcs_decode(&w, &process_config_type, json, len, out);
}

int hcs_process_config_validate(const struct hcs_process_config *pc, struct uvm_error *err)
{
	struct hcs_walk w;

	hcs_walk_init(&w, err, NULL, NULL);
	return hcs_validate(&w, &process_config_type, pc);
}

int hcs_process_config_problems(const char *json, size_t len, hcs_problem_fn fn, void *ctx)
{
	return hcs_problems(&process_config_type, json, len, fn, ctx);
}

char *hcs_process_config_to_json(const struct hcs_process_config *pc)
{
	return hcs_encode(&process_config_type, pc);
}

bool hcs_process_config_equal(const struct hcs_process_config *a, const struct hcs_process_config *b)
{
	return hcs_equal(&process_config_type, a, b);
}

void hcs_process_config_free(struct hcs_process_config *pc)
{
	if (pc)
		hcs_free(&process_config_type, pc);
}

const char *hcs_process_config_getenv(const struct hcs_process_config *pc, const char *name)
{
	for (size_t i = 0; i < pc->n_environment; i++)
		if (pc->environment[i].name && !strcmp(pc->environment[i].name, name))
			return pc->environment[i].value;
	return NULL;
}
