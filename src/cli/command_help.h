// The long help (examples, exit codes) of caractrl's smaller commands, kept
// out of main.cc (the command tree) because they are prose. diff and sync
// have theirs in gitops_help.h.
#pragma once

namespace cara::cli {

inline constexpr char kGetHelp[] =
    "Examples:\n  caractrl get nodes\n  caractrl get projects --phase Running\n"
    "  caractrl get project web -o yaml\n  caractrl get projects web shop -o wide\n"
    "  caractrl get projects -o name --no-headers\n"
    "  caractrl get projects -l caravanserai.io/preview=true\n"
    "  caractrl get projects -l 'tier in (web,api),!caravanserai.io/preview'\n"
    "  caractrl get events --for project/web\n"
    "  caractrl get nodes -w\n  caractrl get projects -w -o json\n  caractrl get projects -o "
    "yaml > backup.yaml   # caractrl apply "
    "-f "
    "backup.yaml restores it\n";

inline constexpr char kSealHelp[] =
    "Every stringData value moves to sealedData, sealed to the cluster's public key and bound\n"
    "to the Secret's name and key (it opens nowhere else). Values already sealed are kept.\n"
    "Node and Project documents are printed unchanged. The manifests go to stdout (-o yaml,\n"
    "the default, or -o json); the key's fingerprint to stderr.\n\n"
    "Examples:\n  caractrl seal -f db-secret.yaml > secrets/db.yaml\n"
    "  caractrl get secret publickey -o json > cluster-key.json   # once, online\n"
    "  caractrl seal -f db-secret.yaml --public-key-file cluster-key.json   # offline\n\n"
    "Exit codes:\n"
    "  0  sealed and printed\n"
    "  1  the server could not give its public key, or sealing failed\n"
    "  2  invalid manifests, an unreadable or invalid key file, or bad usage; nothing printed\n";

inline constexpr char kApplyHelp[] =
    "Examples:\n  caractrl apply -f examples/manifests\n"
    "  caractrl apply -f preview.yaml --expire-in 3d\n  cat web.yaml | caractrl apply -f -\n"
    "  caractrl get projects -o yaml | caractrl apply -f -   # Lists are accepted\n";

inline constexpr char kDescribeHelp[] =
    "Examples:\n  caractrl describe node node-1\n  caractrl describe project web shop\n"
    "  caractrl describe project web -o yaml\n";

inline constexpr char kRolloutRestartHelp[] =
    "Sets the annotation caravanserai.io/restarted-at to now; diff and sync ignore it.\n\n"
    "Examples:\n  caractrl rollout restart project shop\n"
    "  caractrl rollout restart project/shop project/blog\n\n"
    "Exit codes:\n"
    "  0  every project was restarted\n"
    "  1  the server or the network failed a request (e.g. the project does not exist)\n"
    "  2  invalid arguments or flags (nothing was restarted)\n";

inline constexpr char kVersionHelp[] =
    "Exit codes: 0, or 1 when the server cannot be asked (the client line is printed "
    "first)\n";

inline constexpr char kDrainHelp[] =
    "Sets or clears the node's spec.unschedulable (a read-modify-write with its\n"
    "resourceVersion). A node synced from Git is set back by the next sync: change\n"
    "spec.unschedulable in the source instead.\n\n"
    "Examples:\n  caractrl drain node-2\n  caractrl undrain node/node-2\n\n"
    "Exit codes:\n"
    "  0  every node is as asked (`already drained` when nothing had to change)\n"
    "  1  the server or the network failed a request (e.g. the node does not exist)\n"
    "  2  invalid arguments or flags (nothing was changed)\n";

inline constexpr char kDeleteHelp[] =
    "Examples:\n  caractrl delete project web shop\n  caractrl delete project web --force\n"
    "  caractrl delete project pr-42 --ignore-not-found\n"
    "  caractrl delete node node-2\n  caractrl delete -f examples/manifests/previews\n";

inline constexpr char kLogsHelp[] =
    "Examples:\n  caractrl logs web/web\n  caractrl logs guestbook/api -f --tail 20\n";

inline constexpr char kHistoryHelp[] =
    "Runs are listed oldest first (newest last); the server keeps the newest 100 per source.\n\n"
    "Examples:\n  caractrl history\n  caractrl history --source /srv/cluster.git//prod -o "
    "yaml\n";

inline constexpr char kRollbackHelp[] =
    "The source stays suspended, so no sync (nor sync --watch) undoes the rollback until\n"
    "caractrl resume --source ID or caractrl sync --resume lifts it.\n\n"
    "Examples:\n  caractrl rollback --source /srv/cluster.git//prod --to 20261207-013102-3fa9\n"
    "  caractrl rollback --source https://git.example.com/ops/cluster.git --to 1a2b3c4d\n\n"
    "Exit codes: as caractrl sync's (2 also for an unknown run or an unreadable revision, in\n"
    "which case nothing was suspended)\n";

inline constexpr char kExplainHelp[] =
    "Lists cross arrays without a step of their own: project.spec.services.ports.\n"
    "-o json|yaml prints the same for scripts; -o markdown without a resource prints the\n"
    "manifest reference (docs/manifest-reference.md).\n\n"
    "Examples:\n  caractrl explain project\n  caractrl explain project.spec.services\n"
    "  caractrl explain projects.spec.services.healthcheck.interval\n"
    "  caractrl explain node.status --recursive\n  caractrl explain -o markdown\n\n"
    "Exit codes:\n"
    "  0  printed\n"
    "  2  unknown resource type or field (the message names the closest field), or bad "
    "usage\n";

inline constexpr char kCompletionHelp[] =
    "Examples:\n  source <(caractrl completion bash)\n"
    "  caractrl completion zsh > \"${fpath[1]}/_caractrl\"\n"
    "  caractrl completion fish > ~/.config/fish/completions/caractrl.fish\n";

inline constexpr char kConfigHelp[] =
    "Examples:\n  caractrl config get-contexts\n  caractrl config use-context prod\n"
    "  CARA_CONFIG=/var/lib/caravanserai/caractrl.yaml caractrl get nodes\n";

}  // namespace cara::cli
