/*
 * Signing through ssh-agent (draft-miller-ssh-agent): the private key
 * never has to be on disk where annal runs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "annal.h"
#include "ssh.h"
#include "banned.h"

#define AGENT_FAILURE 5
#define AGENTC_SIGN_REQUEST 13
#define AGENT_SIGN_RESPONSE 14
#define AGENT_REPLY_MAX (256 * 1024)

static int write_all(int fd, const unsigned char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_all(int fd, unsigned char *p, size_t len)
{
	while (len) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int ssh_agent_sign(unsigned char sig[64], const unsigned char pk[32],
		   const unsigned char *data, size_t len)
{
	const char *sock = getenv("SSH_AUTH_SOCK");
	struct sockaddr_un addr;
	unsigned char *req = NULL, *rep = NULL, hdr[4];
	size_t reqlen = 4 + 1 + 4 + 51 + 4 + len + 4, off = 0;
	uint32_t replen, n;
	int fd = -1, error = 0;
	static const unsigned char blob_head[] = {
		0, 0, 0, 11, 's', 's', 'h', '-', 'e', 'd', '2', '5', '5', '1', '9', 0, 0, 0, 32
	};

	if (!sock || !*sock)
		return annal_error_set(ANNAL_ERROR, "no ssh-agent: SSH_AUTH_SOCK is not set");
	if (strlen(sock) >= sizeof(addr.sun_path))
		return annal_error_set(ANNAL_ERROR, "SSH_AUTH_SOCK path is too long");
	if (!(req = malloc(reqlen)))
		return annal_error_oom();
	be32(req, (uint32_t)(reqlen - 4));
	req[4] = AGENTC_SIGN_REQUEST;
	off = 5;
	be32(req + off, 51);
	off += 4;
	memcpy(req + off, blob_head, sizeof(blob_head));
	off += sizeof(blob_head);
	memcpy(req + off, pk, 32);
	off += 32;
	be32(req + off, (uint32_t)len);
	off += 4;
	memcpy(req + off, data, len);
	off += len;
	be32(req + off, 0);	/* flags */

	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	memcpy(addr.sun_path, sock, strlen(sock) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		error = annal_error_set(ANNAL_ERROR, "cannot reach ssh-agent at '%s': %s",
					sock, strerror(errno));
		goto out;
	}
	if (write_all(fd, req, reqlen) < 0 || read_all(fd, hdr, 4) < 0) {
		error = annal_error_set(ANNAL_ERROR, "ssh-agent at '%s' did not answer", sock);
		goto out;
	}
	replen = get_be32(hdr);
	if (!replen || replen > AGENT_REPLY_MAX || !(rep = malloc(replen)) ||
	    read_all(fd, rep, replen) < 0) {
		error = annal_error_set(ANNAL_ERROR, "ssh-agent gave a malformed answer");
		goto out;
	}
	if (rep[0] == AGENT_FAILURE) {
		char fp[ANNAL_FINGERPRINT_LEN + 1];
		ssh_fingerprint(fp, pk);
		error = annal_error_set(ANNAL_ERROR,
			"ssh-agent refused to sign with %s: is the key loaded (ssh-add)?", fp);
		goto out;
	}
	/* 14, string(string "ssh-ed25519", string sig[64]) */
	if (rep[0] != AGENT_SIGN_RESPONSE || replen != 1 + 4 + 4 + 11 + 4 + 64 ||
	    get_be32(rep + 1) != 4 + 11 + 4 + 64 || get_be32(rep + 5) != 11 ||
	    memcmp(rep + 9, "ssh-ed25519", 11) || get_be32(rep + 20) != 64) {
		error = annal_error_set(ANNAL_ERROR, "ssh-agent gave a malformed signature");
		goto out;
	}
	memcpy(sig, rep + 24, 64);
	/* never trust a signature the agent made with another key */
	n = (uint32_t)crypto_sign_verify_detached(sig, data, len, pk);
	if (n)
		error = annal_error_set(ANNAL_ERROR, "ssh-agent's signature does not verify");
out:
	if (fd >= 0)
		close(fd);
	free(req);
	free(rep);
	return error;
}
