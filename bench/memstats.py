"""Memory of one process, from /proc/PID/smaps_rollup and /proc/PID/status.

PSS divides every shared page among the processes that map it: the same
daemon reads lower while other processes use the same libraries (on a
desktop, GLib, libcrypto and SQLite are mapped by many) and higher on a
quiet machine. USS (the pages only this process has) does not depend on
that; both are printed.
"""


def footprint(pid):
    """{'pss_mb', 'uss_mb', 'rss_mb', 'threads'} of pid."""
    kb = {}
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and parts[0].endswith(":") and parts[1].isdigit():
                kb[parts[0][:-1]] = int(parts[1])
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Threads:"):
                kb["Threads"] = int(line.split()[1])
    return {"pss_mb": kb["Pss"] / 1024,
            "uss_mb": (kb["Private_Clean"] + kb["Private_Dirty"]) / 1024,
            "rss_mb": kb["Rss"] / 1024,
            "threads": kb["Threads"]}


def print_footprint(m, target_mb):
    print("  PSS    %7.2f MB   target < %d MB" % (m["pss_mb"], target_mb))
    print("  USS    %7.2f MB   (private pages only)" % m["uss_mb"])
    print("  RSS    %7.2f MB" % m["rss_mb"])
    print("  threads %d" % m["threads"])
