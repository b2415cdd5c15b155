"""Test certificates for the interop tests, made with the openssl command.

generate(dir) writes into dir (a new temporary directory when None):

  ca.crt / ca.key            a test CA ("arsphone interop test CA")
  server.crt / server.key    pbx.arsphone.test, signed by the CA,
                             SAN DNS:pbx.arsphone.test, IP:127.0.0.1
  self.crt / self.key        the same name and SANs, self-signed (untrusted
                             in verify mode; for pinning)
  other.crt / other.key      other.arsphone.test, signed by the CA (a name
                             mismatch for pbx.arsphone.test and 127.0.0.1)

and returns a Certs object with the paths, the PEM texts and each
certificate's SHA-256 fingerprint written "AB:CD:..." (upper case), the way
api.md writes tls.pin_sha256 and certificate.sha256.

EC P-256 keys: quick to make, and every TLS stack in use here takes them.
Run directly (python3 certs.py [DIR]) to make a set and print a summary.
"""

import atexit
import hashlib
import os
import shutil
import ssl
import subprocess
import sys
import tempfile

SERVER_NAME = "pbx.arsphone.test"
OTHER_NAME = "other.arsphone.test"
DAYS = 3650


def fingerprint_pem(pem_text):
    """SHA-256 of the first certificate in pem_text, as AB:CD:..."""
    der = ssl.PEM_cert_to_DER_cert(pem_text)
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def fingerprint_file(path):
    with open(path) as f:
        return fingerprint_pem(f.read())


def _openssl(*args, cwd):
    proc = subprocess.run(["openssl"] + list(args), cwd=cwd,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
    if proc.returncode != 0:
        raise RuntimeError("openssl %s failed (%d): %s"
                           % (" ".join(args), proc.returncode,
                              proc.stderr.decode(errors="replace")))
    return proc.stdout


def _key(name, cwd):
    _openssl("genpkey", "-algorithm", "EC", "-pkeyopt",
             "ec_paramgen_curve:P-256", "-out", name, cwd=cwd)
    os.chmod(os.path.join(cwd, name), 0o600)


class Certs:
    """Paths (absolute), PEM texts and fingerprints of one generated set."""

    def __init__(self, directory):
        self.dir = directory
        p = lambda name: os.path.join(directory, name)   # noqa: E731
        self.ca_cert, self.ca_key = p("ca.crt"), p("ca.key")
        self.server_cert, self.server_key = p("server.crt"), p("server.key")
        self.self_cert, self.self_key = p("self.crt"), p("self.key")
        self.other_cert, self.other_key = p("other.crt"), p("other.key")

    def _load(self):
        def read(path):
            with open(path) as f:
                return f.read()
        self.ca_pem = read(self.ca_cert)
        self.server_pem = read(self.server_cert)
        self.self_pem = read(self.self_cert)
        self.other_pem = read(self.other_cert)
        self.ca_sha256 = fingerprint_pem(self.ca_pem)
        self.server_sha256 = fingerprint_pem(self.server_pem)
        self.self_sha256 = fingerprint_pem(self.self_pem)
        self.other_sha256 = fingerprint_pem(self.other_pem)
        return self

    def pair(self, which):
        """(cert, key) paths of 'server', 'self' or 'other'."""
        return {"server": (self.server_cert, self.server_key),
                "self": (self.self_cert, self.self_key),
                "other": (self.other_cert, self.other_key)}[which]

    def sha256(self, which):
        return {"server": self.server_sha256, "self": self.self_sha256,
                "other": self.other_sha256, "ca": self.ca_sha256}[which]

    def server_context(self, which="server"):
        """An ssl.SSLContext serving the given certificate (fake PBX)."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        cert, key = self.pair(which)
        ctx.load_cert_chain(cert, key)
        return ctx

    def client_context(self):
        """A client context trusting only the test CA (harness checks)."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(cadata=self.ca_pem)
        return ctx


def _signed(cwd, name, cn, sans, serial):
    _key(name + ".key", cwd)
    _openssl("req", "-new", "-key", name + ".key", "-subj", "/CN=" + cn,
             "-out", name + ".csr", cwd=cwd)
    ext = name + ".ext"
    with open(os.path.join(cwd, ext), "w") as f:
        f.write("basicConstraints = critical, CA:FALSE\n"
                "keyUsage = critical, digitalSignature\n"
                "extendedKeyUsage = serverAuth\n"
                "subjectKeyIdentifier = hash\n"
                "authorityKeyIdentifier = keyid\n"
                "subjectAltName = %s\n" % sans)
    _openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt",
             "-CAkey", "ca.key", "-set_serial", str(serial), "-days",
             str(DAYS), "-sha256", "-extfile", ext, "-out", name + ".crt",
             cwd=cwd)


def generate(directory=None):
    """Make the whole set in directory (created if needed); returns Certs."""
    if directory is None:
        directory = tempfile.mkdtemp(prefix="arsphone-certs-")
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
    directory = os.path.abspath(directory)
    os.makedirs(directory, exist_ok=True)
    cwd = directory
    sans = "DNS:%s, IP:127.0.0.1" % SERVER_NAME

    _key("ca.key", cwd)
    _openssl("req", "-x509", "-new", "-key", "ca.key", "-sha256",
             "-days", str(DAYS), "-subj", "/CN=arsphone interop test CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             "-out", "ca.crt", cwd=cwd)
    _signed(cwd, "server", SERVER_NAME, sans, 1001)
    _signed(cwd, "other", OTHER_NAME, "DNS:" + OTHER_NAME, 1002)

    _key("self.key", cwd)
    _openssl("req", "-x509", "-new", "-key", "self.key", "-sha256",
             "-days", str(DAYS), "-subj", "/CN=" + SERVER_NAME,
             "-addext", "subjectAltName=" + sans,
             "-addext", "basicConstraints=critical,CA:FALSE",
             "-addext", "extendedKeyUsage=serverAuth",
             "-out", "self.crt", cwd=cwd)
    return Certs(directory)._load()


if __name__ == "__main__":
    c = generate(sys.argv[1] if len(sys.argv) > 1 else None)
    print("dir   ", c.dir)
    for which in ("ca", "server", "self", "other"):
        print("%-6s %s" % (which, c.sha256(which)))
