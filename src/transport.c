/*
 * The program transport: git's smart protocol spoken with a program of
 * git's own, as git itself does for these URLs.
 *
 * libgit2 1.5 pushes to a repository on this machine (a path, file://)
 * by writing the objects and moving the refs itself: receive-pack never
 * runs, so neither does the central repository's pre-receive hook, and
 * annal push would land records the central check never saw.  Its ssh
 * transport (libssh2) reads neither ~/.ssh/config nor known_hosts: it
 * accepts any host key unless the application checks it.  So for a
 * path, file://, ssh:// and scp-like [user@]host:path, annal runs what
 * git runs, "git receive-pack <path>" or "ssh [-p <port>] <host>
 * git-receive-pack '<path>'" ($GIT_SSH_COMMAND, else core.sshCommand,
 * in place of ssh, as git reads them), and libgit2's smart protocol
 * talks to it over a socket pair.  The hook runs, git's quarantine holds the objects until it
 * accepts, and ssh checks the host key, uses the agent and the user's
 * configuration.  git:// is a TCP connection to git's daemon carrying
 * the same protocol: annal opens it too (libgit2 1.5 leaks its stream
 * when the daemon cannot be reached, which a timer would repeat every
 * minute).  http(s):// stays libgit2's.
 *
 * The program's standard error is read while its output is awaited and
 * its last line kept: when the program ends early (no such repository,
 * ssh cannot connect), that line is the error libgit2 reports.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <netdb.h>
#include <unistd.h>

#include "store.h"
#include "transport.h"
#include "banned.h"

extern char **environ;

struct prog_stream {
	git_smart_subtransport_stream parent;
	pid_t pid;
	int fd;			/* our end of the program's stdin and stdout */
	int err;		/* its stderr; -1 once at its end */
	char name[300];		/* "git receive-pack", "ssh", "git://host:port" */
	char tail[512];		/* the end of what it wrote to stderr */
	size_t tail_len;
	int failed;
};

struct prog_subtransport {
	git_smart_subtransport parent;
	struct prog_stream *current;
	char *ssh_command;	/* core.sshCommand, or NULL */
};

/* Where a URL points: host (NULL for this machine), port, path. */
struct prog_url {
	char *user_host;
	char *port;
	char *path;
	int daemon;	/* git://: a TCP connection to git daemon */
};

static int has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static int is_ssh_scheme(const char *url)
{
	return has_prefix(url, "ssh://") || has_prefix(url, "git+ssh://") ||
	       has_prefix(url, "ssh+git://");
}

static int is_network_scheme(const char *url)
{
	return is_ssh_scheme(url) || has_prefix(url, "git://");
}

/* [user@]host:path, git's test: a ':' before any '/' */
static int is_scp_like(const char *url)
{
	const char *colon = strchr(url, ':'), *slash = strchr(url, '/');

	return colon && colon != url && (!slash || colon < slash);
}

int transport_is_program(const char *url)
{
	if (has_prefix(url, "file://") || is_network_scheme(url))
		return 1;
	return !strstr(url, "://");
}

static void prog_url_dispose(struct prog_url *u)
{
	free(u->user_host);
	free(u->port);
	free(u->path);
}

