"""Kamailio 5.6 for calls: WS/WSS registrar and proxy with rtpengine.

KamailioCalls(ns, certs, rtpengine) subclasses tests/interop/kamailio.py's
Kamailio (same life cycle, kamcmd, ul.dump, logs, cleanup) but writes its own
kamailio.cfg (same structure as the registration one) and runs inside a
NetNS as `ip netns exec NS setsid kamailio -DD -E -f CFG`, listening on the
namespace's veth address only:

  tcp:ADDR:5066  WebSocket       ws://ADDR:5066/
  tls:ADDR:7443  WebSocket/TLS   wss://pbx.arsphone.test:7443/ (certs.py
                 server certificate; names pbx.arsphone.test)

Routing:
- REGISTER: digest (users 505, 506, 507 by default, password "secret" + user,
  htable), save("location"); NAT handling for WS clients as in TESTING-NOTES:
  force_rport, nat_uac_test("64"), fix_nated_register / set_contact_alias
  (guarded by is_present_hf("Contact")), handle_ruri_alias after loose_route
  and lookup, one received_avp shared by nathelper and registrar.
- INVITE out of dialog: proxy digest (407) when auth_invite (default), only
  for our domain (else 403); record_route; lookup("location"): an unknown
  user -> 404 Not Found, a known one with no contact -> 480 Temporarily
  Unavailable; relayed to the callee's own WebSocket flow.
- CANCEL matched to its INVITE (t_check_trans), in-dialog ACK/BYE/re-INVITE
  by loose_route; 487 and other failures flow back through tm.
- Media: rtpengine_offer in a branch_route chosen by the destination,
  rtpengine_answer in the onreply_route chosen by where the INVITE came from
  (a transaction flag), rtpengine_delete on BYE, CANCEL and failures:
    WebRTC leg (WS/WSS client):  ICE=force RTP/SAVPF SDES-off
                                 rtcp-mux-require generate-mid
    plain-RTP leg (UDP client):  ICE=remove RTP/AVP DTLS=off SDES-off
                                 rtcp-mux-demux
  (flags overridable: webrtc_flags=, plain_flags=).
"""

import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "interop"))

import kamailio                                  # noqa: E402

DOMAIN = kamailio.REALM                          # pbx.arsphone.test
CALL_USERS = {"505": "secret505", "506": "secret506", "507": "secret507"}
WEBRTC_FLAGS = "ICE=force RTP/SAVPF SDES-off rtcp-mux-require generate-mid"
PLAIN_FLAGS = "ICE=remove RTP/AVP DTLS=off SDES-off rtcp-mux-demux"
WS_PORT = 5066
WSS_PORT = 7443

