#ifndef ANNAL_NET_H
#define ANNAL_NET_H
/*
 * What libgit2's initialisation does for network transports, deferred
 * until a network operation asks for it (see net.c; annal_net_init() in
 * annal.h).
 */

/* Record, instead of making, the calls made while on (annal_init()). */
void annal_net__defer(int on);
/* How many calls wait for annal_net_init(): 0 when none is deferred. */
int annal_net__pending(void);
/*
 * git_libgit2_shutdown(), and what it needs: the entropy context it frees
 * initialised, the calls dropped when it was the last.  Its result.
 */
int annal_net__shutdown(void);

#endif
