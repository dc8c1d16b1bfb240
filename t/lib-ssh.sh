# lib-ssh.sh - helpers for the signing tests (t4xxx)
#
# SPDX-License-Identifier: MIT
#
# Source after test-lib.sh.  Everything here checks annal from the
# outside with stock tools: ssh-keygen, git and python3.
#
# Prerequisites: SSHKEYGEN (ssh-keygen makes ed25519 keys and speaks
# -Y sign/verify), GITSSH (git verifies SSH-signed commits), SSHAGENT
# (ssh-agent and ssh-add), plus PYTHON3 and GIT from test-lib.sh.

# No agent of the caller's leaks into the tests.
unset SSH_AUTH_SOCK SSH_AGENT_PID

test_lazy_prereq SSHKEYGEN '
	ssh-keygen -q -t ed25519 -N "" -C probe -f k </dev/null &&
	echo probe >msg &&
	ssh-keygen -Y sign -n probe -f k msg 2>/dev/null &&
	printf "probe %s\n" "$(cut -d" " -f1,2 k.pub)" >allowed &&
	ssh-keygen -Y verify -f allowed -I probe -n probe -s msg.sig <msg
'

test_lazy_prereq GITSSH '
	ssh-keygen -q -t ed25519 -N "" -C probe -f k </dev/null &&
	git init -q --bare r.git &&
	t=$(git -C r.git hash-object -t tree -w --stdin </dev/null) &&
	c=$(git -C r.git -c gpg.format=ssh -c user.signingkey="$PWD/k" \
		commit-tree -S -m probe "$t") &&
	printf "probe %s\n" "$(cut -d" " -f1,2 k.pub)" >allowed &&
	git -C r.git -c gpg.ssh.allowedSignersFile="$PWD/allowed" verify-commit "$c"
'

test_lazy_prereq SSHAGENT '
	command -v ssh-agent && command -v ssh-add
'

# Every signing test reads the repository with stock git.
if ! test_have_prereq GIT
then
	skip_all='git is not available'
	test_done
fi

# ssh_key NAME [COMMENT]: a fresh unencrypted ed25519 key pair NAME and
# NAME.pub made by ssh-keygen (mode 0600).
ssh_key () {
	ssh-keygen -q -t ed25519 -N "" -C "${2:-$1}" -f "$1" </dev/null
}

# ssh_vector_key NAME: the test vector key pair t/vectors/test_ed25519
# copied to NAME and NAME.pub, the private key chmod 600.
ssh_vector_key () {
	cp "$TEST_DIRECTORY/vectors/test_ed25519" "$1" &&
	cp "$TEST_DIRECTORY/vectors/test_ed25519.pub" "$1.pub" &&
	chmod 600 "$1" &&
	chmod 644 "$1.pub"
}

# ssh_pub FILE.pub: its "ssh-ed25519 AAAA..." without the comment.
ssh_pub () {
	cut -d" " -f1,2 "$1"
}

# ssh_fp FILE: the SHA256:... fingerprint of a key file.
ssh_fp () {
	ssh-keygen -l -f "$1" | cut -d" " -f2
}

# ssh_allowed FILE OPTIONS KEY.pub...: an allowed_signers file, one line
# "anyone OPTIONS <key>" per key (OPTIONS may be empty).
ssh_allowed () {
	ssh_al_file_=$1
	ssh_al_opts_=$2
	shift 2
	: >"$ssh_al_file_" || return 1
	for ssh_al_k_
	do
		if test -n "$ssh_al_opts_"
		then
			printf 'anyone %s %s\n' "$ssh_al_opts_" "$(ssh_pub "$ssh_al_k_")"
		else
			printf 'anyone %s\n' "$(ssh_pub "$ssh_al_k_")"
		fi >>"$ssh_al_file_" || return 1
	done
}

# annal_ids REPO [LOG]: the records' commit ids, oldest first.
annal_ids () {
	git -C "$1" rev-list --reverse "refs/audit/${2:-main}"
}

# annal_nth REPO K [LOG]: the commit id of record K.
annal_nth () {
	annal_ids "$1" "${3:-main}" | sed -n "${2}p"
}