CFG = r"""#!KAMAILIO
# Written by tests/calls/kamailio_calls.py for one test run, inside a
# private network namespace; listens on @ADDR@ only.

debug=@DEBUG@
log_stderror=yes
memdbg=5
memlog=5
children=2
auto_aliases=no
dns=no
rev_dns=no
dns_try_ipv6=no
use_dns_cache=no
dns_try_naptr=no
server_header="Server: kamailio-calls"
user_agent_header="User-Agent: kamailio-calls"

listen=tcp:@ADDR@:@WS_PORT@
listen=tls:@ADDR@:@WSS_PORT@
enable_tls=yes
disable_sctp=yes
tcp_accept_no_cl=yes
tcp_rd_buf_size=65536
tcp_connection_lifetime=3605
alias="@REALM@"

mpath="@MODULES@"

loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "tm.so"
loadmodule "tmx.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "sanity.so"
loadmodule "ctl.so"
loadmodule "htable.so"
loadmodule "auth.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "nathelper.so"
loadmodule "tls.so"
loadmodule "xhttp.so"
loadmodule "websocket.so"
loadmodule "rtpengine.so"

# flag 1: the INVITE came from a WebSocket client (answer towards WebRTC)
#!define FLT_SRC_WS 1

modparam("ctl", "binrpc", "unix:@CTL@")
modparam("tls", "config", "@TLSCFG@")
modparam("htable", "htable", "users=>size=4;")
modparam("auth", "algorithm", "MD5")
modparam("usrloc", "db_mode", 0)
modparam("usrloc", "timer_interval", 5)
modparam("registrar", "min_expires", @MIN_EXPIRES@)
modparam("registrar", "min_expires_mode", 1)
modparam("registrar", "max_expires", @MAX_EXPIRES@)
modparam("registrar", "default_expires", @DEFAULT_EXPIRES@)
modparam("registrar", "received_avp", "$avp(RECEIVED)")
modparam("registrar", "gruu_enabled", 0)
modparam("nathelper", "received_avp", "$avp(RECEIVED)")
modparam("websocket", "sub_protocols", 1)
modparam("websocket", "keepalive_mechanism", 0)
modparam("rtpengine", "rtpengine_sock", "udp:127.0.0.1:@NG_PORT@")
modparam("rtpengine", "rtpengine_tout_ms", 2000)
modparam("tm", "fr_inv_timer", 60000)

event_route[htable:mod-init] {
@USERS@
}

request_route {
	xlog("L_NOTICE", "IN $rm $ru from $proto:$si:$sp cseq=$cs ci=$ci\n");
	if (!mf_process_maxfwd_header("10")) {
		sl_send_reply("483", "Too Many Hops");
		exit;
	}
	if (!sanity_check("17895", "7")) {
		xlog("L_WARN", "malformed request from $si:$sp\n");
		exit;
	}
	force_rport();
	if (nat_uac_test("64")) {
		if (is_method("REGISTER")) {
			fix_nated_register();
		} else if (is_present_hf("Contact")) {
			set_contact_alias();
		}
	}
	if (is_method("CANCEL")) {
		if (t_check_trans()) {
			rtpengine_delete();
			route(RELAY);
		}
		exit;
	}
	if (has_totag()) {
		route(WITHINDLG);
		exit;
	}
	if (is_method("ACK")) {
		# ACK of a negative reply to an INVITE we answered or relayed
		if (t_check_trans()) {
			t_relay();
		}
		exit;
	}
	if (is_method("REGISTER")) {
		route(REGISTRAR);
		exit;
	}
	if (is_method("OPTIONS") && uri == myself && $rU == $null) {
		sl_send_reply("200", "OK");
		exit;
	}
	if (!(uri == myself)) {
		sl_send_reply("403", "Relaying Forbidden");
		exit;
	}
	if (@AUTH_INVITE@ && is_method("INVITE|MESSAGE|SUBSCRIBE")) {
		if (!is_present_hf("Proxy-Authorization")) {
			proxy_challenge("$fd", "0");
			exit;
		}
		if (!pv_proxy_authenticate("$fd", "$sht(users=>$au)", "0")) {
			xlog("L_NOTICE", "PROXY AUTH $au failed ($rc)\n");
			proxy_challenge("$fd", "0");
			exit;
		}
		if ($au != $fU) {
			sl_send_reply("403", "Forbidden auth ID");
			exit;
		}
		consume_credentials();
	}
	if (is_method("INVITE|SUBSCRIBE")) {
		record_route();
	}
	if (!lookup("location")) {
		t_newtran();
		if ($sht(users=>$rU) != $null) {
			t_reply("480", "Temporarily Unavailable");
		} else {
			t_reply("404", "Not Found");
		}
		exit;
	}
	handle_ruri_alias();
	route(RELAY);
}

route[WITHINDLG] {
	if (loose_route()) {
		handle_ruri_alias();
		if (is_method("BYE")) {
			rtpengine_delete();
		}
		route(RELAY);
		exit;
	}
	if (is_method("ACK")) {
		if (t_check_trans()) {
			t_relay();
		}
		exit;
	}
	sl_send_reply("404", "Not here");
}

route[REGISTRAR] {
	if (!is_present_hf("Authorization")) {
		www_challenge("$td", "0");
		exit;
	}
	if (!pv_www_authenticate("$td", "$sht(users=>$au)", "0")) {
		xlog("L_NOTICE", "AUTH $au failed ($rc)\n");
		www_challenge("$td", "0");
		exit;
	}
	if ($au != $tU) {
		sl_send_reply("403", "Forbidden auth ID");
		exit;
	}
	consume_credentials();
	save("location");
	xlog("L_NOTICE", "SAVED $tU expires=$hdr(Expires) rc=$rc\n");
}

route[RELAY] {
	if (nat_uac_test("64")) {
		setflag(FLT_SRC_WS);
	}
	if (is_method("INVITE|UPDATE")) {
		t_on_branch("MEDIA_OFFER");
		t_on_reply("MEDIA_ANSWER");
		t_on_failure("FAILED");
	}
	if (is_method("ACK") && has_body("application/sdp")) {
		route(ACK_ANSWER);
	}
	xlog("L_NOTICE", "RELAY $rm to $ru via $du\n");
	if (!t_relay()) {
		sl_reply_error();
	}
	exit;
}

# the leg a request goes to is a WebRTC one when the target (after
# handle_ruri_alias: $du, else the R-URI) is a WebSocket transport
route[ACK_ANSWER] {
	if ($du =~ "transport=ws" || $ru =~ "transport=ws") {
		rtpengine_answer("@WEBRTC_FLAGS@");
	} else {
		rtpengine_answer("@PLAIN_FLAGS@");
	}
}

branch_route[MEDIA_OFFER] {
	if (!has_body("application/sdp")) {
		return;
	}
	if ($du =~ "transport=ws" || $ru =~ "transport=ws") {
		xlog("L_NOTICE", "OFFER to WebRTC leg $ru via $du\n");
		rtpengine_offer("@WEBRTC_FLAGS@");
	} else {
		xlog("L_NOTICE", "OFFER to plain leg $ru via $du\n");
		rtpengine_offer("@PLAIN_FLAGS@");
	}
}

onreply_route[MEDIA_ANSWER] {
	if (has_body("application/sdp")) {
		if (isflagset(FLT_SRC_WS)) {
			xlog("L_NOTICE", "ANSWER $rs to WebRTC leg\n");
			rtpengine_answer("@WEBRTC_FLAGS@");
		} else {
			xlog("L_NOTICE", "ANSWER $rs to plain leg\n");
			rtpengine_answer("@PLAIN_FLAGS@");
		}
	}
}

failure_route[FAILED] {
	xlog("L_NOTICE", "FAILED $T_reply_code for $ci\n");
	rtpengine_delete();
}

onreply_route {
	if (nat_uac_test("64") && is_present_hf("Contact")) {
		set_contact_alias();
	}
}

event_route[xhttp:request] {
	set_reply_close();
	set_reply_no_connect();
	if ($hdr(Upgrade) =~ "websocket" && $hdr(Connection) =~ "Upgrade"
			&& $rm =~ "GET") {
		if (ws_handle_handshake()) {
			exit;
		}
	}
	xhttp_reply("404", "Not Found", "text/plain", "not here\n");
}
"""


