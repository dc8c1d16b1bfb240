#ifndef ANNAL_TRANSPORT_H
#define ANNAL_TRANSPORT_H
/*
 * git's smart protocol over a program of git's own: "git receive-pack
 * <path>" for a repository on this machine, "ssh <host> git-receive-pack
 * '<path>'" for one over ssh, or over a TCP connection to git daemon
 * (see transport.c for why not libgit2's).
 */
#include <git2.h>
#include <git2/sys/transport.h>

/*
 * 1 when url is one the program transport carries: a path, file://,
 * ssh://, scp-like [user@]host:path or git://; 0 for http:// and
 * https://, which libgit2 carries itself.
 */
int transport_is_program(const char *url);

/*
 * A git_transport_cb for git_remote_callbacks.transport: the program
 * transport for the URLs above, libgit2's own for the others.
 */
int transport_for_remote(git_transport **out, git_remote *owner, void *param);

#endif