# git_verify_commits REPO ALLOWED ID...: stock git accepts the signature
# of every commit ID with gpg.ssh.allowedSignersFile=ALLOWED.
git_verify_commits () {
	gvc_repo_=$1
	gvc_allowed_=$2
	shift 2
	case "$gvc_allowed_" in
	/*) ;;
	*) gvc_allowed_="$(pwd)/$gvc_allowed_" ;;
	esac
	for gvc_c_
	do
		git -C "$gvc_repo_" -c gpg.ssh.allowedSignersFile="$gvc_allowed_" \
			verify-commit "$gvc_c_" 2>"$TRASH_DIRECTORY/.gvc-err"
		gvc_rc_=$?
		if test $gvc_rc_ != 0 ||
			! grep '^Good "git" signature for ' "$TRASH_DIRECTORY/.gvc-err" >/dev/null
		then
			echo "git verify-commit $gvc_c_ exited $gvc_rc_:"
			cat "$TRASH_DIRECTORY/.gvc-err"
			return 1
		fi
	done
}

# git_verify_log REPO ALLOWED [LOG]: git_verify_commits on every record.
git_verify_log () {
	git_verify_commits "$1" "$2" $(annal_ids "$1" "${3:-main}")
}

# annal_oracles REPO [LOG [ALLOWED]]: LOG (main) of REPO as judged by
# everything but annal: the storage checker (annal_check_log, or for a
# signed log, ALLOWED given, ssh_forge check, which rebuilds every
# commit from its JSON byte for byte), git fsck --strict, and git
# verify-commit on every record with ALLOWED.
annal_oracles () {
	ao_repo_=$1
	ao_log_=${2:-main}
	ao_allowed_=$3
	if test -n "$ao_allowed_"
	then
		ssh_forge "$ao_repo_" "$ao_log_" check >"$TRASH_DIRECTORY/.oracle" 2>&1
	else
		annal_check_log "$ao_repo_" "$ao_log_" >"$TRASH_DIRECTORY/.oracle" 2>&1
	fi || {
		echo "the storage checker refuses log $ao_log_ of $ao_repo_:"
		tail -n 5 "$TRASH_DIRECTORY/.oracle"
		return 1
	}
	git -C "$ao_repo_" fsck --strict --no-dangling >"$TRASH_DIRECTORY/.oracle" 2>&1 || {
		echo "git fsck --strict fails on $ao_repo_:"
		cat "$TRASH_DIRECTORY/.oracle"
		return 1
	}
	test -z "$ao_allowed_" || git_verify_log "$ao_repo_" "$ao_allowed_" "$ao_log_"
}

# annal_verify_fails REPO K CHECK [VERIFY-ARGS...]: annal verify exits 1
# with one stderr line naming record K (by position and id) and CHECK.
annal_verify_fails () {
	avf_repo_=$1
	avf_k_=$2
	avf_check_=$3
	shift 3
	avf_id_=$(annal_nth "$avf_repo_" "$avf_k_") &&
	test -n "$avf_id_" &&
	test_expect_code 1 annal -C "$avf_repo_" verify "$@" >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: error: log main: record $avf_k_ ($avf_id_): $avf_check_: ." err
}

# annal_fails_cleanly CODE REPO CMD...: `annal -C REPO CMD...` exits
# CODE with one error line, no output, and moves no ref of REPO.
annal_fails_cleanly () {
	afc_code_=$1
	afc_repo_=$2
	shift 2
	git -C "$afc_repo_" for-each-ref >"$TRASH_DIRECTORY/.refs-before" &&
	test_expect_code "$afc_code_" annal -C "$afc_repo_" "$@" >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	grep "^annal: error: ." err &&
	git -C "$afc_repo_" for-each-ref >"$TRASH_DIRECTORY/.refs-after" &&
	test_cmp "$TRASH_DIRECTORY/.refs-before" "$TRASH_DIRECTORY/.refs-after"
}

# annal_usage_fails REPO CMD...: `annal -C REPO CMD...` is a usage error:
# exit 2, an error line then the usage on stderr, no output, no ref moved.
annal_usage_fails () {
	auf_repo_=$1
	shift
	git -C "$auf_repo_" for-each-ref >"$TRASH_DIRECTORY/.refs-before" &&
	test_expect_code 2 annal -C "$auf_repo_" "$@" >out 2>err &&
	test_must_be_empty out &&
	head -n 1 err >"$TRASH_DIRECTORY/.err1" &&
	grep "^annal: error: ." "$TRASH_DIRECTORY/.err1" &&
	# the usage, or for an unknown option the -h to read
	grep -e "^usage: annal " -e "see .annal [a-z -]*-h.)\{0,1\}\$" err &&
	git -C "$auf_repo_" for-each-ref >"$TRASH_DIRECTORY/.refs-after" &&
	test_cmp "$TRASH_DIRECTORY/.refs-before" "$TRASH_DIRECTORY/.refs-after"
}

# ssh_signers REPO [LOG]: one line per record, oldest first: "<namespace>
# <hash> ssh-ed25519 <base64>" of its SSHSIG, or "-" if it has none.
# Checks the storage format on the way (see ssh_forge check).
ssh_signers () {
	ssh_forge "$1" "${2:-main}" check >"$TRASH_DIRECTORY/.signers" &&
	cut -d" " -f3- "$TRASH_DIRECTORY/.signers"
}

# ssh_expect_signers KEY.pub|- ...: what ssh_signers prints for records
# signed (namespace git, sha512) by these keys, in order.
ssh_expect_signers () {
	for ses_k_
	do
		if test "$ses_k_" = -
		then
			echo -
		else
			echo "git sha512 $(ssh_pub "$ses_k_")"
		fi
	done
}

# ssh_forge [--resign-with KEY] GIT-DIR LOG MUTATION [ARGS...] (PYTHON3,
# SSHKEYGEN, GIT): lib-tamper.py for signed logs.  Reads refs/audit/LOG
# oldest first, checks that every commit is exactly annal's storage
# format plus an optional gpgsig header after the committer (rebuilding
# each from its JSON must give the same bytes), applies MUTATION, writes
# the commits again with `git hash-object -w`, signs with
# `ssh-keygen -Y sign` of the commit without its gpgsig header, inserts
# the header as git does, moves the ref (`git update-ref` with the old
# value) and prints the new ids, oldest first.  Records whose bytes did
# not change keep their signature (and id); a changed record that was
# signed is re-signed with --resign-with KEY if given, else keeps its
# now stale signature.  K is a 1-based position.
#
#   identity                  rebuild only (ids must not change)
#   resign K KEY              records K.. signed by KEY
#   edit K FIELD VALUE        edit K, recompute every hash/prev_hash from K
#   edit-resign K F V KEY     edit as above, records K.. signed by KEY
#   edit-stale K FIELD VALUE  edit as above, K keeps its old signature
#   strip K                   K without signature
#   steal K J                 K gets the signature of record J
#   namespace K NS KEY        K signed by KEY in namespace NS
#   append KEY|none ACTOR ACTION [JSON]
#                             a new record (ts from $ANNAL_TEST_NOW),
#                             signed by KEY or unsigned; JSON: more fields
#   unsign-all                drop record 1's "signing", every signature
#   strip-all                 every record without signature
#   swap-sigs K J             K and J exchange their signatures
#   drop K                    remove record K
#   swap K                    exchange records K and K+1
#   insert K KEY ACTOR ACTION a new record at K (ts of K-1), signed by KEY
#                             or unsigned ("none"); seq and chain renumbered
#   orphan K                  K without its parent line (a second root)
#   merge K                   K gets record 1 as a second parent
#   author K NAME             K's author name (not the committer's) is NAME
#   json K MODE               K's JSON not canonical (MODE: space) or with
#                             a duplicate key (dupkey); its hash stays valid
#   next-record ACTOR ACTION  print (do not write) the next record's JSON
#   check                     print "K id NS HASH KEYTYPE BASE64" or "K id -"
#   sig-object PAYLOAD KEY    print PAYLOAD with KEY's gpgsig (GIT-DIR and
#                             LOG ignored)
#
# VALUE: a string, or json:<JSON>.
ssh_forge () {
	python3 - "$@" <<-\SSH_FORGE_EOF
	import base64, calendar, hashlib, json, os, struct, subprocess, sys, time

	EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
	GENESIS = "sha256:" + "0" * 64

	def die(msg):
	    sys.stderr.write("ssh_forge: %s\n" % msg)
	    sys.exit(3)

	def run(args, data=None, check=True):
	    p = subprocess.run(args, input=data, stdout=subprocess.PIPE,
	                       stderr=subprocess.PIPE)
	    if p.returncode != 0 and check:
	        die("%s: %s" % (" ".join(args),
	                        p.stderr.decode(errors="replace").strip()))
	    return p

	def git(*args, data=None):
	    return run(["git", "--git-dir=" + GIT_DIR] + list(args), data).stdout

	def canonical(obj):
	    return json.dumps(obj, sort_keys=True, separators=(",", ":"),
	                      ensure_ascii=False)

	def record_hash(rec):
	    rest = {k: v for k, v in rec.items() if k != "hash"}
	    return "sha256:" + hashlib.sha256(canonical(rest).encode()).hexdigest()

	def sanitize(s):
	    return "".join("?" if c in "<>" or ord(c) < 0x20 or ord(c) == 0x7f
	                   else c for c in s)

	def ts_seconds(ts):
	    return calendar.timegm(time.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S"))

	def summary_of(rec):
	    s = "#%s %s %s" % (rec.get("seq"), sanitize(str(rec.get("actor", ""))),
	                       sanitize(str(rec.get("action", ""))))
	    if "target" in rec:
	        s += " " + sanitize(str(rec["target"]))
	    if "decision" in rec:
	        s += " -> " + sanitize(str(rec["decision"]))
	    return s

	def split_commit(raw):
	    """(payload without gpgsig, armor with final newline or None)"""
	    head, sep, msg = raw.partition(b"\n\n")
	    lines = head.split(b"\n")
	    out, sig, i = [], None, 0
	    while i < len(lines):
	        l = lines[i]
	        i += 1
	        if l.startswith(b"gpgsig "):
	            if sig is not None or not out or not out[-1].startswith(b"committer "):
	                die("gpgsig header not right after the committer")
	            arm = [l[7:]]
	            while i < len(lines) and lines[i].startswith(b" "):
	                arm.append(lines[i][1:])
	                i += 1
	            sig = b"\n".join(arm) + b"\n"
	            continue
	        out.append(l)
	    return b"\n".join(out) + b"\n\n" + msg, sig

	def with_sig(payload, armor):
	    if armor is None:
	        return payload
	    head, _, msg = payload.partition(b"\n\n")
	    arm = armor.rstrip(b"\n").split(b"\n")
	    hdr = [b"gpgsig " + arm[0]] + [b" " + a for a in arm[1:]]
	    return head + b"\n" + b"\n".join(hdr) + b"\n\n" + msg

	def sign(payload, key, ns="git"):
	    return run(["ssh-keygen", "-Y", "sign", "-n", ns, "-f", key],
	               payload).stdout

	def sshstr(b, off):
	    n, = struct.unpack(">I", b[off:off + 4])
	    return b[off + 4:off + 4 + n], off + 4 + n

	def sig_info(armor):
	    lines = armor.rstrip(b"\n").split(b"\n")
	    if lines[0] != b"-----BEGIN SSH SIGNATURE-----" or \
	       lines[-1] != b"-----END SSH SIGNATURE-----":
	        die("bad armor %r" % armor)
	    body = lines[1:-1]
	    if any(len(l) > 70 for l in body) or any(len(l) != 70 for l in body[:-1]):
	        die("armor not wrapped at 70 columns: %r" % armor)
	    blob = base64.b64decode(b"".join(body), validate=True)
	    if blob[:6] != b"SSHSIG" or blob[6:10] != b"\0\0\0\1":
	        die("not an SSHSIG v1")
	    pk, off = sshstr(blob, 10)
	    ns, off = sshstr(blob, off)
	    _, off = sshstr(blob, off)
	    alg, off = sshstr(blob, off)
	    ktype, _ = sshstr(pk, 0)
	    return "%s %s %s %s" % (ns.decode(), alg.decode(), ktype.decode(),
	                            base64.b64encode(pk).decode())

	class Entry:
	    def __init__(self, oid=None, raw=None, rec=None):
	        self.oid, self.raw = oid, raw
	        self.parents, self.payload, self.sig = [], None, None
	        self.mode = "auto"
	        # overrides for a deliberate defect
	        self.author, self.json_text = None, None
	        self.extra_parents, self.orphan = [], False
	        if raw is not None:
	            self.payload, self.sig = split_commit(raw)
	            head, _, msg = self.payload.partition(b"\n\n")
	            self.parents = [l[7:].decode() for l in head.split(b"\n")
	                            if l.startswith(b"parent ")]
	            summary, sep, body = msg.decode().partition("\n\n")
	            if not sep or not body.endswith("\n"):
	                die("commit %s: message is not summary, blank line, JSON" % oid)
	            rec = json.loads(body[:-1])
	        self.rec = rec

	    def build(self, parent):
	        rec = self.rec
	        secs = ts_seconds(rec["ts"])
	        name = sanitize(str(rec["actor"]))
	        author = self.author if self.author is not None else name
	        body = self.json_text if self.json_text is not None else canonical(rec)
	        lines = ["tree " + EMPTY_TREE]
	        if parent is not None and not self.orphan:
	            lines.append("parent " + parent)
	        lines += ["parent " + p for p in self.extra_parents]
	        lines.append("author %s <annal> %d +0000" % (author, secs))
	        lines.append("committer %s <annal> %d +0000" % (name, secs))
	        return ("\n".join(lines) + "\n\n" + summary_of(rec) + "\n\n" +
	                body + "\n").encode()

	def read_chain(log):
	    p = run(["git", "--git-dir=" + GIT_DIR, "rev-parse", "--verify",
	             "refs/audit/" + log + "^{commit}"])
	    oid = p.stdout.decode().strip()
	    chain = []
	    while oid:
	        e = Entry(oid, git("cat-file", "commit", oid))
	        chain.append(e)
	        if len(e.parents) > 1:
	            die("commit %s is a merge" % oid)
	        oid = e.parents[0] if e.parents else None
	    chain.reverse()
	    prev_hash, parent = GENESIS, None
	    for n, e in enumerate(chain, 1):
	        if e.build(parent) != e.payload:
	            die("record %d (%s) is not in annal's storage format:\n%s\n--- want\n%s"
	                % (n, e.oid, e.payload.decode(errors="replace"),
	                   e.build(parent).decode(errors="replace")))
	        if with_sig(e.payload, e.sig) != e.raw:
	            die("record %d (%s): gpgsig header not as git writes it" % (n, e.oid))
	        if e.rec.get("seq") != n or e.rec.get("prev_hash") != prev_hash or \
	           e.rec.get("hash") != record_hash(e.rec):
	            die("record %d (%s): seq/prev_hash/hash chain broken" % (n, e.oid))
	        prev_hash, parent = e.rec["hash"], e.oid
	    return chain

	def relink(chain, start):
	    for i in range(start, len(chain)):
	        rec = chain[i].rec
	        rec["prev_hash"] = chain[i - 1].rec["hash"] if i else GENESIS
	        rec["hash"] = record_hash(rec)

	def value(v):
	    return json.loads(v[5:]) if v.startswith("json:") else v

	def now_ts(chain):
	    secs = int(str(os.environ.get("ANNAL_TEST_NOW", "0")).split(".")[0])
	    ts = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(secs))
	    if chain and chain[-1].rec["ts"] > ts:
	        ts = chain[-1].rec["ts"]
	    return ts

	def next_record(chain, actor, action, extra):
	    rec = dict(extra)
	    rec.update({"actor": actor, "action": action, "seq": len(chain) + 1,
	                "ts": now_ts(chain),
	                "prev_hash": chain[-1].rec["hash"] if chain else GENESIS})
	    rec["hash"] = record_hash(rec)
	    return rec

	args = sys.argv[1:]
	resign_key = None
	if args[:1] == ["--resign-with"]:
	    resign_key, args = args[1], args[2:]
	if len(args) < 3:
	    die("usage: ssh_forge [--resign-with KEY] GIT-DIR LOG MUTATION [ARGS...]")
	GIT_DIR, log, mutation, args = args[0], args[1], args[2], args[3:]

	if mutation == "sig-object":
	    payload = open(args[0], "rb").read()
	    sys.stdout.buffer.write(with_sig(payload, sign(payload, args[1])))
	    sys.exit(0)

	chain = read_chain(log)
	old_head = chain[-1].oid

	def pos(s):
	    k = int(s)
	    if not 1 <= k <= len(chain):
	        die("no record %d (log has %d)" % (k, len(chain)))
	    return k - 1

	def edit(k, field, v):
	    chain[k].rec[field] = value(v)
	    relink(chain, k)

	if mutation == "check":
	    for n, e in enumerate(chain, 1):
	        print("%d %s %s" % (n, e.oid, sig_info(e.sig) if e.sig else "-"))
	    sys.exit(0)
	elif mutation == "next-record":
	    print(canonical(next_record(chain, args[0], args[1], {})))
	    sys.exit(0)
	elif mutation == "identity":
	    pass
	elif mutation == "resign":
	    for e in chain[pos(args[0]):]:
	        e.mode = ("key", args[1], "git")
	elif mutation == "edit":
	    edit(pos(args[0]), args[1], args[2])
	elif mutation == "edit-resign":
	    k = pos(args[0])
	    edit(k, args[1], args[2])
	    for e in chain[k:]:
	        e.mode = ("key", args[3], "git")
	elif mutation == "edit-stale":
	    k = pos(args[0])
	    edit(k, args[1], args[2])
	    chain[k].mode = "stale"
	elif mutation == "strip":
	    chain[pos(args[0])].mode = "none"
	elif mutation == "steal":
	    k, j = pos(args[0]), pos(args[1])
	    if chain[j].sig is None:
	        die("record %d has no signature to steal" % (j + 1))
	    chain[k].mode = ("armor", chain[j].sig)
	elif mutation == "namespace":
	    chain[pos(args[0])].mode = ("key", args[2], args[1])
	elif mutation == "append":
	    extra = json.loads(args[3]) if len(args) > 3 else {}
	    e = Entry(rec=next_record(chain, args[1], args[2], extra))
	    e.mode = "none" if args[0] == "none" else ("key", args[0], "git")
	    chain.append(e)
	elif mutation == "unsign-all":
	    del chain[0].rec["signing"]
	    relink(chain, 0)
	    for e in chain:
	        e.mode = "none"
	elif mutation == "strip-all":
	    for e in chain:
	        e.mode = "none"
	elif mutation == "swap-sigs":
	    k, j = pos(args[0]), pos(args[1])
	    chain[k].mode = ("armor", chain[j].sig)
	    chain[j].mode = ("armor", chain[k].sig)
	elif mutation == "drop":
	    del chain[pos(args[0])]
	elif mutation == "swap":
	    k = pos(args[0])
	    if k + 1 >= len(chain):
	        die("swap needs a record after %d" % (k + 1))
	    chain[k], chain[k + 1] = chain[k + 1], chain[k]
	elif mutation == "insert":
	    k = pos(args[0])
	    e = Entry(rec={"actor": args[2], "action": args[3]})
	    e.rec["ts"] = chain[k - 1].rec["ts"] if k else chain[0].rec["ts"]
	    e.mode = "none" if args[1] == "none" else ("key", args[1], "git")
	    chain.insert(k, e)
	    for n, x in enumerate(chain[k:], k + 1):
	        x.rec["seq"] = n
	    relink(chain, k)
	elif mutation == "orphan":
	    chain[pos(args[0])].orphan = True
	elif mutation == "merge":
	    k = pos(args[0])
	    if k < 2:
	        die("merge needs K >= 3")
	    chain[k].extra_parents = ["RECORD1"]
	elif mutation == "author":
	    chain[pos(args[0])].author = args[1]
	elif mutation == "json":
	    e = chain[pos(args[0])]
	    if args[1] == "space":
	        e.json_text = json.dumps(e.rec, sort_keys=True, separators=(", ", ": "),
	                                 ensure_ascii=False)
	    elif args[1] == "dupkey":
	        # a first "action" that readers keeping the first value see
	        e.json_text = '{"action":"nothing",' + canonical(e.rec)[1:]
	    else:
	        die("unknown json mode %s" % args[1])
	else:
	    die("unknown mutation %s" % mutation)

	ids, parent = [], None
	for e in chain:
	    e.extra_parents = [ids[0] if p == "RECORD1" else p for p in e.extra_parents]
	    payload = e.build(parent)
	    mode = e.mode
	    if mode == "auto":
	        if payload == e.payload or e.sig is None or resign_key is None:
	            armor = e.sig
	        else:
	            armor = sign(payload, resign_key)
	    elif mode == "stale":
	        armor = e.sig
	    elif mode == "none":
	        armor = None
	    elif mode[0] == "armor":
	        armor = mode[1]
	    else:
	        armor = sign(payload, mode[1], mode[2])
	    out = git("hash-object", "-t", "commit", "-w", "--stdin",
	              data=with_sig(payload, armor))
	    parent = out.decode().strip()
	    ids.append(parent)
	git("update-ref", "refs/audit/" + log, ids[-1], old_head)
	for oid in ids:
	    print(oid)
	SSH_FORGE_EOF
}
