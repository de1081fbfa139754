/*
 * curl_load - libcurl, loaded when it is first used rather than when the
 * bridge starts. Only Lambda mode and prewarm talk HTTP; linking libcurl
 * made every start pay for it and its thirty libraries (TLS, Kerberos,
 * LDAP, SSH): 3.3 ms of a 4 ms exec on the benchmark machine, in every
 * CGI request and in every Lambda cold start, where it now overlaps the
 * app's boot. The bridge is not linked with libcurl: the functions it
 * calls are defined here with libcurl's own prototypes (curl/curl.h, so
 * the compiler checks them), and each goes through a pointer that
 * curl_load() fills from dlopen; the first call of any of them loads. If
 * libcurl cannot be loaded, each fails as libcurl itself fails
 * (CURLE_FAILED_INIT, CURLM_INTERNAL_ERROR, NULL); curl_start() loads
 * and initialises it at once, and says why it could not.
 */
#define CURL_DISABLE_TYPECHECK /* the macros would hide the definitions */
#include <curl/curl.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "curl_load.h"
#include "log.h"

/* libcurl's soname: its ABI has been 4 since 2006 */
#define CURL_SONAME "libcurl.so.4"

/* Each function used: its name and its pointer, in one list. */
#define CURL_FUNCTIONS(X)                                                      \
	X(curl_global_init, CURLcode, (long))                                  \
	X(curl_global_cleanup, void, (void))                                   \
	X(curl_easy_init, CURL *, (void))                                      \
	X(curl_easy_cleanup, void, (CURL *))                                   \
	X(curl_easy_reset, void, (CURL *))                                     \
	X(curl_easy_setopt, CURLcode, (CURL *, CURLoption, ...))               \
	X(curl_easy_getinfo, CURLcode, (CURL *, CURLINFO, ...))                \
	X(curl_easy_pause, CURLcode, (CURL *, int))                            \
	X(curl_easy_strerror, const char *, (CURLcode))                        \
	X(curl_multi_init, CURLM *, (void))                                    \
	X(curl_multi_cleanup, CURLMcode, (CURLM *))                            \
	X(curl_multi_setopt, CURLMcode, (CURLM *, CURLMoption, ...))           \
	X(curl_multi_add_handle, CURLMcode, (CURLM *, CURL *))                 \
	X(curl_multi_remove_handle, CURLMcode, (CURLM *, CURL *))              \
	X(curl_multi_perform, CURLMcode, (CURLM *, int *))                     \
	X(curl_multi_poll, CURLMcode,                                          \
	    (CURLM *, struct curl_waitfd[], unsigned, int, int *))             \
	X(curl_multi_socket_action, CURLMcode,                                 \
	    (CURLM *, curl_socket_t, int, int *))                              \
	X(curl_multi_info_read, CURLMsg *, (CURLM *, int *))                   \
	X(curl_slist_append, struct curl_slist *,                              \
	    (struct curl_slist *, const char *))                               \
	X(curl_slist_free_all, void, (struct curl_slist *))                    \
	X(curl_url, CURLU *, (void))                                           \
	X(curl_url_cleanup, void, (CURLU *))                                   \
	X(curl_url_set, CURLUcode,                                             \
	    (CURLU *, CURLUPart, const char *, unsigned int))

#define POINTER(name, ret, args) ret(*name) args;
static struct {
	CURL_FUNCTIONS(POINTER)
} fn;
#undef POINTER

static int state; /* 0 not tried, 1 loaded, -1 failed */
static char error[256];

/* loaded, or loaded now: whichever function is called first loads */
#define READY() (state > 0 || (state == 0 && curl_load() == 0))

static int
curl_load(void)
{
	void *h, *sym;

	if (state)
		return state > 0 ? 0 : -1;
	state = -1;
	h = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(error, sizeof(error), "%s", dlerror());
		return -1;
	}
	/* a function pointer from dlsym's void * (POSIX guarantees it) */
