#!/usr/bin/env python3
"""Static HTTPS server for the SIP.js test page, run inside the namespace.

    pageserver.py ADDR PORT DIR CERT KEY

Serves DIR (index.html + phone.bundle.js, see sipjs.py build_page) over
HTTPS on ADDR:PORT, the namespace's veth address. HTTPS because getUserMedia
needs a secure context and plain http is one only on loopback; the page's
origin is then a private address like Kamailio's, so Chromium's local
network access checks let it open wss:// to Kamailio. The certificate is
certs.py's server certificate (Chromium is told to ignore certificate
errors through Playwright's ignoreHTTPSErrors). Logs requests on stderr.
"""

import functools
import http.server
import ssl
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = dict(http.server.SimpleHTTPRequestHandler.extensions_map,
                          **{".js": "text/javascript", ".mjs": "text/javascript"})

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


def main():
    if len(sys.argv) != 6:
        sys.exit("usage: pageserver.py ADDR PORT DIR CERT KEY")
    addr, port, directory, cert, key = sys.argv[1:]
    handler = functools.partial(Handler, directory=directory)
    httpd = http.server.ThreadingHTTPServer((addr, int(port)), handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    sys.stderr.write("pageserver: https://%s:%s/ serving %s\n"
                     % (addr, port, directory))
    sys.stderr.flush()
    httpd.serve_forever()


if __name__ == "__main__":
    main()
