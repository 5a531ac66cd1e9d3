/* A minimal unit-test harness: each test is a function; failed checks print
 * where and what; the program prints one "ok"/"not ok" line per test (the
 * runner counts them) and exits non-zero if any failed. */
#ifndef UVM_TEST_H
#define UVM_TEST_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};

static int test_case_failed;

static inline void test_report(const char *file, int line, const char *what)
{
	printf("#   %s:%d: %s\n", file, line, what);
	test_case_failed = 1;
}

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			test_report(__FILE__, __LINE__, "CHECK(" #cond ")");   \
	} while (0)

#define CHECK_EQ(a, b)                                                         \
	do {                                                                   \
		long long _a = (long long)(a), _b = (long long)(b);            \
		if (_a != _b) {                                                \
			char _m[256];                                          \
			snprintf(_m, sizeof(_m), "%s == %s (%lld != %lld, 0x%llx != 0x%llx)", \
				 #a, #b, _a, _b, (unsigned long long)_a,       \
				 (unsigned long long)_b);                      \
			test_report(__FILE__, __LINE__, _m);                   \
		}                                                              \
	} while (0)

#define CHECK_STR_EQ(a, b)                                                     \
	do {                                                                   \
		const char *_x = (a), *_y = (b);                               \
		if (!_x || !_y || strcmp(_x, _y)) {                            \
			char _m[1200];                                         \
			snprintf(_m, sizeof(_m), "\"%.500s\" == \"%.500s\"",   \
				 _x ? _x : "(null)", _y ? _y : "(null)");      \
			test_report(__FILE__, __LINE__, _m);                   \
		}                                                              \
	} while (0)

#define CHECK_STR_CONTAINS(haystack, needle)                                   \
	do {                                                                   \
		const char *_h = (haystack), *_n = (needle);                   \
		if (!_h || !strstr(_h, _n)) {                                  \
			char _m[768];                                          \
			snprintf(_m, sizeof(_m), "\"%.500s\" contains \"%s\"", \
				 _h ? _h : "(null)", _n);                      \
			test_report(__FILE__, __LINE__, _m);                   \
		}                                                              \
	} while (0)

#define TEST_LIST(...) static const struct test_case test_cases[] = { __VA_ARGS__ }
#define T(fn) { #fn, fn }

static inline int test_run_all(const struct test_case *cases, size_t n, const char *prefix)
{
	int failed = 0;

	for (size_t i = 0; i < n; i++) {
		test_case_failed = 0;
		cases[i].fn();
		printf("%s - %s: %s\n", test_case_failed ? "not ok" : "ok", prefix, cases[i].name);
		fflush(stdout);
		failed += test_case_failed;
	}
	return failed ? 1 : 0;
}

#define TEST_MAIN(prefix)                                                      \
	int main(void)                                                         \
	{                                                                      \
		return test_run_all(test_cases, sizeof(test_cases) / sizeof(test_cases[0]), prefix); \
	}

#endif
