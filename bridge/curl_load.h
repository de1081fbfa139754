/*
 * curl_load - libcurl loaded on first use (dlopen), not at the bridge's
 * start; see curl_load.c. The bridge calls libcurl's functions as usual.
 */
#ifndef BRIDGE_CURL_LOAD_H
#define BRIDGE_CURL_LOAD_H

/* Load libcurl and curl_global_init it: 0, or -1 after a fatal log line
 * ("unable to load libcurl: <why>"). Pair it with curl_global_cleanup. */
int curl_start(void);

#endif
