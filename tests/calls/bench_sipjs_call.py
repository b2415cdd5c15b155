#!/usr/bin/env python3
"""Figures for issue 4's comparison: one SIP.js phone in headless Chromium.

In a call lab (lab.py), two SIP.js phones (506 sends 440 Hz, 507 sends
880 Hz). Prints, for the phone under test (506, the caller):
  - Chromium launch -> registered (driver start, browser launch, page, REGISTER)
  - call setup over --calls calls (median and max): call() -> INVITE on the
    wire, INVITE -> 180 at the caller, answer() -> 200 seen and ICE/DTLS
    connected at the caller
  - idle registered (--idle seconds) and in a call (--seconds, default 30):
    CPU time as % of one core, PSS (sum over Chromium's whole process tree,
    max of 1 s samples), processes and threads of that tree
and one `bench-sipjs-call:` JSON line with everything.

Run (root): python3 tests/calls/bench_sipjs_call.py [--seconds 30] [--calls 5]
"""

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import procstats                                 # noqa: E402
from lab import CallLab, missing_requirements    # noqa: E402


def one_call(a, b, hold_s=1.0):
    a.dial("507")
    b.wait("phone.state === 'incoming'", 15)
    a.wait("phone.state === 'ringing'", 10)
    b.answer()
    a.wait("phone.state === 'established' && phone.times.media !== undefined", 15)
    ct = a.get("phone.times")
    et = b.get("phone.times")
    inv = [t for t, d, line, _ in a.get("phone.sip")
           if d == "out" and line.startswith("INVITE ") and t >= ct["call"]]
    time.sleep(hold_s)
    return {
        "call_to_invite_ms": inv[0] - ct["call"],
        "invite_to_ringing_ms": ct["progress"] - inv[0],
        "answer_to_established_ms": ct["established"] - et["answer"],
        "answer_to_media_ms": ct["media"] - et["answer"],
    }


def hang_up(a, b):
    a.hangup()
    for p in (a, b):
        p.wait("phone.state === 'ended'", 15)


def summary(values):
    return {"median": round(statistics.median(values), 1),
            "max": round(max(values), 1)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--idle", type=float, default=10)
    ap.add_argument("--calls", type=int, default=5)
    opts = ap.parse_args()
    why = missing_requirements()
    if why:
        sys.exit("cannot run: " + why)
    lab = CallLab().start()
    out = {}
    try:
        t0 = time.monotonic()
        a = lab.phone("a", 440)
        reg = a.register("506", "secret506", lab.kam.wss_url())
        out["launch_to_registered"] = {
            "total_ms": round((time.monotonic() - t0) * 1000),
            "chromium_launch_ms": a.ready["launchMs"],
            "page_ms": a.ready["pageMs"],
            "register_ms": round(reg["ms"]),
        }
        b = lab.phone("b", 880)
        b.register("507", "secret507", lab.kam.wss_url())
        chromium = a.chromium_pid()
        if not chromium:
            raise RuntimeError("Chromium of phone a not found")

        time.sleep(2)
        s = procstats.Sampler(chromium).start()
        time.sleep(opts.idle)
        out["idle_registered"] = s.stop()

        setups = []
        for _ in range(opts.calls):
            setups.append(one_call(a, b))
            hang_up(a, b)
        out["call_setup"] = {k: summary([c[k] for c in setups])
                             for k in setups[0]}
        out["call_setup"]["calls"] = len(setups)

        one_call(a, b, hold_s=2)
        s = procstats.Sampler(chromium).start()
        time.sleep(opts.seconds)
        out["in_call"] = s.stop()
        out["in_call"]["heard"] = a.detect_tone(880, ms=1000)
        out["in_call"]["rtp"] = a.stats()
        hang_up(a, b)
        out["driver_node_pss_mb"] = round(
            procstats.pss_kb([a.proc.pid]) / 1024, 1)
    except BaseException:
        sys.stderr.write(lab.report())
        raise
    finally:
        lab.close()

    r = out["launch_to_registered"]
    print("SIP.js 0.21 in headless Chromium (%s), one phone:" % os.uname().machine)
    print("  launch -> registered  %d ms (Chromium launch %d, page %d, "
          "REGISTER %d)" % (r["total_ms"], r["chromium_launch_ms"],
                            r["page_ms"], r["register_ms"]))
    for k, v in out["call_setup"].items():
        if k != "calls":
            print("  %-24s median %.1f ms, max %.1f ms (%d calls)"
                  % (k, v["median"], v["max"], out["call_setup"]["calls"]))
    for what in ("idle_registered", "in_call"):
        m = out[what]
        print("  %-16s CPU %.1f %% of a core over %.0f s, PSS %.1f MB, "
              "%d processes, %d threads" % (what, m["cpu_pct"], m["wall_s"],
                                            m["pss_mb"], m["processes"],
                                            m["threads"]))
    print("bench-sipjs-call: " + json.dumps(out))


if __name__ == "__main__":
    main()
