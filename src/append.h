#ifndef ANNAL_APPEND_H
#define ANNAL_APPEND_H
#include "annal.h"

/*
 * Append annal's own records (an export record, say): fields only annal
 * may set are allowed; with sign_if_signed, the signer is used only when
 * the log is a signed one.
 */
int append_internal(annal_repo *repo, const annal_append_options *opts,
		    annal_draft *const *drafts, size_t n, char (*ids_out)[41],
		    int sign_if_signed);

/*
 * Who acts, for annal's own records (export, key rotation): given (--as,
 * --actor), else annal.actor from git config (the repository's, the
 * user's or the system's), else the user the process runs as and the
 * host, "user@host", as git makes up a committer from the account.  Each
 * is only what the one running annal says or is allowed to be.
 */
int acting_user(annal_buf *out, annal_repo *repo, const char *given);

/* The bundle member that holds a format's output, or NULL. */
const char *export_format_member(const char *format);
/* The formats that are reports (html, ...), NULL-terminated: one member each. */
const char *const *export_report_formats(void);
#endif
