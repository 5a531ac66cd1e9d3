/* libhcs error values: construction, kind names and the hcsshim-style
 * predicates (hcs.h). */
#include "hcs-error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "control-wire.h"

int hcs_err(struct hcs_error *err, enum hcs_error_kind kind, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->kind = kind;
	err->errnum = errnum;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int hcs_err_from_uvm(struct hcs_error *err, const struct uvm_error *uerr, bool data)
{
	enum hcs_error_kind kind = HCS_E_SYSTEM;
	int e = -uerr->code;

	if (e == ENOENT)
		kind = HCS_E_NOT_EXIST;
	else if (e == EOPNOTSUPP)
		kind = HCS_E_NOT_SUPPORTED;
	else if (e == ETIMEDOUT)
		kind = HCS_E_TIMEOUT;
	else if (data && (e == EINVAL || e == ERANGE || e == E2BIG || e == ENAMETOOLONG ||
			  e == EEXIST || e == ENOTDIR || e == EISDIR || e == EACCES))
		kind = HCS_E_INVALID_DATA;
	return hcs_err(err, kind, e, "%s", uerr->msg[0] ? uerr->msg : strerror(e));
}

void hcs_err_clear(struct hcs_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

const char *hcs_error_kind_name(enum hcs_error_kind kind)
{
	return control_kind_name(kind);
}

#define PREDICATE(name, k) \
	bool name(const struct hcs_error *err) { return err && err->kind == (k); }
PREDICATE(hcs_is_not_exist, HCS_E_NOT_EXIST)
PREDICATE(hcs_is_already_exists, HCS_E_ALREADY_EXISTS)
PREDICATE(hcs_is_already_closed, HCS_E_ALREADY_CLOSED)
PREDICATE(hcs_is_already_stopped, HCS_E_ALREADY_STOPPED)
PREDICATE(hcs_is_pending, HCS_E_PENDING)
PREDICATE(hcs_is_timeout, HCS_E_TIMEOUT)
PREDICATE(hcs_is_not_supported, HCS_E_NOT_SUPPORTED)
PREDICATE(hcs_is_invalid_data, HCS_E_INVALID_DATA)
