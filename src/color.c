#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "color.h"
#include "store.h"
#include "banned.h"

static const char *const modes[] = { "auto", "always", "never", NULL };

const char *const *annal_color_modes(void)
{
	return modes;
}

/* color.ui as git reads it: 1 always, 0 never, -1 auto (or unset, or unknown) */
static int config_color_ui(annal_repo *repo)
{
	git_config *cfg = NULL;
	git_buf v = { NULL, 0, 0 };
	int want = -1;

	if (!repo || git_repository_config_snapshot(&cfg, repo->git) < 0 ||
	    git_config_get_string_buf(&v, cfg, "color.ui") < 0 || !v.ptr) {
		git_error_clear();
		goto out;
	}
	if (!strcasecmp(v.ptr, "always"))
		want = 1;
	else if (!strcasecmp(v.ptr, "never") || !strcasecmp(v.ptr, "false") ||
		 !strcasecmp(v.ptr, "no") || !strcasecmp(v.ptr, "off") || !strcmp(v.ptr, "0"))
		want = 0;
out:
	git_buf_dispose(&v);
	git_config_free(cfg);
	return want;
}

int annal_color_want(const char *mode, annal_repo *repo, int is_tty)
{
	const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
	int want = -1;

	if (mode && !strcmp(mode, "always"))
		want = 1;
	else if (mode && !strcmp(mode, "never"))
		want = 0;
	else if (!mode)
		want = config_color_ui(repo);
	if (want >= 0)
		return want;
	/* a terminal that cannot show colours (Emacs' shell): none, as git */
	return is_tty && !(no_color && *no_color) && term && strcmp(term, "dumb");
}

const char *annal_color_decision(const char *decision)
{
	if (!decision)
		return NULL;
	if (!strcmp(decision, "blocked") || !strcmp(decision, "errored") ||
	    !strcmp(decision, "denied"))
		return ANNAL_COLOR_BAD;
	if (!strcmp(decision, "held"))
		return ANNAL_COLOR_HELD;
	if (!strcmp(decision, "allowed"))
		return ANNAL_COLOR_GOOD;
	return NULL;
}
