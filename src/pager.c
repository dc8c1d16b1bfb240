#include <errno.h>
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
	git_buf core = { NULL, 0, 0 };

	*out = NULL;
	if (!v && repo && git_repository_config_snapshot(&cfg, repo->git) == 0 &&
	    git_config_get_string_buf(&core, cfg, "core.pager") == 0 && core.ptr)
		v = core.ptr;
	git_error_clear();
	if (!v)
		v = getenv("PAGER");
	if (!v)
		v = "less";
	if (!is_none(v) && !(*out = strdup(v))) {
		git_buf_dispose(&core);
		git_config_free(cfg);
		return annal_error_oom();
	}
	git_buf_dispose(&core);
	git_config_free(cfg);
	return 0;
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

int annal_pager_start(const char *cmd)
{
	int fd[2], to_err = isatty(2);
	pid_t pid;

	fflush(stdout);
	if (pipe(fd) < 0)
		return annal_error_set(ANNAL_ERROR, "cannot start the pager: %s", strerror(errno));
	if ((pid = fork()) < 0) {
		close(fd[0]);
		close(fd[1]);
		return annal_error_set(ANNAL_ERROR, "cannot start the pager: %s", strerror(errno));
	}
	if (!pid) {
		dup2(fd[0], 0);
		close(fd[0]);
		close(fd[1]);
		setenv("LESS", "FRX", 0);
		setenv("LV", "-c", 0);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fd[0]);
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
