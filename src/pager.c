#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pager.h"
#include "store.h"
#include "banned.h"

static pid_t pager_pid;
static int gone;

/* A pager value that means none. */
static int is_none(const char *v)
{
	return !*v || !strcmp(v, "cat");
}

int annal_pager_command(char **out, annal_repo *repo)
{
	const char *v = getenv("ANNAL_PAGER");
	git_config *cfg = NULL;
	git_config_entry *e = NULL;
	char *core = NULL;
	int error = 0;

	*out = NULL;
	/* the repository's own core.pager only from a repository of ours */
	if (!v && repo && store_trusted_config(&cfg, repo) == 0 &&
	    git_config_get_entry(&e, cfg, "core.pager") == 0 && e->value &&
	    !(v = core = strdup(e->value)))
		error = annal_error_oom();
	git_config_entry_free(e);
	git_config_free(cfg);
	if (error < 0)
		goto out;
	annal_error_clear();
	git_error_clear();
	if (!v)
		v = getenv("PAGER");
	if (!v)
		v = "less";
	if (!is_none(v) && !(*out = strdup(v)))
		error = annal_error_oom();
out:
	free(core);
	return error;
}

/*
 * A signal that ends annal while the pager runs (Ctrl-C reaches both):
 * close our ends, so the pager sees the end of its input, wait for it to
 * leave the terminal as it was, then die of the signal.  Only
 * async-signal-safe calls.
 */
static void wait_then_die(int sig)
{
	int st;

	close(1);
	close(2);
	if (pager_pid > 0)
		while (waitpid(pager_pid, &st, 0) < 0 && errno == EINTR)
			;
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * A command of one word, no shell syntax, is run directly, as git runs
 * it: a pager that does not exist is then known before any output goes to
 * it, and the output stays on the terminal (through sh, it went nowhere).
 */
static int is_plain(const char *cmd)
{
	return !cmd[strcspn(cmd, "|&;<>()$`\\\"' \t\n*?[#~=%")];
}

int annal_pager_start(const char *cmd)
{
	int fd[2], errfd[2] = { -1, -1 }, to_err = isatty(2), err = 0;
	ssize_t n;
	pid_t pid;

	fflush(stdout);
	if (pipe(fd) < 0)
		return annal_error_set(ANNAL_ERROR, "cannot start the pager: %s", strerror(errno));
	/* the child writes errno there when exec fails; exec closes it */
	if (pipe2(errfd, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		err = errno;
		close(fd[0]);
		close(fd[1]);
		if (errfd[0] >= 0) {
			close(errfd[0]);
			close(errfd[1]);
		}
		return annal_error_set(ANNAL_ERROR, "cannot start the pager: %s", strerror(err));
	}
	if (!pid) {
		close(errfd[0]);
		dup2(fd[0], 0);
		close(fd[0]);
		close(fd[1]);
		setenv("LESS", "FRX", 0);
		setenv("LV", "-c", 0);
		if (is_plain(cmd))
			execlp(cmd, cmd, (char *)NULL);
		else
			execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		err = errno;
		n = write(errfd[1], &err, sizeof(err));
		(void)n;
		_exit(127);
	}
	close(fd[0]);
	close(errfd[1]);
	while ((n = read(errfd[0], &err, sizeof(err))) < 0 && errno == EINTR)
		;
	close(errfd[0]);
	if (n == (ssize_t)sizeof(err)) {
		close(fd[1]);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return annal_error_set(ANNAL_ERROR, "cannot run the pager '%s': %s", cmd,
				       strerror(err));
	}
	signal(SIGPIPE, SIG_IGN);
	dup2(fd[1], 1);
	if (to_err)
		dup2(fd[1], 2);
	close(fd[1]);
	pager_pid = pid;
	signal(SIGINT, wait_then_die);
	signal(SIGTERM, wait_then_die);
	signal(SIGHUP, wait_then_die);
	signal(SIGQUIT, wait_then_die);
	return 0;
}

int annal_pager_active(void)
{
	return pager_pid > 0;
}

int annal_pager_gone(int errnum)
{
	if (pager_pid > 0 && errnum == EPIPE)
		gone = 1;
	return gone;
}

void annal_pager_finish(void)
{
	int st;

	if (pager_pid <= 0)
		return;
	fflush(stdout);
	fflush(stderr);
	close(1);
	close(2);
	while (waitpid(pager_pid, &st, 0) < 0 && errno == EINTR)
		;
	pager_pid = 0;
}
