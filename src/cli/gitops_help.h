// The long help of caractrl diff and sync: examples and exit codes, kept
// out of main.cc (the command tree) because they are prose.
#pragma once

namespace cara::cli {

inline constexpr char kDiffExamples[] =
    "Examples:\n"
    "  caractrl diff examples/manifests\n"
    "  caractrl diff --repo https://git.example.com/ops/cluster.git --ref main --path prod\n"
    "  caractrl diff --repo . --base origin/main --ref HEAD -o markdown   # in CI, no server\n\n";
inline constexpr char kDiffExitCodes[] =
    "Exit codes:\n"
    "  0  the cluster matches the source\n"
    "  1  there are differences (an object sync would skip, e.g. a terminating one, counts)\n"
    "  2  error: invalid manifests, unreadable source, unreachable server or bad usage\n"
    "  3  sync would refuse the plan (a prune guard: empty source, --max-delete)\n"
    "A Failed or unhealthy project is reported (and counted) as degraded; it is not a\n"
    "difference.\n";
inline constexpr char kSyncExamples[] =
    "Examples:\n"
    "  caractrl sync examples/manifests\n"
    "  caractrl sync --repo https://git.example.com/ops/cluster.git --ref main --wait\n"
    "  caractrl sync --repo /srv/cluster.git --watch --interval 30s\n"
    "  CARA_WEBHOOK_SECRET=... caractrl sync --repo https://github.com/ops/cluster.git \\\n"
    "      --ref main --watch --interval 1h --webhook-listen :9000 --metrics-listen :9100\n"
    "  caractrl sync --repo /srv/cluster.git --watch --notify https://chat.example.com/hooks/X \\\n"
    "      --notify-format slack   # a message per cycle that wrote or failed\n"
    "  caractrl sync ./manifests --dry-run -o json\n"
    "  caractrl sync ./manifests --selector tier=front --wait   # a partial sync\n"
    "  caractrl sync --resume --source /srv/cluster.git//prod --ref main   # after a rollback\n\n"
    "Every sync that writes records a run in the server's history (caractrl history).\n\n"
    "Sync waves: the annotation caravanserai.io/sync-wave: \"N\" (integer, default 0) writes\n"
    "objects wave by wave (ascending) and deletes them in reverse; with --wait each wave runs\n"
    "(healthy) before the next is written.\n\n";
inline constexpr char kSyncExitCodes[] =
    "Exit codes:\n"
    "  0  the cluster converged (or --dry-run: the plan was printed)\n"
    "  1  some actions failed or were interrupted, an object of the source was not applied\n"
    "     (it belongs to another source or is terminating), the server was unreachable, or a\n"
    "     project failed during --wait\n"
    "  2  invalid manifests, unreadable source, a Secret with plain stringData (without\n"
    "     --allow-plain-secrets) or bad usage; nothing was applied\n"
    "  3  refused by a prune guard (empty source, --max-delete); nothing was applied\n"
    "  4  --wait timed out\n"
    "  5  the source is suspended (caractrl suspend, rollback); nothing was applied: --resume\n"
    "     lifts the suspension first (--watch skips its cycles instead, and says so in its log)\n";

}  // namespace cara::cli
