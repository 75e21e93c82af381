/* secret.c: secure profile properties (PROP_ID_SECURE_MIN..MAX, where providers keep passwords
 * and tokens) are sealed in the store, never written in clear.
 *
 * Each value is encrypted and authenticated with XChaCha20-Poly1305 (libsodium) under a key of
 * the store kept in "<store>.key" (32 random bytes, mode 0600, made with the store), with the
 * section's UID and the property tag as associated data, so a sealed value cannot be moved to
 * another property or section unnoticed. Stored form: a version byte (1), the 24-byte nonce,
 * the ciphertext and its 16-byte tag. A copy of the database without its key file does not
 * give the secrets away; a store whose key file is lost or replaced cannot open its secure
 * properties and leaves them out of reads (the providers ask for their configuration again). */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mapicode.h>

#include <mapirt/alloc.h>

#include "store_internal.h"

#define VERSION 1
#define NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG crypto_aead_xchacha20poly1305_ietf_ABYTES

_Static_assert(MAPIRT_PS_KEYBYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
               "the store's key is an XChaCha20-Poly1305 key");

static int read_key(const char *path, unsigned char *key)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    unsigned char extra;
    ssize_t n = read(fd, key, MAPIRT_PS_KEYBYTES);
    ssize_t m = read(fd, &extra, 1);
    close(fd);
    if (n != MAPIRT_PS_KEYBYTES || m != 0) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}

HRESULT mapirt_ps_key_load(const char *dbpath, unsigned char *key, int *have, char *err,
                           size_t cberr)
{
    char path[PATH_MAX], tmp[PATH_MAX + 8];
    *have = 0;
    if (sodium_init() < 0) {
        if (err && cberr)
            snprintf(err, cberr, "libsodium failed to initialise");
        return MAPI_E_CALL_FAILED;
    }
    if (snprintf(path, sizeof path, "%s.key", dbpath) >= (int)sizeof path)
        return MAPI_E_INVALID_PARAMETER;
    if (read_key(path, key) == 0) {
        *have = 1;
        return S_OK;
    }
    if (errno == EINVAL) {
        if (err && cberr)
            snprintf(err, cberr, "%s is not a profile store key (32 bytes)", path);
        return MAPI_E_CORRUPT_DATA;
    }
    if (errno != ENOENT)
        return S_OK; /* unreadable: secure properties stay closed */
    /* made whole under a temporary name and linked into place, so that two processes opening
     * a new store at once agree on one key */
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return S_OK; /* a read-only directory: no key, no secure properties */
    unsigned char fresh[MAPIRT_PS_KEYBYTES];
    randombytes_buf(fresh, sizeof fresh);
    int ok = fchmod(fd, 0600) == 0 && write(fd, fresh, sizeof fresh) == (ssize_t)sizeof fresh &&
             fsync(fd) == 0;
    close(fd);
    if (ok && link(tmp, path) != 0 && errno != EEXIST)
        ok = 0;
    unlink(tmp);
    sodium_memzero(fresh, sizeof fresh);
    if (ok && read_key(path, key) == 0)
        *have = 1;
    return S_OK;
}

static void associated(const MAPIUID *section, ULONG tag, unsigned char ad[20])
{
    memcpy(ad, section, 16);
    memcpy(ad + 16, &tag, 4);
}

HRESULT mapirt_ps_seal(mapirt_ps_tx *tx, const MAPIUID *section, ULONG tag,
                       const unsigned char *plain, size_t n, unsigned char **out, size_t *outlen)
{
    if (!tx->have_key)
        return mapirt_ps_fail(tx, MAPI_E_NO_ACCESS,
                              "%s.key: the store's key is missing, so secure property 0x%08X "
                              "cannot be stored",
                              tx->path, (unsigned)tag);
    size_t total = 1 + NONCE + n + TAG;
    unsigned char *buf = mapirt_malloc(total), ad[20];
    if (!buf)
        return mapirt_ps_oom(tx);
    buf[0] = VERSION;
    randombytes_buf(buf + 1, NONCE);
    associated(section, tag, ad);
    unsigned long long clen;
    crypto_aead_xchacha20poly1305_ietf_encrypt(buf + 1 + NONCE, &clen, plain, n, ad, sizeof ad,
                                               NULL, buf + 1, tx->key);
    *out = buf;
    *outlen = 1 + NONCE + (size_t)clen;
    return S_OK;
}

int mapirt_ps_unseal(mapirt_ps_tx *tx, const MAPIUID *section, ULONG tag,
                     const unsigned char *in, size_t n, unsigned char **out, size_t *outlen)
{
    unsigned char ad[20];
    if (!tx->have_key || !in || n < 1 + NONCE + TAG || in[0] != VERSION)
        return -1;
    unsigned char *buf = mapirt_malloc(n - 1 - NONCE - TAG + 1);
    if (!buf)
        return -2;
    associated(section, tag, ad);
    unsigned long long plen;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(buf, &plen, NULL, in + 1 + NONCE,
                                                   n - 1 - NONCE, ad, sizeof ad, in + 1,
                                                   tx->key) != 0) {
        mapirt_free(buf);
        return -1;
    }
    *out = buf;
    *outlen = (size_t)plen;
    return 0;
}
