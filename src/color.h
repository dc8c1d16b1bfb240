#ifndef ANNAL_COLOR_H
#define ANNAL_COLOR_H
/*
 * Colour for people on a terminal, as git decides it: --color=auto,
 * always or never; else the repository's color.ui (git config: auto,
 * always, never, true, false); else auto.  auto colours when standard
 * output is a terminal (also when a pager reads it: the caller asks
 * before starting one), NO_COLOR is unset or empty and TERM is set and
 * not "dumb", as git's check_auto_color() asks.  Machine formats
 * (json, jsonl, csv, otlp-json, ...) are never coloured: the caller asks
 * only for pretty, oneline and show's pretty.
 */
#include "annal.h"

#define ANNAL_COLOR_RESET "\033[m"
#define ANNAL_COLOR_ID "\033[33m"		/* yellow, like git's commit ids */
#define ANNAL_COLOR_BAD "\033[31m"		/* blocked, errored; a failed check */
#define ANNAL_COLOR_HELD "\033[33m"		/* held */
#define ANNAL_COLOR_GOOD "\033[32m"		/* allowed; a check passed */
#define ANNAL_COLOR_ADDED "\033[32m"
#define ANNAL_COLOR_REMOVED "\033[31m"
#define ANNAL_COLOR_CHANGED "\033[36m"

/* The names --color takes: "auto", "always", "never". */
const char *const *annal_color_modes(void);
/*
 * Should output be coloured?  mode is --color's value or NULL (not
 * given); repo (may be NULL) holds color.ui; is_tty whether standard
 * output is a terminal.  1 or 0.
 */
int annal_color_want(const char *mode, annal_repo *repo, int is_tty);
/* Colour ids and decisions in the pretty and oneline formats (0: none). */
void annal_formatter_set_color(annal_formatter *f, int on);
/* The colour of a decision ("blocked", "held", ...), or NULL for none. */
const char *annal_color_decision(const char *decision);
#endif
