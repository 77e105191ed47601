"""The one place that reads and writes files: `reading` (scenario files and
snapshots, the texts kept for messages, `UsageError`) and `writing` (the one
atomic writer). The core never touches a file."""
