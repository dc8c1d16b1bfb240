/*
 * verify's fold of the leaves (src/tree.c, tree_compare_*()): the roots
 * it gives at every size, whether the leaves come oldest first, newest
 * first, or newest first and then again oldest first (verify's sweep
 * gave up), against a compact range fed in order.  No cache: a
 * repository whose directory does not exist has none.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../src/annal.h"
#include "../../src/store.h"
#include "../../src/merkle.h"
#include "../../src/tree.h"
#include "tap.h"

#define MAX 70

static unsigned char leaves[MAX][32];
static unsigned char want[MAX + 2][32];

/* roots of sizes 0..n+1 from leaves 1..n given in order dir (restart: down, then up) */
static int fold(annal_repo *repo, uint64_t n, int dir)
{
	uint64_t sizes[MAX + 2], i;
	unsigned char roots[MAX + 2][32];
	struct tree_compare tc;
	git_oid id;
	int bad = 0;

	memset(&id, 0, sizeof(id));
	memset(roots, 0xee, sizeof(roots));
	for (i = 0; i <= n + 1; i++)
		sizes[i] = i;
	if (tree_compare_open(&tc, repo, "main", sizes, n + 2) < 0)
		return -1;
	if (dir <= 0)
		for (i = n; i >= 1; i--)
			tree_compare_leaf(&tc, i, &id, leaves[i - 1]);
	if (dir >= 0)
		for (i = 1; i <= n; i++)
			tree_compare_leaf(&tc, i, &id, leaves[i - 1]);
	if (tree_compare_finish(&tc, n, roots) < 0)
		bad = -1;
	for (i = 0; !bad && i <= n; i++)
		if (memcmp(roots[i], want[i], 32))
			bad = (int)i + 1;
	/* a size past the records is left alone */
	if (!bad && roots[n + 1][0] != 0xee)
		bad = (int)n + 2;
	tree_compare_dispose(&tc);
	return bad;
}

int main(void)
{
	struct annal_repo repo;
	struct merkle_range r;
	struct tree_compare tc;
	unsigned char data[8];
	uint64_t n, sizes[1] = { 3 };
	unsigned char scratch[1][32];
	int up = 0, down = 0, again = 0, e;
	git_oid id;

	memset(&repo, 0, sizeof(repo));
	repo.path = (char *)"/nonexistent/annal-t-tree-fold";
	merkle_range_init(&r);
	merkle_range_root(want[0], &r);
	for (n = 0; n < MAX; n++) {
		memcpy(data, &n, sizeof(data));
		merkle_leaf_hash(leaves[n], data, sizeof(data));
		merkle_range_push(&r, leaves[n], NULL, NULL);
		merkle_range_root(want[n + 1], &r);
	}
	for (n = 1; n <= MAX; n++) {
		if ((e = fold(&repo, n, 1)) && !up)
			up = e < 0 ? -1 : (int)n * 1000 + e;
		if ((e = fold(&repo, n, -1)) && !down)
			down = e < 0 ? -1 : (int)n * 1000 + e;
		if ((e = fold(&repo, n, 0)) && !again)
			again = e < 0 ? -1 : (int)n * 1000 + e;
	}
	ok(!up, "oldest first: every root of every size up to %d (first wrong: %d)", MAX, up);
	ok(!down, "newest first: every root of every size up to %d (first wrong: %d)", MAX, down);
	ok(!again, "newest first, then oldest first: the fold starts over (first wrong: %d)",
	   again);

	/* a leaf out of either order is an error, not a wrong root */
	memset(&id, 0, sizeof(id));
	tree_compare_open(&tc, &repo, "main", sizes, 1);
	tree_compare_leaf(&tc, 5, &id, leaves[4]);
	tree_compare_leaf(&tc, 3, &id, leaves[2]);
	ok(tree_compare_finish(&tc, 5, scratch) < 0, "newest first with a gap: an error");
	annal_error_clear();
	tree_compare_dispose(&tc);
	tree_compare_open(&tc, &repo, "main", sizes, 1);
	for (n = 1; n <= 4; n++)
		tree_compare_leaf(&tc, n, &id, leaves[n - 1]);
	ok(tree_compare_finish(&tc, 5, scratch) < 0, "fewer records than the log's: an error");
	annal_error_clear();
	tree_compare_dispose(&tc);
	return tap_done();
}
