#!/bin/sh
// 2>/dev/null; exec node -- "$0" "$@"
// The launcher for systems whose `env` has no -S (BusyBox: Alpine and every node:*-alpine image; OpenBSD,
// NetBSD). sh runs the line above: `//` fails quietly and Node starts on this same file, with `--` so that
// Node 20-26 leave our `--env-file` alone (nodejs/node#54232). To Node, these lines are comments.
require('./start.cjs').load().run();