class KamailioCalls(kamailio.Kamailio):
    """Kamailio for calls inside ns; see the module doc."""

    def __init__(self, ns, certs, rtpengine, addr=None, users=None,
                 auth_invite=True, webrtc_flags=WEBRTC_FLAGS,
                 plain_flags=PLAIN_FLAGS, debug=2, **kw):
        kw.setdefault("ws_port", WS_PORT)
        kw.setdefault("wss_port", WSS_PORT)
        super().__init__(certs, users=dict(CALL_USERS if users is None
                                           else users), **kw)
        self.ns = ns
        self.addr = addr or ns.addr_a
        self.rtpengine = rtpengine
        self.auth_invite = auth_invite
        self.webrtc_flags = webrtc_flags
        self.plain_flags = plain_flags
        self.debug = debug

    def write_config(self):
        users = "\n".join('\t$sht(users=>%s) = "%s";' % (u, p)
                          for u, p in sorted(self.users.items()))
        cert, key = self.certs.pair(self.cert)
        subst = {"ADDR": self.addr, "WS_PORT": self.ws_port,
                 "WSS_PORT": self.wss_port, "MODULES": kamailio.modules_dir(),
                 "CTL": self.ctl_path, "TLSCFG": self.tls_path,
                 "MIN_EXPIRES": self.min_expires,
                 "MAX_EXPIRES": self.max_expires,
                 "DEFAULT_EXPIRES": self.default_expires,
                 "REALM": DOMAIN, "USERS": users,
                 "NG_PORT": self.rtpengine.ng_port,
                 "AUTH_INVITE": "1" if self.auth_invite else "0",
                 "WEBRTC_FLAGS": self.webrtc_flags,
                 "PLAIN_FLAGS": self.plain_flags, "DEBUG": self.debug}
        text = CFG
        for name, value in subst.items():
            text = text.replace("@%s@" % name, str(value))
        with open(self.cfg_path, "w") as f:
            f.write(text)
        with open(self.tls_path, "w") as f:
            f.write(kamailio.TLS_CFG.replace("@KEY@", key)
                    .replace("@CERT@", cert))

    def start(self, timeout=15):
        """Start inside the namespace; returns when WS and WSS accept and
        the ctl socket exists (the parent's ctl/cleanup logic is reused:
        the PID is kamailio's and its process group is its own)."""
        assert self.proc is None, "already running"
        kamailio.stop_packaged_service()
        self.write_config()
        with open(self.log_path, "ab") as log:
            log.write(b"\n===== start %d =====\n" % (self.starts + 1))
        self.proc = self.ns.popen(
            [kamailio.KAMAILIO, "-DD", "-E", "-f", self.cfg_path,
             "-Y", self.dir, "-w", self.dir, "-m", "64", "-M", "8"],
            label="kamailio", log_path=self.log_path)
        kamailio._live.add(self)
        self.starts += 1
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                rc = self.proc.returncode
                self.proc = None
                kamailio._live.discard(self)
                raise RuntimeError("kamailio exited %s at start; log:\n%s"
                                   % (rc, self.log()[-4000:]))
            if (self.ns.port_open(self.addr, self.ws_port)
                    and self.ns.port_open(self.addr, self.wss_port)
                    and os.path.exists(self.ctl_path)):
                return self
            if time.monotonic() > deadline:
                self.kill9()
                raise RuntimeError("kamailio not listening after %ss; log:\n%s"
                                   % (timeout, self.log()[-4000:]))
            time.sleep(0.05)

    def check_config(self):
        self.write_config()
        proc = subprocess.run([kamailio.KAMAILIO, "-c", "-f", self.cfg_path],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=30)
        if proc.returncode != 0:
            raise RuntimeError("kamailio -c failed:\n" + proc.stdout[-4000:])
        return proc.stdout

    def url(self, secure=True, host=None, path="/"):
        """wss://pbx.arsphone.test:7443/ (host: DOMAIN, mapped to addr by
        the namespace's hosts file) or ws://ADDR:5066/."""
        if secure:
            return "wss://%s:%d%s" % (host or DOMAIN, self.wss_port, path)
        return "ws://%s:%d%s" % (host or self.addr, self.ws_port, path)

    def wss_url(self):
        return self.url(True)