static char *dup_n(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static int prog_url_parse(struct prog_url *u, const char *url)
{
	const char *p, *slash, *colon, *host, *close;

	memset(u, 0, sizeof(*u));
	if (has_prefix(url, "file://")) {
		u->path = strdup(url + strlen("file://"));
	} else if (is_network_scheme(url)) {
		u->daemon = has_prefix(url, "git://");
		p = strstr(url, "://") + 3;
		if (!(slash = strchr(p, '/')) || slash == p)
			goto bad;
		for (host = slash; host > p && host[-1] != '@'; host--)
			;
		if (*host == '[') {
			/* an IPv6 address, [::1]: "::1" to ssh, as git gives it */
			if (!(close = memchr(host, ']', (size_t)(slash - host))) ||
			    (close + 1 < slash && close[1] != ':'))
				goto bad;
			colon = close + 1 < slash ? close + 1 : NULL;
			u->user_host = malloc((size_t)(close - p));
			if (u->user_host) {
				memcpy(u->user_host, p, (size_t)(host - p));
				memcpy(u->user_host + (host - p), host + 1, (size_t)(close - host - 1));
				u->user_host[close - p - 1] = '\0';
			}
		} else {
			colon = memchr(host, ':', (size_t)(slash - host));
			u->user_host = dup_n(p, (size_t)((colon ? colon : slash) - p));
		}
		if (colon && colon + 1 < slash)
			u->port = dup_n(colon + 1, (size_t)(slash - colon - 1));
		/* ssh://host/~user/x is ~user/x there, as git reads it */
		u->path = strdup(slash[1] == '~' ? slash + 1 : slash);
		if (!u->user_host || (colon && colon + 1 < slash && !u->port))
			goto oom;
	} else if (is_scp_like(url)) {
		colon = strchr(url, ':');
		u->user_host = dup_n(url, (size_t)(colon - url));
		u->path = strdup(colon + 1);
		if (!u->user_host)
			goto oom;
	} else {
		u->path = strdup(url);
	}
	if (!u->path)
		goto oom;
	/* "-oProxyCommand=..." as a host is an option to ssh, not a host */
	if (!*u->path || (u->user_host && (!*u->user_host || u->user_host[0] == '-' ||
					    strchr(u->user_host, '@') == u->user_host)) ||
	    (u->port && strspn(u->port, "0123456789") != strlen(u->port)))
		goto bad;
	return 0;
bad:
	prog_url_dispose(u);
	git_error_set_str(GIT_ERROR_NET, "cannot parse the remote's URL");
	return -1;
oom:
	prog_url_dispose(u);
	git_error_set_oom();
	return -1;
}

/* "git-receive-pack '<path>'" for the remote shell, quoted as git does */
static char *remote_command(const char *service, const char *path)
{
	size_t n = strlen("git-") + strlen(service) + 4, i;
	char *out, *q;

	for (i = 0; path[i]; i++)
		n += (path[i] == '\'' || path[i] == '!') ? 4 : 1;
	if (!(out = malloc(n)))
		return NULL;
	q = out;
	memcpy(q, "git-", 4);
	q += 4;
	memcpy(q, service, strlen(service));
	q += strlen(service);
	*q++ = ' ';
	*q++ = '\'';
	for (i = 0; path[i]; i++) {
		if (path[i] == '\'' || path[i] == '!') {
			*q++ = '\'';
			*q++ = '\\';
			*q++ = path[i];
			*q++ = '\'';
		} else {
			*q++ = path[i];
		}
	}
	*q++ = '\'';
	*q = '\0';
	return out;
}

/* Keep the end of the program's stderr; 0 at its end. */
static int drain_err(struct prog_stream *s)
{
	char buf[512];
	ssize_t n = read(s->err, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n <= 0) {
		close(s->err);
		s->err = -1;
		return 0;
	}
	if ((size_t)n >= sizeof(s->tail)) {
		memcpy(s->tail, buf + n - (sizeof(s->tail) - 1), sizeof(s->tail) - 1);
		s->tail_len = sizeof(s->tail) - 1;
	} else {
		if (s->tail_len + (size_t)n >= sizeof(s->tail)) {
			size_t drop = s->tail_len + (size_t)n - (sizeof(s->tail) - 1);
			memmove(s->tail, s->tail + drop, s->tail_len - drop);
			s->tail_len -= drop;
		}
		memcpy(s->tail + s->tail_len, buf, (size_t)n);
		s->tail_len += (size_t)n;
	}
	s->tail[s->tail_len] = '\0';
	return 1;
}

/* Wait for the program; its exit status as waitpid() gives it, or -1. */
static int reap(struct prog_stream *s)
{
	int status = -1;

	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
	while (s->err >= 0 && drain_err(s))
		;
	if (s->pid > 0) {
		while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
			;
		s->pid = 0;
	}
	return status;
}

/* The program ended or the connection broke: say why, from its stderr. */
static int prog_failed(struct prog_stream *s)
{
	char line[512], *start, *end;
	int status;

	if (s->failed)
		return -1;
	s->failed = 1;
	status = reap(s);
	/* its last line that is not empty */
	end = s->tail + s->tail_len;
	while (end > s->tail && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	start = end;
	while (start > s->tail && start[-1] != '\n')
		start--;
	snprintf(line, sizeof(line), "%.*s", (int)(end - start), start);
	if (*line)
		git_error_set(GIT_ERROR_NET, "%s: %s", s->name, line);
	else if (s->err < 0 && status == -1)
		/* git daemon says nothing when it refuses */
		git_error_set(GIT_ERROR_NET, "%s closed the connection (no such repository, "
			      "or receive-pack not enabled there?)", s->name);
	else if (WIFEXITED(status))
		git_error_set(GIT_ERROR_NET, "%s exited with status %d", s->name,
			      WEXITSTATUS(status));
	else
		git_error_set(GIT_ERROR_NET, "%s ended before the push was done", s->name);
	return -1;
}

/*
 * Wait until the socket is ready for events, reading the program's
 * stderr meanwhile: a program that logs while it relays (ssh -v, a
 * wrapper) would otherwise block on a full stderr pipe and stop reading
 * what we send, and both would wait for ever.  0 when ready, -1 on error.
 */
static int wait_ready(struct prog_stream *s, short events)
{
	struct pollfd p[2];

	for (;;) {
		p[0].fd = s->fd;
		p[0].events = events;
		p[1].fd = s->err;
		p[1].events = POLLIN;
		p[0].revents = p[1].revents = 0;
		if (poll(p, s->err >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			git_error_set(GIT_ERROR_OS, "poll: %s", strerror(errno));
			return -1;
		}
		if (s->err >= 0 && p[1].revents)
			drain_err(s);
		if (p[0].revents)
			return 0;
	}
}

static int prog_read(git_smart_subtransport_stream *stream, char *buffer, size_t size,
		     size_t *bytes_read)
{
	struct prog_stream *s = (struct prog_stream *)stream;
	ssize_t n;

	*bytes_read = 0;
	if (s->failed)
		return -1;
	for (;;) {
		if (wait_ready(s, POLLIN) < 0)
			return -1;
		n = recv(s->fd, buffer, size, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (n <= 0)
			return prog_failed(s);
		*bytes_read = (size_t)n;
		return 0;
	}
}

static int prog_write(git_smart_subtransport_stream *stream, const char *buffer, size_t len)
{
	struct prog_stream *s = (struct prog_stream *)stream;
	ssize_t n;

	if (s->failed)
		return -1;
	while (len) {
		if (wait_ready(s, POLLOUT) < 0)
			return -1;
		/* a socket, not a pipe: no SIGPIPE when the program is gone */
		n = send(s->fd, buffer, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (n <= 0)
			return prog_failed(s);
		buffer += n;
		len -= (size_t)n;
	}
	return 0;
}

static void prog_stream_free(git_smart_subtransport_stream *stream)
{
	struct prog_stream *s = (struct prog_stream *)stream;
	struct prog_subtransport *t;

	if (!s)
		return;
	t = (struct prog_subtransport *)s->parent.subtransport;
	t->current = NULL;
	reap(s);
	free(s);
}

/*
 * What git unsets for the program it runs for a transport (its
 * local_repo_env): they name this process's repository, and annal may run
 * with them set (from a git hook, where GIT_DIR is set, or with the
 * objects of a push in quarantine).  "git receive-pack <path>" would
 * otherwise write the pushed objects to GIT_OBJECT_DIRECTORY and move the
 * central ref to objects it does not hold.
 */
static const char *const repo_env[] = {
	"GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_CONFIG",
	"GIT_CONFIG_COUNT", "GIT_CONFIG_PARAMETERS", "GIT_DIR", "GIT_GRAFT_FILE",
	"GIT_IMPLICIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_NO_REPLACE_OBJECTS",
	"GIT_OBJECT_DIRECTORY", "GIT_PREFIX", "GIT_QUARANTINE_PATH",
	"GIT_REPLACE_REF_BASE", "GIT_SHALLOW_FILE", "GIT_WORK_TREE", NULL
};

static int is_repo_env(const char *entry)
{
	size_t i, n = strcspn(entry, "=");

	for (i = 0; repo_env[i]; i++)
		if (strlen(repo_env[i]) == n && !strncmp(entry, repo_env[i], n))
			return 1;
	return 0;
}

/* Run argv with its stdin and stdout on a socket, its stderr on a pipe. */
static int prog_start(struct prog_stream *s, char *const argv[])
{
	posix_spawn_file_actions_t fa;
	char **env = NULL;
	size_t n = 0, i;
	int sv[2] = { -1, -1 }, ep[2] = { -1, -1 }, error = -1, rc;

	while (environ[n])
		n++;
	if (!(env = calloc(n + 1, sizeof(*env)))) {
		git_error_set_oom();
		return -1;
	}
	for (i = n = 0; environ[i]; i++)
		if (!is_repo_env(environ[i]))
			env[n++] = environ[i];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
	    pipe2(ep, O_CLOEXEC) < 0) {
		git_error_set(GIT_ERROR_OS, "cannot make a socket for %s: %s", s->name,
			      strerror(errno));
		goto out;
	}
	if ((rc = posix_spawn_file_actions_init(&fa))) {
		git_error_set(GIT_ERROR_OS, "cannot run %s: %s", s->name, strerror(rc));
		goto out;
	}
	if (!(rc = posix_spawn_file_actions_adddup2(&fa, sv[1], 0)) &&
	    !(rc = posix_spawn_file_actions_adddup2(&fa, sv[1], 1)) &&
	    !(rc = posix_spawn_file_actions_adddup2(&fa, ep[1], 2)))
		rc = posix_spawnp(&s->pid, argv[0], &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	if (rc) {
		s->pid = 0;
		git_error_set(GIT_ERROR_OS, "cannot run %s: %s", s->name, strerror(rc));
		goto out;
	}
	s->fd = sv[0];
	s->err = ep[0];
	sv[0] = ep[0] = -1;
	error = 0;
out:
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (ep[0] >= 0)
		close(ep[0]);
	if (ep[1] >= 0)
		close(ep[1]);
	free(env);
	return error;
}

/*
 * git://: connect to git daemon and ask for the service, as git does:
 * a pkt-line "git-receive-pack <path>\0host=<host>\0".
 */
static int daemon_open(struct prog_stream *s, const struct prog_url *u, const char *service)
{
	struct addrinfo hints, *ai = NULL, *a;
	char body[4096], req[4 + sizeof(body)], hex[5];
	const char *port = u->port ? u->port : "9418";
	int fd = -1, rc, n, saved = 0;

	snprintf(s->name, sizeof(s->name), "git://%s:%s", u->user_host, port);
	n = snprintf(body, sizeof(body), "git-%s %s%chost=%s%s%s%c", service, u->path, 0,
		     u->user_host, u->port ? ":" : "", u->port ? u->port : "", 0);
	if (n < 0 || (size_t)n >= sizeof(body)) {
		git_error_set_str(GIT_ERROR_NET, "the remote's URL is too long");
		return -1;
	}
	/* the length counts its own four hex digits */
	snprintf(hex, sizeof(hex), "%04x", (unsigned)n + 4);
	memcpy(req, hex, 4);
	memcpy(req + 4, body, (size_t)n);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(u->user_host, port, &hints, &ai))) {
		git_error_set(GIT_ERROR_NET, "cannot resolve '%s': %s", u->user_host,
			      gai_strerror(rc));
		return -1;
	}
	for (a = ai; a; a = a->ai_next) {
		if ((fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol)) < 0) {
			saved = errno;
			continue;
		}
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0) {
		git_error_set(GIT_ERROR_NET, "cannot connect to %s: %s", s->name, strerror(saved));
		return -1;
	}
	s->fd = fd;
	return prog_write(&s->parent, req, (size_t)n + 4);
}

static int prog_open(struct prog_subtransport *t, const char *url, const char *service,
		     git_smart_subtransport_stream **out)
{
	struct prog_url u;
	struct prog_stream *s = NULL;
	const char *argv[10], *ssh_command = getenv("GIT_SSH_COMMAND");
	char *command = NULL;
	int argc = 0, error = -1;

	if (prog_url_parse(&u, url) < 0)
		return -1;
	/* as git: $GIT_SSH_COMMAND, else core.sshCommand, else ssh */
	if (!ssh_command || !*ssh_command)
		ssh_command = t->ssh_command;
	if (!(s = calloc(1, sizeof(*s)))) {
		git_error_set_oom();
		goto out;
	}
	s->parent.subtransport = &t->parent;
	s->parent.read = prog_read;
	s->parent.write = prog_write;
	s->parent.free = prog_stream_free;
	s->fd = s->err = -1;
	if (u.daemon) {
		if ((error = daemon_open(s, &u, service)) < 0) {
			reap(s);
			goto out;
		}
		t->current = s;
		*out = &s->parent;
		s = NULL;
		goto out;
	}
	if (!u.user_host) {
		snprintf(s->name, sizeof(s->name), "git %s", service);
		argv[argc++] = "git";
		argv[argc++] = service;
		argv[argc++] = u.path;
	} else {
		snprintf(s->name, sizeof(s->name), "ssh");
		if (!(command = remote_command(service, u.path))) {
			git_error_set_oom();
			goto out;
		}
		if (ssh_command && *ssh_command) {
			/* as git runs it: a shell command, the arguments after it */
			argv[argc++] = "/bin/sh";
			argv[argc++] = "-c";
			argv[argc++] = ssh_command;
			argv[argc++] = ssh_command;
			/* "$@" is appended below by the shell only if asked */
		} else {
			argv[argc++] = "ssh";
		}
		if (u.port) {
			argv[argc++] = "-p";
			argv[argc++] = u.port;
		}
		argv[argc++] = u.user_host;
		argv[argc++] = command;
	}
	argv[argc] = NULL;
	if (u.user_host && ssh_command && *ssh_command) {
		/* sh -c '<cmd> "$@"' <cmd> args...: the command gets the arguments */
		char *wrapped = malloc(strlen(ssh_command) + sizeof(" \"$@\""));

		if (!wrapped) {
			git_error_set_oom();
			goto out;
		}
		memcpy(wrapped, ssh_command, strlen(ssh_command));
		memcpy(wrapped + strlen(ssh_command), " \"$@\"", sizeof(" \"$@\""));
		argv[2] = wrapped;
		error = prog_start(s, (char *const *)argv);
		free(wrapped);
	} else {
		error = prog_start(s, (char *const *)argv);
	}
	if (error < 0)
		goto out;
	t->current = s;
	*out = &s->parent;
	s = NULL;
out:
	free(s);
	free(command);
	prog_url_dispose(&u);
	return error;
}

static int prog_action(git_smart_subtransport_stream **out, git_smart_subtransport *sub,
		       const char *url, git_smart_service_t action)
{
	struct prog_subtransport *t = (struct prog_subtransport *)sub;

	*out = NULL;
	switch (action) {
	case GIT_SERVICE_UPLOADPACK_LS:
		return prog_open(t, url, "upload-pack", out);
	case GIT_SERVICE_RECEIVEPACK_LS:
		return prog_open(t, url, "receive-pack", out);
	case GIT_SERVICE_UPLOADPACK:
	case GIT_SERVICE_RECEIVEPACK:
		/* the same conversation as the advertisement before it */
		if (t->current) {
			*out = &t->current->parent;
			return 0;
		}
		break;
	}
	git_error_set_str(GIT_ERROR_NET, "no connection to the remote");
	return -1;
}

static int prog_close(git_smart_subtransport *sub)
{
	(void)sub;
	return 0;
}

static void prog_free(git_smart_subtransport *sub)
{
	struct prog_subtransport *t = (struct prog_subtransport *)sub;

	free(t->ssh_command);
	free(t);
}

/* param: core.sshCommand, or NULL */
static int prog_subtransport_new(git_smart_subtransport **out, git_transport *owner, void *param)
{
	struct prog_subtransport *t;

	(void)owner;
	if (!(t = calloc(1, sizeof(*t))) ||
	    (param && !(t->ssh_command = strdup(param)))) {
		free(t);
		git_error_set_oom();
		return -1;
	}
	t->parent.action = prog_action;
	t->parent.close = prog_close;
	t->parent.free = prog_free;
	*out = &t->parent;
	return 0;
}

int transport_for_remote(git_transport **out, git_remote *owner, void *param)
{
	git_smart_subtransport_definition program = { prog_subtransport_new, 0, NULL };
	const char *url = git_remote_pushurl(owner) ? git_remote_pushurl(owner) : git_remote_url(owner);
	git_repository *repo = git_remote_owner(owner);
	git_config *cfg = NULL;
	git_buf command = { NULL, 0, 0 };
	int error;

	(void)param;
	if (!transport_is_program(url))
		return git_transport_new(out, owner, url);
	/* the subtransport, made now, keeps its own copy */
	/* a command from the repository's config only when it is ours */
	if (repo && store_trusted_git_config(&cfg, repo) == 0 &&
	    git_config_get_string_buf(&command, cfg, "core.sshCommand") == 0 &&
	    command.ptr && *command.ptr)
		program.param = command.ptr;
	annal_error_clear();
	git_error_clear();
	error = git_transport_smart(out, owner, &program);
	git_buf_dispose(&command);
	git_config_free(cfg);
	return error;
}
