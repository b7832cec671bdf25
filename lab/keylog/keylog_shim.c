/* LD_PRELOAD shim: OpenSSL 3 does not honour SSLKEYLOGFILE.  This shim wraps SSL_new() and
 * installs a key-log callback on the SSL_CTX so that every TLS session of the preloaded
 * process appends NSS key-log lines to the file named by $RDPT_KEYLOG.
 * Build: gcc -shared -fPIC -O2 -o keylog_shim.so keylog_shim.c -ldl
 * Use:   RDPT_KEYLOG=/path/keys LD_PRELOAD=/path/keylog_shim.so xfreerdp ... */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;
typedef void (*keylog_cb)(const SSL *, const char *);

static void write_line(const SSL *ssl, const char *line)
{
    (void)ssl;
    const char *path = getenv("RDPT_KEYLOG");
    if (!path || !*path)
        return;
    FILE *f = fopen(path, "a");
    if (!f)
        return;
    fprintf(f, "%s\n", line);
    fclose(f);
}

SSL *SSL_new(SSL_CTX *ctx)
{
    static SSL *(*real_new)(SSL_CTX *);
    static void (*set_cb)(SSL_CTX *, keylog_cb);
    if (!real_new) {
        real_new = (SSL *(*)(SSL_CTX *))dlsym(RTLD_NEXT, "SSL_new");
        set_cb = (void (*)(SSL_CTX *, keylog_cb))dlsym(RTLD_NEXT, "SSL_CTX_set_keylog_callback");
    }
    if (ctx && set_cb)
        set_cb(ctx, write_line);
    return real_new(ctx);
}
