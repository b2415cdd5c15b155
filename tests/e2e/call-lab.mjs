// The call lab for the browser tests, from Node: calls_lab.py (tests/calls' CallLab with arsphone and a SIP.js phone,
// inside its own network namespace) behind a small promise API, and a Chromium wrapper that runs the page's browser
// inside the same namespace. Used by calls.test.mjs.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { writeFile, chmod, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CHROMIUM, HERE, S } from './harness.mjs';

// Starts calls_lab.py; resolves with {netns, ip, port, token, account_id, base, api(), phone(), wait(), get(), report(),
// close()} once the lab is ready. A lab that cannot start rejects with "Bail out! ...".
export function startLab() {
  return new Promise((resolve, reject) => {
    // Not tracked by the harness (which SIGKILLs what it tracks): the lab must get the chance to tear down its
    // namespace. It does so when its stdin closes, i.e. when this process goes, whatever the reason.
    const proc = spawn('python3', [join(HERE, 'calls_lab.py')], { stdio: ['pipe', 'pipe', 'pipe'] });
    const stderr = [];
    let stderrSize = 0;
    proc.stderr.on('data', (d) => {
      stderr.push(String(d));
      stderrSize += d.length;
      while (stderrSize > 200000 && stderr.length > 1) stderrSize -= stderr.shift().length;
    });
    const pending = new Map();
    let next = 0;
    let ready = null;
    const timer = setTimeout(() => fail(new Error('call lab not ready within 180 s')), 180 * S);
    function fail(err) {
      clearTimeout(timer);
      err.message += '\n# lab stderr: ' + stderr.join('').slice(-3000);
      reject(err);
    }
    proc.on('exit', (code, signal) => {
      for (const { rej } of pending.values()) rej(new Error(`call lab exited (${code}, ${signal})`));
      pending.clear();
      if (!ready) fail(new Error(`call lab exited early (code ${code}, signal ${signal})`));
    });
    createInterface({ input: proc.stdout }).on('line', (line) => {
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        return;
      }
      if (msg.event === 'ready' && !ready) {
        clearTimeout(timer);
        ready = msg;
        resolve(makeLab(proc, msg, pending, () => ++next, stderr));
      } else if (msg.event === 'error' && !ready) {
        fail(new Error('Bail out! ' + msg.error));
      } else if (msg.id !== undefined && pending.has(msg.id)) {
        const { res, rej, req } = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.ok) res(msg.value);
        else rej(new Error(`lab ${req.op} ${req.method || req.expr || ''}: ${msg.error}`));
      }
    });
  });
}

function makeLab(proc, info, pending, nextId, stderr) {
  function send(req, timeoutS = 60) {
    return new Promise((res, rej) => {
      const id = nextId();
      const timer = setTimeout(() => {
        pending.delete(id);
        rej(new Error(`lab: no answer to ${JSON.stringify(req)} within ${timeoutS} s`));
      }, timeoutS * S);
      pending.set(id, {
        req,
        res: (v) => (clearTimeout(timer), res(v)),
        rej: (e) => (clearTimeout(timer), rej(e)),
      });
      proc.stdin.write(JSON.stringify({ ...req, id }) + '\n');
    });
  }
  return {
    ...info,
    base: `http://127.0.0.1:${info.port}/`,
    api: (method, path, body) => send({ op: 'api', method, path: '/api/v1' + path, body: body ?? null }),
    phone: (method, ...args) => send({ op: 'phone', method, args }),
    wait: (expr, timeout = 15) => send({ op: 'wait', expr, timeout }, timeout + 30),
    get: (expr) => send({ op: 'get', expr }),
    report: () => send({ op: 'report' }),
    stderr: () => stderr.join(''),
    async close() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      send({ op: 'close' }, 120).catch(() => {});
      const timer = setTimeout(() => proc.kill('SIGTERM'), 90 * S);
      await exited;
      clearTimeout(timer);
    },
  };
}

// The wrapper Playwright starts instead of Chromium: the same Chromium, inside the lab's namespace.
export async function chromiumInLab(dir, lab) {
  const path = join(dir, 'chromium-in-lab');
  const q = (s) => "'" + String(s).replace(/'/g, "'\\''") + "'";
  await writeFile(path, `#!/bin/sh\n# Chromium inside the call lab's network namespace (calls.test.mjs)\nexec ${q(lab.ip)} netns exec ${q(lab.netns)} ${q(CHROMIUM)} "$@"\n`);
  await chmod(path, 0o755);
  return path;
}

// PIDs in the namespace (ip netns pids) whose command line names this profile directory.
export async function chromiumPidsIn(lab, profileDir) {
  const out = await new Promise((resolve, reject) => {
    const p = spawn(lab.ip, ['netns', 'pids', lab.netns], { stdio: ['ignore', 'pipe', 'inherit'] });
    let data = '';
    p.stdout.on('data', (d) => (data += d));
    p.on('exit', (code) => (code === 0 ? resolve(data) : reject(new Error('ip netns pids: ' + code))));
  });
  const found = [];
  for (const pid of out.split(/\s+/).filter(Boolean)) {
    try {
      const cmd = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
      const exe = await readlink(`/proc/${pid}/exe`);
      if (/chromium/.test(exe) && cmd.some((a) => a.includes(profileDir))) found.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

