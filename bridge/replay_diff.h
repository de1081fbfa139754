/*
 * replay_diff - captured invocations replayed against the app and their
 * answers compared (bridge replay --diff).
 */
#ifndef BRIDGE_REPLAY_DIFF_H
#define BRIDGE_REPLAY_DIFF_H

#include "core.h"
#include "event.h"

/* Replay and compare the captures in cfg.files through the started core;
 * the exit status: 0 the same, 1 changed, 2 errors. */
int replay_diff(struct core *core, struct event_opts *eo);

#endif
