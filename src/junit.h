#ifndef ANNAL_JUNIT_H
#define ANNAL_JUNIT_H
/*
 * The class of checks (a <testcase> of verify --format junit) a verify
 * check id belongs to: "chain" for "seqGap"; "repository" for an id of
 * no class.  annal-verify(1), "JUnit XML", lists them; a unit test
 * compares the two.
 */
const char *junit_check_class(const char *check);
#endif
