#ifndef ANNAL_RESOLVE_H
#define ANNAL_RESOLVE_H
/*
 * A record named on the command line, the one rule of annal show and
 * annal log --related (annal-show(1) "Naming a record"):
 *
 *   seq:<n>     the record of the log with seq n, nothing else;
 *   <digits>    a seq (decimal, no leading zero) of the log and an id
 *               prefix (4 digits or more) both: a seq the log has wins,
 *               unless the digits are also the prefix of one other
 *               record's id (in the log, or in any log when none is
 *               given), which is ambiguous and refused;
 *   <hex>       4 to 40 hex digits, either case: the record whose id
 *               they begin, if no other object's id begins with them.
 *
 * Costs: a full id is read directly; a seq, and whether a log holds an
 * id, through the seq index (a walk down from the head without one); an
 * id of no log given, the same for each log until one holds it.
 */
#include "annal.h"

/*
 * The record what names in log (NULL: "main" for a seq, any log for an
 * id), and with log_out the name of its log (caller frees).
 * ANNAL_EINVALID for what that is no seq and no 4 to 40 hex digits, a
 * prefix several objects share, or digits both a seq and another
 * record's prefix; ANNAL_ENOTFOUND for no such log, a seq it does not
 * have, an id of no record or of a record of no log (or of another log
 * than log); ANNAL_ECORRUPT for an id of a commit whose record cannot
 * be read.
 */
int annal_record_resolve(annal_record **out, char **log_out, annal_repo *repo,
			 const char *log, const char *what);

/* The record of log at seq (through the index), or ANNAL_ENOTFOUND. */
int resolve_seq(annal_record **out, annal_repo *repo, const char *log, uint64_t seq);

/*
 * 1 when rec (read by its id) is the record of log at its seq, 0 when
 * not (no error left set), else an error.
 */
int resolve_in_log(annal_repo *repo, const char *log, const annal_record *rec);
#endif
