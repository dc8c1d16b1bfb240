#ifndef ANNAL_WALK_H
#define ANNAL_WALK_H
#include "annal.h"

/*
 * Read in the caller's thread only: a merge of many logs walks them side
 * by side, and a thread each would be as many threads as logs.
 */
void walk_no_read_ahead(annal_walk *w);
#endif
