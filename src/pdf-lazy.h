#ifndef ANNAL_PDF_LAZY_H
#define ANNAL_PDF_LAZY_H
/*
 * cairo and pango, loaded on the first PDF export.  They pull in glib,
 * fontconfig, freetype, harfbuzz and a dozen more libraries, which would
 * cost every annal process milliseconds at start for a format few
 * exports use.  pdf.c calls them through this table (pl.<name>), filled
 * by pdf_load(); configure only checks that the headers are there.
 */
#include <cairo.h>
#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#define ANNAL_CAIRO_FUNCTIONS(X) \
	X(cairo_create) X(cairo_destroy) X(cairo_fill) X(cairo_line_to) X(cairo_move_to) \
	X(cairo_pdf_surface_create_for_stream) X(cairo_pdf_surface_set_metadata) \
	X(cairo_rectangle) X(cairo_set_line_width) X(cairo_set_source_rgb) X(cairo_show_page) \
	X(cairo_status) X(cairo_status_to_string) X(cairo_stroke) X(cairo_surface_destroy) \
	X(cairo_surface_finish) X(cairo_surface_status)
#define ANNAL_PANGO_FUNCTIONS(X) \
	X(pango_attr_foreground_new) X(pango_attr_list_insert) X(pango_attr_list_new) \
	X(pango_attr_list_unref) X(pango_layout_set_attributes) X(pango_font_description_free) X(pango_font_description_from_string) \
	X(pango_layout_set_ellipsize) X(pango_layout_set_font_description) \
	X(pango_layout_set_single_paragraph_mode) X(pango_layout_set_text) \
	X(pango_layout_set_width)
#define ANNAL_PANGOCAIRO_FUNCTIONS(X) \
	X(pango_cairo_create_layout) X(pango_cairo_show_layout)
#define ANNAL_GOBJECT_FUNCTIONS(X) \
	X(g_object_unref)

struct pdf_lazy {
#define FIELD(name) __typeof__(&name) name;
	ANNAL_CAIRO_FUNCTIONS(FIELD)
	ANNAL_PANGO_FUNCTIONS(FIELD)
	ANNAL_PANGOCAIRO_FUNCTIONS(FIELD)
	ANNAL_GOBJECT_FUNCTIONS(FIELD)
#undef FIELD
};
extern struct pdf_lazy pl;

/*
 * 0, or ANNAL_ERROR saying which package to install.  For the tests,
 * $ANNAL_TEST_CAIRO_SONAME replaces cairo's soname (a name that does not
 * exist simulates a machine without cairo).
 */
int pdf_load(void);
#endif
