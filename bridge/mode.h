/*
 * mode - the front ends' entry points. Each returns the process exit code.
 */
#ifndef BRIDGE_MODE_H
#define BRIDGE_MODE_H

int mode_replay(void);
int mode_lambda(void);
int mode_fcgi(void);
int mode_cgi(void);
int mode_prewarm(void);

#endif
