"""Memory of one process, from /proc/PID/smaps_rollup and /proc/PID/status.

PSS divides every shared page among the processes that map it: the same
daemon reads lower while other processes use the same libraries (on a
desktop, GLib, libcrypto and SQLite are mapped by many) and higher on a
quiet machine, where the library pages it maps (with the kernel's
fault-around, more than it touches) count whole. So PSS is printed split
into its anonymous part (heap, stacks: ours whatever else runs) and its
file part (library code and data).
"""


def footprint(pid):
    """{'pss_mb', 'anon_mb', 'file_mb', 'rss_mb', 'threads'} of pid."""
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
            "anon_mb": kb["Pss_Anon"] / 1024,
            "file_mb": kb["Pss_File"] / 1024,
            "rss_mb": kb["Rss"] / 1024,
            "threads": kb["Threads"]}


def print_footprint(m, target_mb):
    print("  PSS    %7.2f MB   target < %d MB" % (m["pss_mb"], target_mb))
    print("    anonymous %5.2f MB (heap, stacks), files %5.2f MB (libraries; "
          "less when other processes map them too)" % (m["anon_mb"], m["file_mb"]))
    print("  RSS    %7.2f MB" % m["rss_mb"])
    print("  threads %d" % m["threads"])
