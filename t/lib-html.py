#!/usr/bin/env python3
"""Check annal's HTML report with python's html.parser, for t61xx.

usage: python3 lib-html.py check FILE     exit 1 naming the first thing a
                                          report must not hold (below)
       python3 lib-html.py summary FILE   what a reader sees, one line each:
                                          scope, verdict, counts, rows

`check` refuses: an element that runs or loads anything (script, iframe,
frame, object, embed, img, link, base, form, input, button, svg, math,
audio, video, source, track, picture, template, noscript, portal), a
<meta> other than charset, the Content-Security-Policy
"default-src 'none'; style-src 'unsafe-inline'", referrer, viewport and
generator; an event handler (any attribute on*), a style attribute, an
attribute that takes a URL (src, action, formaction, srcset, background,
poster, data, xlink:href, ping) and any href but "#r<n>-<40 hex>" to an
element of the page; more or fewer than one <style> in <head>, CSS that
loads anything (url(, @import, expression(); ids that are not unique.
It works on annal's file and on a browser's serialisation of its DOM.

`summary` prints "records N", "filters TEXT", "range TEXT", "verdict
TEXT", "decision NAME N", "actor NAME N", "rest TEXT N", then for each
record row "row LOG|SEQ|TS|ACTOR|ACTION|TARGET|DECISION|REASON" (LOG
empty with one log), "anchor ID" and "link HREF" for its correction
link, "redacted PATH..." for its marks; text as a reader sees it
(references decoded), with \\n for a newline.
"""

import html.parser
import re
import sys

FORBIDDEN = {
    "script", "iframe", "frame", "frameset", "object", "embed", "img", "link",
    "base", "form", "input", "button", "svg", "math", "audio", "video",
    "source", "track", "picture", "template", "noscript", "portal", "applet",
    "textarea", "select", "image", "canvas", "dialog",
}
URL_ATTRS = {"src", "action", "formaction", "srcset", "background", "poster",
             "data", "xlink:href", "ping", "codebase", "cite", "manifest"}
CSP = "default-src 'none'; style-src 'unsafe-inline'"
ANCHOR = re.compile(r"^r[0-9]+-[0-9a-f]{40}$")
VOID = {"meta", "br", "hr", "wbr", "col", "area", "param"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children = []

    def text(self):
        out = []
        for c in self.children:
            out.append(c if isinstance(c, str) else c.text())
        return "".join(out)

    def find(self, pred):
        if pred(self):
            yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.find(pred)

    def cls(self):
        return (self.attrs.get("class") or "").split()


class Tree(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", [], None)
        self.cur = self.root
        self.starts = []

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.starts.append((tag, attrs))
        self.cur.children.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.starts.append((tag, attrs))
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not self.root and n.tag != tag:
            n = n.parent
        if n is not self.root:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def parse(path):
    with open(path, "rb") as f:
        raw = f.read()
    text = raw.decode("utf-8")          # a report is UTF-8, or this fails
    t = Tree()
    t.feed(text)
    t.close()
    return t


def fail(msg):
    sys.stderr.write("lib-html.py: %s\n" % msg)
    sys.exit(1)


def check(path):
    t = parse(path)
    ids = {}
    for tag, attrs in t.starts:
        if tag in FORBIDDEN:
            fail("a <%s> element" % tag)
        for k, v in attrs:
            if k.startswith("on"):
                fail("an event handler %s on <%s>" % (k, tag))
            if k == "style":
                fail("a style attribute on <%s>" % tag)
            if k in URL_ATTRS:
                fail("an attribute %s on <%s>" % (k, tag))
            if k == "id":
                if v in ids:
                    fail("id %r twice" % v)
                ids[v] = 1
        a = dict(attrs)
        if tag == "meta":
            if "charset" in a:
                continue
            if a.get("http-equiv", "").lower() == "content-security-policy":
                if a.get("content") != CSP:
                    fail("CSP %r" % a.get("content"))
                continue
            if a.get("name") in ("referrer", "viewport", "generator") and \
                    "http-equiv" not in a:
                continue
            fail("a <meta> %r" % a)
    csp = [1 for tag, attrs in t.starts if tag == "meta" and
           dict(attrs).get("http-equiv", "").lower() == "content-security-policy"]
    if len(csp) != 1:
        fail("%d Content-Security-Policy metas" % len(csp))
    for tag, attrs in t.starts:
        href = dict(attrs).get("href")
        if href is None:
            continue
        if tag != "a" or not href.startswith("#") or not ANCHOR.match(href[1:]):
            fail("href %r on <%s>" % (href, tag))
        if href[1:] not in ids:
            fail("href %r to no element" % href)
    styles = list(t.root.find(lambda n: n.tag == "style"))
    if len(styles) != 1 or styles[0].parent.tag != "head":
        fail("%d <style> elements, or not in <head>" % len(styles))
    css = styles[0].text().lower()
    for bad in ("url(", "@import", "expression(", "\\"):
        if bad in css:
            fail("CSS holds %r" % bad)
    print("ok")


def show(s):
    return s.replace("\\", "\\\\").replace("\n", "\\n")


def summary(path):
    t = parse(path)
    root = t.root

    def by_id(i):
        for n in root.find(lambda n: n.attrs.get("id") == i):
            return n
        fail("no element #%s" % i)

    print("records %s" % by_id("records").text())
    print("filters %s" % show(by_id("filters").text()))
    print("range %s" % show(by_id("range").text()))
    print("verdict %s" % by_id("verdict").text())
    for table, what in (("decisions", "decision"), ("actors", "actor")):
        for tr in by_id(table).find(lambda n: n.tag == "tr"):
            cells = [c for c in tr.children if isinstance(c, Node)]
            if len(cells) != 2 or cells[0].tag != "th" or tr.parent.tag == "thead":
                continue
            name = show(cells[0].text())
            if "rest" in tr.cls():
                print("rest %s %s" % (name, cells[1].text()))
            else:
                print("%s %s %s" % (what, name, cells[1].text()))
    for tr in root.find(lambda n: n.tag == "tr" and "record" in n.cls()):
        cells = {}
        for td in tr.children:
            if isinstance(td, Node):
                for c in td.cls():
                    cells.setdefault(c, td)
        def cell(c, drop=()):
            n = cells.get(c)
            if n is None:
                return ""
            parts = []
            for ch in n.children:
                if isinstance(ch, str):
                    parts.append(ch)
                elif not set(ch.cls()) & set(drop):
                    parts.append(ch.text())
            return show("".join(parts))
        print("row %s|%s|%s|%s|%s|%s|%s|%s" % (
            cell("log"), cell("seq"), cell("ts"), cell("actor"), cell("action"),
            cell("target"), cell("decision", ("redacted",)),
            cell("reason", ("corrects",))))
        print("anchor %s" % tr.attrs.get("id"))
        for a in tr.find(lambda n: n.tag == "a"):
            print("link %s" % a.attrs.get("href"))
        for m in tr.find(lambda n: "redacted" in n.cls() and n.tag == "span"):
            paths = [c.text() for c in m.children if isinstance(c, Node)]
            print("redacted %s" % " ".join(show(p) for p in paths))
        for m in tr.find(lambda n: "corrects" in n.cls()):
            print("corrects %s" % show(m.text()))


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("check", "summary"):
        sys.stderr.write(__doc__)
        sys.exit(2)
    (check if sys.argv[1] == "check" else summary)(sys.argv[2])


if __name__ == "__main__":
    main()
