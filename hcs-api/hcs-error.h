/* Building libhcs error values (hcs.h's struct hcs_error) inside libhcs. */
#ifndef UVM_HCS_ERROR_H
#define UVM_HCS_ERROR_H

#include "../vmm/error.h"
#include "hcs.h"

/* Record kind, errnum and a message; returns -1 so callers can `return hcs_err(...)`.
 * err may be NULL. */
int hcs_err(struct hcs_error *err, enum hcs_error_kind kind, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* From a uvm_error: -ENOENT -> NOT_EXIST, -EOPNOTSUPP -> NOT_SUPPORTED,
 * -EINVAL/-ERANGE/... -> INVALID_DATA (when `data` is true), else SYSTEM. */
int hcs_err_from_uvm(struct hcs_error *err, const struct uvm_error *uerr, bool data);
void hcs_err_clear(struct hcs_error *err);

#endif
