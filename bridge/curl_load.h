/*
 * curl_load - libcurl loaded on first use (dlopen), not at the bridge's
 * start; see curl_load.c. The bridge calls libcurl's functions as usual.
 */
#ifndef BRIDGE_CURL_LOAD_H
#define BRIDGE_CURL_LOAD_H

/* Load libcurl now (idempotent): 0, or -1 with curl_load_error() set.
 * Calling it early is optional: any libcurl function loads it. */
int curl_load(void);

/* Why the load failed ("" if it did not). */
const char *curl_load_error(void);

#endif
