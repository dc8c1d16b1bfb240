#!/usr/bin/env python3
"""lib-notesign.py KEY TEXT: TEXT signed as a C2SP signed note by the
OpenSSH Ed25519 private key KEY (python3-cryptography), on standard
output: for tests that need a note annal would refuse to sign."""
import base64
import hashlib
import sys

from cryptography.hazmat.primitives.serialization import (
    Encoding, PublicFormat, load_ssh_private_key)

k = load_ssh_private_key(open(sys.argv[1], "rb").read(), None)
text = open(sys.argv[2], "rb").read()
name = text.split(b"\n")[0]
pk = k.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
kid = hashlib.sha256(name + b"\n\x01" + pk).digest()[:4]
sys.stdout.buffer.write(text + b"\n\xe2\x80\x94 " + name + b" " +
                        base64.b64encode(kid + k.sign(text)) + b"\n")
