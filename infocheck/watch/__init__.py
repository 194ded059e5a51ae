"""`infocheck watch`: a fleet checked on a schedule, each cycle a fleet run of its own into its
own report folder, and Prometheus metrics read from each cycle's infocheck.json (the typed
model, never a message). schedule.py is when cycles start, cycle.py runs one (and stops it),
metrics.py turns a cycle's report into metrics, command.py is the command line."""
