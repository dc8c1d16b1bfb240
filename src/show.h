#ifndef ANNAL_SHOW_H
#define ANNAL_SHOW_H
/*
 * annal show: one record with everything a person asks of it.  Found by
 * annal_record_resolve() (resolve.h): a seq of --log (default main), a
 * full commit id or a prefix, in --log or, without it, in whichever log
 * holds it.  Then checked on its own: the record and
 * commit as verify checks each (record_check_commit()), its signature and
 * whether the log trusts its signer there, and its link to the previous
 * record (annal_chain_check()).  Not the whole chain: annal verify does
 * that.
 *
 * Costs, beyond reading the record: finding it by seq or checking the log
 * holds an id reads through the seq index (a walk down from the head when
 * there is none); in a signed log (its first record is signed), the keys
 * it trusts are read back to the latest key rotation before the record
 * (the first record when none); the records that correct it are found by
 * reading each record after it (head_seq - seq records, about as long as
 * annal log --format jsonl of them), the only way, since a correction
 * names what it corrects and nothing points the other way.
 */
#include "annal.h"

typedef struct annal_show annal_show;

typedef struct {
	const char *log;		/* NULL: main for a seq, every log for an id */
	/*
	 * an OpenSSH allowed signers file naming the signer's principals
	 * ("-": standard input); NULL: the repository's
	 * gpg.ssh.allowedSignersFile, as git reads it, if readable
	 */
	const char *allowed_signers;
} annal_show_options;
#define ANNAL_SHOW_OPTIONS_INIT { NULL, NULL }

/*
 * Find and check the record what names.  The errors of
 * annal_record_resolve(), and ANNAL_ERROR for an allowed signers file
 * given that cannot be read.  A record whose checks fail is no error:
 * annal_show_ok() says.
 */
int annal_show_find(annal_show **out, annal_repo *repo, const char *what,
		    const annal_show_options *opts);
/* 1 when its record, signature (when signed) and link check out, else 0. */
int annal_show_ok(const annal_show *s);
/*
 * Write s for people ("pretty", coloured when color is set: ids,
 * decisions, checks, diff) or as one line of JSON ("json", never
 * coloured; annal-show(1) lists the fields).  ANNAL_EINVALID for another
 * format.
 */
int annal_show_write(annal_buf *out, const annal_show *s, const char *format, int color);
void annal_show_free(annal_show *s);
/* The formats annal_show_write() takes. */
const char *const *annal_show_formats(void);
#endif
