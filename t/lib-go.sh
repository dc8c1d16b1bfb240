# lib-go.sh - building the Go programs of t/go/ (t93xx)
#
# SPDX-License-Identifier: MIT
#
# Source after test-lib.sh.  The programs check annal with code that is
# not annal's: Go's golang.org/x/mod/sumdb (note, tlog), from Debian's
# golang-go and golang-golang-x-mod-dev, built offline (GOPATH mode, no
# module download) with a cache in the trash directory.

# go_build NAME: build t/go/NAME/main.go into $TRASH_DIRECTORY/go-NAME;
# fails (so a prerequisite built on it does not hold) without Go or the
# x/mod sources.
go_build () {
	command -v go >/dev/null &&
	mkdir -p "$TRASH_DIRECTORY/gocache" &&
	GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= \
	GOCACHE="$TRASH_DIRECTORY/gocache" \
		go build -o "$TRASH_DIRECTORY/go-$1" "$ANNAL_SOURCE_DIR/t/go/$1/main.go"
}