#define LOAD(name, ret, args)                                                  \
	sym = dlsym(h, #name);                                                 \
	if (!sym) {                                                            \
		snprintf(error, sizeof(error), "%s: no %s", CURL_SONAME,       \
		    #name);                                                    \
		dlclose(h);                                                    \
		return -1;                                                     \
	}                                                                      \
	memcpy(&fn.name, &sym, sizeof(sym));
	CURL_FUNCTIONS(LOAD)
#undef LOAD
	state = 1;
	return 0;
}

int
curl_start(void)
{
	if (curl_load() < 0) {
		log_fatal("unable to load libcurl: %s", error);
		return -1;
	}
	if (fn.curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_fatal("unable to initialise libcurl");
		return -1;
	}
	return 0;
}

/*
 * The option's argument, by the type its number says (curl.h: a long
 * below CURLOPTTYPE_OBJECTPOINT, then pointers, function pointers,
 * curl_off_t, blobs); the same for easy and multi options.
 */
#define FORWARD_OPTION(call, handle, option, ap)                               \
	do {                                                                   \
		if ((option) < CURLOPTTYPE_OBJECTPOINT)                        \
			return call(handle, option, va_arg(ap, long));         \
		if ((option) >= CURLOPTTYPE_FUNCTIONPOINT &&                   \
		    (option) < CURLOPTTYPE_OFF_T)                              \
			return call(handle, option,                            \
			    va_arg(ap, void (*)(void)));                       \
		if ((option) >= CURLOPTTYPE_OFF_T &&                           \
		    (option) < CURLOPTTYPE_BLOB)                               \
			return call(handle, option, va_arg(ap, curl_off_t));   \
		return call(handle, option, va_arg(ap, void *));               \
	} while (0)

static CURLcode
easy_setopt(CURL *h, CURLoption o, va_list ap)
{
	FORWARD_OPTION(fn.curl_easy_setopt, h, o, ap);
}

static CURLMcode
multi_setopt(CURLM *m, CURLMoption o, va_list ap)
{
	FORWARD_OPTION(fn.curl_multi_setopt, m, o, ap);
}

CURLcode
curl_easy_setopt(CURL *h, CURLoption o, ...)
{
	va_list ap;
	CURLcode r;

	if (!READY())
		return CURLE_FAILED_INIT;
	va_start(ap, o);
	r = easy_setopt(h, o, ap);
	va_end(ap);
	return r;
}

CURLMcode
curl_multi_setopt(CURLM *m, CURLMoption o, ...)
{
	va_list ap;
	CURLMcode r;

	if (!READY())
		return CURLM_INTERNAL_ERROR;
	va_start(ap, o);
	r = multi_setopt(m, o, ap);
	va_end(ap);
	return r;
}

/* every CURLINFO takes a pointer to where the answer goes */
CURLcode
curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	va_list ap;
	void *p;

	if (!READY())
		return CURLE_FAILED_INIT;
	va_start(ap, info);
	p = va_arg(ap, void *);
	va_end(ap);
	return fn.curl_easy_getinfo(h, info, p);
}

CURLcode
curl_global_init(long flags)
{
	return READY() ? fn.curl_global_init(flags) : CURLE_FAILED_INIT;
}

/* nothing to clean up in a libcurl never loaded */
void
curl_global_cleanup(void)
{
	if (state > 0)
		fn.curl_global_cleanup();
}

CURL *
curl_easy_init(void)
{
	return READY() ? fn.curl_easy_init() : NULL;
}

void
curl_easy_cleanup(CURL *h)
{
	if (READY())
		fn.curl_easy_cleanup(h);
}

void
curl_easy_reset(CURL *h)
{
	if (READY())
		fn.curl_easy_reset(h);
}

CURLcode
curl_easy_pause(CURL *h, int mask)
{
	return READY() ? fn.curl_easy_pause(h, mask) : CURLE_FAILED_INIT;
}

const char *
curl_easy_strerror(CURLcode c)
{
	return READY() ? fn.curl_easy_strerror(c) : "libcurl is not loaded";
}

CURLM *
curl_multi_init(void)
{
	return READY() ? fn.curl_multi_init() : NULL;
}

CURLMcode
curl_multi_cleanup(CURLM *m)
{
	return READY() ? fn.curl_multi_cleanup(m) : CURLM_INTERNAL_ERROR;
}

CURLMcode
curl_multi_add_handle(CURLM *m, CURL *h)
{
	return READY() ? fn.curl_multi_add_handle(m, h) : CURLM_INTERNAL_ERROR;
}

CURLMcode
curl_multi_remove_handle(CURLM *m, CURL *h)
{
	return READY() ? fn.curl_multi_remove_handle(m, h) :
	                 CURLM_INTERNAL_ERROR;
}

CURLMcode
curl_multi_perform(CURLM *m, int *running)
{
	return READY() ? fn.curl_multi_perform(m, running) :
	                 CURLM_INTERNAL_ERROR;
}

CURLMcode
curl_multi_poll(CURLM *m, struct curl_waitfd extra[], unsigned n,
    int timeout_ms, int *numfds)
{
	return READY() ? fn.curl_multi_poll(m, extra, n, timeout_ms, numfds) :
	                 CURLM_INTERNAL_ERROR;
}

CURLMcode
curl_multi_socket_action(CURLM *m, curl_socket_t s, int mask, int *running)
{
	return READY() ? fn.curl_multi_socket_action(m, s, mask, running) :
	                 CURLM_INTERNAL_ERROR;
}

CURLMsg *
curl_multi_info_read(CURLM *m, int *left)
{
	return READY() ? fn.curl_multi_info_read(m, left) : NULL;
}

struct curl_slist *
curl_slist_append(struct curl_slist *l, const char *s)
{
	return READY() ? fn.curl_slist_append(l, s) : NULL;
}

void
curl_slist_free_all(struct curl_slist *l)
{
	if (READY())
		fn.curl_slist_free_all(l);
}

CURLU *
curl_url(void)
{
	return READY() ? fn.curl_url() : NULL;
}

void
curl_url_cleanup(CURLU *u)
{
	if (READY())
		fn.curl_url_cleanup(u);
}

CURLUcode
curl_url_set(CURLU *u, CURLUPart what, const char *part, unsigned int flags)
{
	return READY() ? fn.curl_url_set(u, what, part, flags) :
	                 CURLUE_OUT_OF_MEMORY;
}
