#ifndef ANNAL_PAGER_H
#define ANNAL_PAGER_H
/*
 * A pager for output meant for people, as git runs one: the command is
 * $ANNAL_PAGER, else the repository's core.pager, else $PAGER, else
 * "less"; "cat" or an empty value means no pager.  A core.pager from the
 * config of a repository we do not own (git's safe.directory rule) is
 * ignored: the repository's owner does not choose what we run.  The caller decides
 * whether to page at all (standard output a terminal, no --no-pager).
 *
 * The pager runs as "/bin/sh -c <command>" (a command of one word and no
 * shell syntax directly, as git runs it, so that one not found leaves
 * the output on the terminal) reading a pipe that becomes
 * our standard output (and standard error, when that is a terminal), with
 * LESS=FRX and LV=-c set when unset, so that less quits when the text
 * fits on the screen, passes colours and leaves the screen as it was.
 * While it runs SIGPIPE is ignored: a pager that quits early (q in less)
 * makes writes fail with EPIPE, which annal_pager_gone() then reports,
 * and the command stops writing and exits 0.
 */
#include "annal.h"

/*
 * The pager command for repo (may be NULL) into *out (malloc'd), or NULL
 * for none.  0 or ANNAL_ENOMEM.
 */
int annal_pager_command(char **out, annal_repo *repo);
/*
 * Start cmd and point standard output at it.  ANNAL_ERROR (and output
 * left where it was) when it cannot be started.
 */
int annal_pager_start(const char *cmd);
/* Is a pager running? */
int annal_pager_active(void);
/* Did the pager go away (a write failed with EPIPE)?  Records it when errnum says so. */
int annal_pager_gone(int errnum);
/*
 * Flush and close our ends of the pipe, wait for the pager to exit.
 * Nothing when none was started.
 */
void annal_pager_finish(void);
#endif
