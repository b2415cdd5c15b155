#!/usr/bin/env python3
"""The call lab for the browser test calls.test.mjs, driven over stdin/stdout.

Starts tests/calls' CallLab (its own network namespace with Kamailio,
rtpengine and the SIP.js page server; see tests/calls/netns.py), arsphone
inside it (--audio-in tone:440 --audio-out null) with account "Office" (505)
registered over WSS, and one SIP.js phone (506, in its own headless
Chromium, also inside). Then prints one JSON line

    {"event": "ready", "netns": NS, "ip": "/usr/sbin/ip", "port": P,
     "token": T, "account_id": N, "account_name": "Office", "timings": {...}}

and answers one JSON request per stdin line, each in its own thread (so a
long wait does not hold up the others), with {"id": N, "ok": true,
"value": ...} or {"id": N, "ok": false, "error": "..."}:

    {"id": 1, "op": "api", "method": "GET", "path": "/api/v1/calls", "body": null}
        -> {"status": 200, "body": {...}}     (the daemon's API, from inside)
    {"id": 2, "op": "phone", "method": "call", "args": ["505"]}
        -> window.phone.call("505") in the SIP.js page (sipjs.py's invoke)
    {"id": 3, "op": "wait", "expr": "phone.state === 'ringing'", "timeout": 15}
    {"id": 4, "op": "get", "expr": "phone.lastStatus"}
    {"id": 5, "op": "report"}    -> the lab's logs (for a failure report)
    {"id": 6, "op": "close"}     -> everything stopped, then exit 0

The Node test runs the control page's Chromium inside the same namespace
(`ip netns exec NS chromium ...`), so the page reaches the daemon at
http://127.0.0.1:P/ there and every WebRTC/ICE candidate of the call stays
inside the namespace. stdin closing, SIGTERM or SIGINT tear the lab down too.
Everything but the protocol goes to stderr.
"""

import json
import os
import signal
import sys
import threading
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "calls"))

from lab import CallLab, missing_requirements      # noqa: E402

PROTOCOL = sys.stdout
sys.stdout = sys.stderr          # the lab's own prints must not mix with ours
_write = threading.Lock()


def emit(obj):
    with _write:
        PROTOCOL.write(json.dumps(obj) + "\n")
        PROTOCOL.flush()


def start():
    lab = CallLab().start()
    try:
        d = lab.start_arsphone(args=["--audio-in", "tone:440",
                                     "--audio-out", "null"])
        with lab.ns.entered():
            acc = d.create_account(**lab.arsphone_account(
                "505", name="Office", display_name="Reception"))
            d.wait(acc["id"], "registered", timeout=20)
        peer = lab.phone("sipjs", 880)
        peer.register("506", "secret506", lab.kam.wss_url())
    except BaseException:
        sys.stderr.write(lab.report())
        lab.close()
        raise
    return lab, d, acc, peer


def handle(lab, d, peer, req):
    op = req.get("op")
    if op == "api":
        with lab.ns.entered():
            resp = d.request(req["method"], req["path"], req.get("body"))
        return {"status": resp.status, "body": resp.json}
    if op == "phone":
        return peer.invoke(req["method"], *req.get("args", []),
                           timeout=req.get("timeout", 30))
    if op == "wait":
        return peer.wait(req["expr"], req.get("timeout", 15))
    if op == "get":
        return peer.get(req["expr"])
    if op == "report":
        return lab.report()[-req.get("limit", 20000):]
    raise ValueError("unknown op %r" % op)


def serve(lab, d, peer):
    def run(req):
        try:
            emit({"id": req.get("id"), "ok": True,
                  "value": handle(lab, d, peer, req)})
        except BaseException as e:          # reported to the test
            emit({"id": req.get("id"), "ok": False,
                  "error": "%s: %s" % (type(e).__name__, e)})
            traceback.print_exc()

    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
        except ValueError:
            emit({"event": "bad-request", "text": line[:200]})
            continue
        if req.get("op") == "close":
            return req.get("id")
        threading.Thread(target=run, args=(req,), daemon=True).start()
    return None


def main():
    def on_term(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, on_term)

    why = missing_requirements()
    if why:
        emit({"event": "error", "error": "the call lab cannot run here: " + why})
        return 1
    try:
        lab, d, acc, peer = start()
    except BaseException as e:
        emit({"event": "error", "error": "%s: %s" % (type(e).__name__, e)})
        return 1
    code = 0
    try:
        emit({"event": "ready", "netns": lab.ns.name, "ip": lab.ns.argv([])[0],
              "port": d.port, "token": d.token, "account_id": acc["id"],
              "account_name": acc["name"], "timings": lab.timings})
        close_id = serve(lab, d, peer)
    except KeyboardInterrupt:
        close_id = None
        code = 1
    finally:
        try:
            lab.close()
        except Exception as e:              # reported, exit code says so
            sys.stderr.write("call lab cleanup: %r\n" % e)
            code = 1
    if close_id is not None:
        emit({"id": close_id, "ok": True, "value": None})
    return code


if __name__ == "__main__":
    sys.exit(main())
