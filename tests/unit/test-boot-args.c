/* `uvmrun boot` options: defaults, every value checked with a message that
 * names the option. */
#include <errno.h>
#include <stdarg.h>

#include "../../vmm/vmm.h"
#include "test.h"

static int parse(struct vmm_config *cfg, struct uvm_error *err, const char *first, ...)
{
	char *argv[32] = { "boot" };
	int argc = 1;
	va_list ap;

	va_start(ap, first);
	for (const char *a = first; a && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	vmm_config_defaults(cfg);
	uvm_err_clear(err);
	return vmm_parse_boot_args(argc, argv, cfg, err);
}

static void defaults(void)
{
	struct vmm_config cfg;
	struct uvm_error err;

	CHECK_EQ(parse(&cfg, &err, "--kernel", "/k", NULL), 0);
	CHECK(!strcmp(cfg.kernel, "/k"));
	CHECK(cfg.initrd == NULL);
	CHECK_EQ(cfg.cpus, 1);
	CHECK_EQ(cfg.memory_mib, 256);
	CHECK(cfg.timeout_sec == 0);
	CHECK(!strcmp(cfg.cmdline, "console=ttyS0"));
}

static void all_options(void)
{
	struct vmm_config cfg;
	struct uvm_error err;

	CHECK_EQ(parse(&cfg, &err, "--kernel", "/k", "--initrd", "/i", "--cmdline", "quiet",
		       "--cpus", "4", "--memory", "1024", "--timeout", "2.5", "--report-memory",
		       NULL), 0);
	CHECK(!strcmp(cfg.initrd, "/i"));
	CHECK(!strcmp(cfg.cmdline, "quiet"));
	CHECK_EQ(cfg.cpus, 4);
	CHECK_EQ(cfg.memory_mib, 1024);
	CHECK(cfg.timeout_sec == 2.5);
	CHECK(cfg.report_memory);
}

static void bad_values_name_the_option(void)
{
	struct vmm_config cfg;
	struct uvm_error err;

	CHECK_EQ(parse(&cfg, &err, NULL), -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "--kernel is required");
	CHECK(parse(&cfg, &err, "--kernel", "/k", "--cpus", "0", NULL) < 0);
	CHECK_STR_CONTAINS(err.msg, "--cpus");
	CHECK(parse(&cfg, &err, "--kernel", "/k", "--cpus", "65", NULL) < 0);
	CHECK_STR_CONTAINS(err.msg, "--cpus");
	CHECK(parse(&cfg, &err, "--kernel", "/k", "--cpus", "two", NULL) < 0);
	CHECK_STR_CONTAINS(err.msg, "not a positive number");
	CHECK(parse(&cfg, &err, "--kernel", "/k", "--memory", "-5", NULL) < 0);
	CHECK_STR_CONTAINS(err.msg, "--memory");
	CHECK(parse(&cfg, &err, "--kernel", "/k", "--memory", "99999999", NULL) < 0);
	CHECK_STR_CONTAINS(err.msg, "--memory");
	CHECK(parse(&cfg, &err, "--kernel", "/k", "--timeout", "0", NULL) < 0);
	CHECK_STR_CONTAINS(err.msg, "--timeout");
	CHECK(parse(&cfg, &err, "--kernel", "/k", "--timeout", "soon", NULL) < 0);
	CHECK(parse(&cfg, &err, "--kernel", "/k", "--bogus", NULL) < 0);
	CHECK_STR_CONTAINS(err.msg, "unknown option '--bogus'");
	CHECK(parse(&cfg, &err, "--kernel", NULL) < 0);
	CHECK_STR_CONTAINS(err.msg, "needs a value");
	CHECK(parse(&cfg, &err, "--kernel", "/k", "extra", NULL) < 0);
	CHECK_STR_CONTAINS(err.msg, "unexpected argument 'extra'");
}

TEST_LIST(T(defaults), T(all_options), T(bad_values_name_the_option));
TEST_MAIN("boot-args")
