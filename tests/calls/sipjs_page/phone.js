// The SIP.js phone of the call interop tests (tests/calls/). Bundled with
// sip.js by esbuild (sipjs.py build_page) into phone.bundle.js and served,
// with index.html, by pageserver.py inside the test's network namespace.
//
// window.phone, driven by the harness through Playwright (sipjs_driver.mjs):
//   register(user, pass, wsUrl, domain?, opts?)  -> {ms}; rejects with the
//                         status. opts.rel100 'required' | 'supported'
//                         (RFC 3262; default: unsupported, as SIP.js):
//                         'required' makes our INVITEs carry Require: 100rel
//                         and our answer to an incoming call start with a
//                         reliable 183 (with the SDP answer, early media)
//                         that waits for its PRACK
//   unregister()
//   call(target)          a number/user (sip:TARGET@domain) or a sip: URI;
//                         resolves once the INVITE is on its way
//   answer(), decline(code = 603), hangup() (BYE, CANCEL or reject as fits),
//   cancel()
//   state                 idle registering registered failed | dialing
//                         ringing incoming established ended
//   lastStatus / lastReason / lastReasonHeader   final response of the last
//                         call (or the request that ended it)
//   endedBy               'local' | 'remote'
//   times                 epoch ms marks: call, inviteSent, progress,
//                         accepted, incoming, answer, established, media, ended
//   sip                   [epoch ms, 'in'|'out', first line, CSeq] of every
//                         SIP message on the WebSocket
//   detectTone(hz, {ms, which: 'remote'|'local'})  -> level at hz vs its
//                         neighbours from an AnalyserNode (dB), peak, rms;
//                         hz may be a list (one window, one result each)
//   stats()               RTP counters and codec from getStats()
//   setCodecs(['PCMU'], events)  offer/answer only these codecs (null: all),
//                         telephone-event unless events is false
//   sendDtmf('12#')       RFC 4733 events on the current call
//   reinvite({hold})      re-INVITE on the established call (hold: a=sendonly)
//                         -> {status, reason, sdp} of the final response
//
// Audio: getUserMedia asks for echoCancellation/noiseSuppression/
// autoGainControl off (a steady tone is otherwise suppressed). Remote audio
// reaches WebAudio only while the stream is also attached to an <audio>
// element, so it is played by #remote and analysed from the same stream.

import {
  Inviter,
  Registerer,
  RegistererState,
  SessionState,
  SIPExtension,
  UserAgent,
} from 'sip.js';

const AUDIO = { echoCancellation: false, noiseSuppression: false, autoGainControl: false };
const SDH_OPTIONS = { constraints: { audio: AUDIO, video: false } };
const TRACE_LIMIT = 500;

const now = () => performance.timeOrigin + performance.now();

const phone = {
  state: 'idle',
  registered: false,
  user: null,
  domain: null,
  direction: null,
  incomingFrom: null,
  sessionState: null,
  lastStatus: null,
  lastReason: null,
  lastReasonHeader: null,
  provisional: null,
  endedBy: null,
  times: {},
  events: [],
  sip: [],
};
window.phone = phone;

let ua = null;
let rel100 = null; // register()'s opts.rel100
let registerer = null;
let session = null; // the current Inviter or Invitation
let audioCtx = null;
let remote = null; // { source, analyser }
let local = null;
const watchedPcs = new WeakSet();

function note(name, detail) {
  phone.events.push([now(), name, detail === undefined ? null : detail]);
  if (phone.events.length > TRACE_LIMIT) phone.events.shift();
}

function setState(s) {
  phone.state = s;
  note('state', s);
  const out = document.getElementById('state');
  if (out) out.textContent = s;
}

function mark(name) {
  if (phone.times[name] === undefined) phone.times[name] = now();
}

// ---------------------------------------------------------------- SIP trace
function firstLine(text) {
  const s = typeof text === 'string' ? text : String(text);
  const i = s.indexOf('\r\n');
  return i < 0 ? s.slice(0, 120) : s.slice(0, i);
}

function cseqOf(text) {
  const m = /^CSeq:\s*(.+)$/im.exec(typeof text === 'string' ? text : '');
  return m ? m[1].trim() : null;
}

function traceTransport(transport) {
  const send = transport.send.bind(transport);
  transport.send = (message) => {
    phone.sip.push([now(), 'out', firstLine(message), cseqOf(message)]);
    if (phone.sip.length > TRACE_LIMIT) phone.sip.shift();
    return send(message);
  };
  const onMessage = transport.onMessage;
  transport.onMessage = (message) => {
    phone.sip.push([now(), 'in', firstLine(message), cseqOf(message)]);
    if (phone.sip.length > TRACE_LIMIT) phone.sip.shift();
    if (onMessage) onMessage(message);
  };
}

// ------------------------------------------------------------ registration
const REL100 = { required: SIPExtension.Required, supported: SIPExtension.Supported };

phone.register = async (user, pass, wsUrl, domain = 'pbx.arsphone.test', opts = {}) => {
  if (ua) throw new Error('already started');
  if (opts.rel100 && !REL100[opts.rel100]) throw new Error(`bad rel100 ${opts.rel100}`);
  rel100 = opts.rel100 || null;
  const t0 = now();
  phone.user = user;
  phone.domain = domain;
  setState('registering');
  ua = new UserAgent({
    uri: UserAgent.makeURI(`sip:${user}@${domain}`),
    authorizationUsername: user,
    authorizationPassword: pass,
    displayName: `SIP.js ${user}`,
    transportOptions: { server: wsUrl, traceSip: false },
    // no STUN server (the default one is on the Internet): host candidates
    // only, gathering completes at once
    sessionDescriptionHandlerFactoryOptions: {
      peerConnectionConfiguration: { iceServers: [] },
      iceGatheringTimeout: 2000,
    },
    userAgentString: 'arsphone-calls SIP.js',
    logLevel: 'warn',
    delegate: { onInvite: onInvite },
    ...(rel100
      ? {
          sipExtension100rel: REL100[rel100],
          // onInvite sends the first provisional itself, with our media
          // options (SIP.js's automatic one would use its defaults)
          sendInitialProvisionalResponse: false,
        }
      : {}),
  });
  traceTransport(ua.transport);
  await ua.start();
  registerer = new Registerer(ua, { expires: 600 });
  const done = new Promise((resolve, reject) => {
    registerer.stateChange.addListener((s) => {
      note('registerer', s);
      if (s === RegistererState.Registered) {
        phone.registered = true;
        setState('registered');
        resolve({ ms: now() - t0 });
      } else if (s === RegistererState.Unregistered) {
        phone.registered = false;
      }
    });
    registerer
      .register({
        requestDelegate: {
          onReject: (resp) => {
            const m = resp.message;
            setState('failed');
            reject(new Error(`REGISTER rejected: ${m.statusCode} ${m.reasonPhrase}`));
          },
        },
      })
      .catch(reject);
  });
  return done;
};

phone.unregister = async () => {
  if (registerer) await registerer.unregister();
  phone.registered = false;
  return null;
};

// ------------------------------------------------------------------ codecs
// phone.setCodecs(['PCMU']) restricts this phone's offers and answers to
// those codecs (by rtpmap name, any case; telephone-event is kept unless
// events is false), by editing the SDP in SIP.js's description modifiers;
// null lifts it.
let codecs = null;
let keepEvents = true;

function onlyCodecs(sdp, names) {
  const keep = new Set(names.map((n) => n.toLowerCase()).concat(keepEvents ? ['telephone-event'] : []));
  const lines = sdp.split('\r\n');
  const pts = {}; // payload type -> codec name, from rtpmap
  for (const l of lines) {
    const m = /^a=rtpmap:(\d+) ([^/]+)/.exec(l);
    if (m) pts[m[1]] = m[2].toLowerCase();
  }
  const dropped = new Set(Object.keys(pts).filter((pt) => !keep.has(pts[pt])));
  const out = [];
  for (const l of lines) {
    const m = /^m=audio (\S+) (\S+) (.*)$/.exec(l);
    if (m) {
      const list = m[3].split(' ').filter((pt) => !dropped.has(pt));
      out.push(`m=audio ${m[1]} ${m[2]} ${list.join(' ')}`);
      continue;
    }
    const a = /^a=(?:rtpmap|fmtp|rtcp-fb):(\d+)[ ]/.exec(l);
    if (a && dropped.has(a[1])) continue;
    out.push(l);
  }
  return out.join('\r\n');
}

function modifiers() {
  if (!codecs) return [];
  const names = codecs;
  return [(d) => Promise.resolve({ type: d.type, sdp: onlyCodecs(d.sdp, names) })];
}

phone.setCodecs = (names, events = true) => {
  codecs = names && names.length ? names.slice() : null;
  keepEvents = events;
  return codecs;
};

// phone.sendDtmf('12#') sends DTMF as RFC 4733 events in the call's RTP
// (SIP.js's sendDtmf: Chromium's RTCDTMFSender); true when queued.
phone.sendDtmf = (tones) => {
  const sdh = session && session.sessionDescriptionHandler;
  if (!sdh) throw new Error('no call');
  return sdh.sendDtmf(tones, { duration: 100, interToneGap: 70 });
};

// ------------------------------------------------------------------ calls
function resetCall(direction) {
  phone.direction = direction;
  phone.incomingFrom = null;
  phone.sessionState = null;
  phone.lastStatus = null;
  phone.lastReason = null;
  phone.lastReasonHeader = null;
  phone.provisional = null;
  phone.endedBy = null;
  phone.times = {};
}

function finalResponse(resp) {
  const m = resp.message;
  phone.lastStatus = m.statusCode;
  phone.lastReason = m.reasonPhrase;
  phone.lastReasonHeader = m.getHeader('Reason') || null;
  note('final', `${m.statusCode} ${m.reasonPhrase}`);
}

function watchSession(s) {
  s.stateChange.addListener((state) => {
    phone.sessionState = state;
    note('session', state);
    if (state === SessionState.Established) {
      mark('established');
      setState('established');
      watchPc(s);
      attachRemote(s);
    } else if (state === SessionState.Terminated) {
      mark('ended');
      if (!phone.endedBy) phone.endedBy = 'remote';
      detachAudio();
      setState('ended');
      if (session === s) session = null;
    }
  });
  s.delegate = {
    onBye: (bye) => {
      phone.endedBy = 'remote';
      note('bye received', bye.request.getHeader('Reason') || null);
      phone.lastReasonHeader = bye.request.getHeader('Reason') || null;
      bye.accept();
    },
  };
}

function watchPc(s) {
  const pc = s.sessionDescriptionHandler && s.sessionDescriptionHandler.peerConnection;
  if (!pc || watchedPcs.has(pc)) return;
  watchedPcs.add(pc);
  const check = () => {
    note('pc', `${pc.connectionState}/${pc.iceConnectionState}`);
    if (pc.connectionState === 'connected') mark('media');
    if (pc.connectionState === 'failed') mark('mediaFailed');
  };
  pc.addEventListener('connectionstatechange', check);
  pc.addEventListener('iceconnectionstatechange', check);
  check();
}

function targetUri(target) {
  const t = String(target);
  return UserAgent.makeURI(/^sips?:/i.test(t) ? t : `sip:${t}@${phone.domain}`);
}

phone.call = async (target) => {
  if (!ua || !phone.registered) throw new Error('not registered');
  if (session) throw new Error('a call is active');
  const uri = targetUri(target);
  if (!uri) throw new Error(`bad target ${target}`);
  resetCall('out');
  mark('call');
  setState('dialing');
  const inviter = new Inviter(ua, uri, {
    sessionDescriptionHandlerOptions: SDH_OPTIONS,
    sessionDescriptionHandlerModifiers: modifiers(),
  });
  session = inviter;
  watchSession(inviter);
  await inviter.invite({
    requestDelegate: {
      onProgress: (resp) => {
        const m = resp.message;
        mark('progress');
        phone.provisional = `${m.statusCode} ${m.reasonPhrase}`;
        if (phone.state === 'dialing') setState('ringing');
      },
      onAccept: (resp) => {
        mark('accepted');
        finalResponse(resp);
      },
      onReject: (resp) => {
        mark('rejected');
        finalResponse(resp);
      },
    },
  });
  mark('inviteSent');
  watchPc(inviter);
  return { inviteSentMs: phone.times.inviteSent - phone.times.call };
};

function onInvite(invitation) {
  if (session) {
    note('busy: rejecting a second call');
    invitation.reject({ statusCode: 486 });
    return;
  }
  resetCall('in');
  mark('incoming');
  session = invitation;
  phone.incomingFrom = invitation.remoteIdentity.uri.user;
  watchSession(invitation);
  invitation.delegate = Object.assign(invitation.delegate || {}, {
    onCancel: () => {
      phone.endedBy = 'remote';
      phone.lastStatus = 487;
      phone.lastReason = 'Request Terminated';
      note('cancelled by the caller');
    },
  });
  setState('incoming');
  if (rel100) {
    // reliable when we require 100rel (or the caller does): resolves once
    // the caller's PRACK arrived
    invitation.sessionDescriptionHandlerOptions = SDH_OPTIONS;
    invitation.sessionDescriptionHandlerModifiers = modifiers();
    invitation
      .progress()
      .then(() => note('provisional acknowledged'))
      .catch((e) => note('provisional failed', String(e)));
  }
}

phone.answer = async () => {
  if (!session || phone.direction !== 'in') throw new Error('no incoming call');
  mark('answer');
  await session.accept({
    sessionDescriptionHandlerOptions: SDH_OPTIONS,
    sessionDescriptionHandlerModifiers: modifiers(),
  });
  watchPc(session);
  return null;
};

phone.decline = async (code = 603) => {
  if (!session || phone.direction !== 'in') throw new Error('no incoming call');
  phone.endedBy = 'local';
  phone.lastStatus = code;
  await session.reject({ statusCode: code });
  return null;
};

phone.cancel = async () => {
  if (!session || phone.direction !== 'out') throw new Error('no outgoing call');
  phone.endedBy = 'local';
  mark('cancel');
  await session.cancel();
  return null;
};

phone.hangup = async () => {
  const s = session;
  if (!s) throw new Error('no call');
  phone.endedBy = 'local';
  mark('hangup');
  if (s.state === SessionState.Established) await s.bye();
  else if (phone.direction === 'out') await s.cancel();
  else await s.reject({ statusCode: 603 });
  return null;
};

// -------------------------------------------------------------- re-INVITE
// phone.reinvite({hold}) sends a re-INVITE on the established call: hold
// true offers a=sendonly (SIP.js's own hold: our tracks disabled too),
// false sendrecv; the codec restriction of setCodecs applies. Resolves with
// the final response: {status, reason, sdp}.
phone.reinvite = async ({ hold = false } = {}) => {
  const s = session;
  if (!s || s.state !== SessionState.Established) throw new Error('no established call');
  note('reinvite', { hold, codecs });
  return new Promise((resolve, reject) => {
    const done = (resp) => {
      const m = resp.message;
      note('reinvite final', `${m.statusCode} ${m.reasonPhrase}`);
      resolve({ status: m.statusCode, reason: m.reasonPhrase, sdp: m.body || null });
    };
    s.invite({
      sessionDescriptionHandlerOptions: Object.assign({}, SDH_OPTIONS, { hold }),
      sessionDescriptionHandlerModifiers: modifiers(),
      requestDelegate: { onAccept: done, onReject: done },
    }).catch(reject);
  });
};

// ------------------------------------------------------------------ audio
function context() {
  if (!audioCtx) audioCtx = new AudioContext({ sampleRate: 48000 });
  if (audioCtx.state !== 'running') audioCtx.resume().catch(() => {});
  return audioCtx;
}

function analyse(stream) {
  const ctx = context();
  const source = ctx.createMediaStreamSource(stream);
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 8192;
  analyser.smoothingTimeConstant = 0;
  source.connect(analyser);
  return { source, analyser, stream };
}

function attachRemote(s) {
  const sdh = s.sessionDescriptionHandler;
  if (!sdh) return;
  const stream = sdh.remoteMediaStream;
  const el = document.getElementById('remote');
  el.srcObject = stream;
  el.play().catch((e) => note('audio play failed', String(e)));
  if (stream.getAudioTracks().length) remote = analyse(stream);
  else note('no remote audio track');
  const ls = sdh.localMediaStream;
  if (ls && ls.getAudioTracks().length) local = analyse(ls);
}

function detachAudio() {
  for (const a of [remote, local]) {
    if (a) a.source.disconnect();
  }
  remote = null;
  local = null;
  const el = document.getElementById('remote');
  if (el) el.srcObject = null;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Level at hz against its neighbours (hz +- 100..300 Hz), averaged in power
// over ms of audio sampled every 50 ms; dB as the AnalyserNode reports them.
// hz may be an array: one listening window, one result per frequency.
phone.detectTone = async (hz, { ms = 1000, which = 'remote' } = {}) => {
  const a = which === 'local' ? local : remote;
  if (!a) throw new Error(`no ${which} audio to analyse`);
  const ctx = context();
  const an = a.analyser;
  const bins = an.frequencyBinCount;
  const binHz = ctx.sampleRate / an.fftSize;
  const spec = new Float32Array(bins);
  const time = new Float32Array(an.fftSize);
  const power = new Float64Array(bins);
  let frames = 0;
  let sq = 0;
  let n = 0;
  const end = performance.now() + ms;
  do {
    an.getFloatFrequencyData(spec);
    for (let i = 0; i < bins; i++) power[i] += Math.pow(10, spec[i] / 10);
    an.getFloatTimeDomainData(time);
    for (const v of time) sq += v * v;
    n += time.length;
    frames++;
    await sleep(50);
  } while (performance.now() < end);
  const db = (p) => (p > 0 ? 10 * Math.log10(p / frames) : -200);
  let best = 1;
  for (let i = 1; i < bins; i++) {
    const f = i * binHz;
    if (f >= 50 && f <= 4000 && power[i] > power[best]) best = i;
  }
  const one = (f) => {
    const at = Math.round(f / binHz);
    let peakAt = Math.max(1, at - 2);
    for (let i = peakAt; i <= Math.min(bins - 1, at + 2); i++) if (power[i] > power[peakAt]) peakAt = i;
    let nb = 0;
    let nbCount = 0;
    for (let i = 1; i < bins; i++) {
      const d = Math.abs(i * binHz - f);
      if (d >= 100 && d <= 300) {
        nb += power[i];
        nbCount++;
      }
    }
    const level = db(power[peakAt]);
    const neighbours = nbCount ? db(nb / nbCount) : -200;
    return {
      hz: f,
      which,
      level_db: +level.toFixed(1),
      neighbour_db: +neighbours.toFixed(1),
      snr_db: +(level - neighbours).toFixed(1),
      peak_hz: +(best * binHz).toFixed(1),
      peak_db: +db(power[best]).toFixed(1),
      rms_db: +(n ? 10 * Math.log10(sq / n + 1e-20) : -200).toFixed(1),
      frames,
      ctx_state: ctx.state,
    };
  };
  return Array.isArray(hz) ? hz.map(one) : one(hz);
};

// RTP counters and the codec in use (getStats of the current call).
phone.stats = async () => {
  const s = session;
  const pc = s && s.sessionDescriptionHandler && s.sessionDescriptionHandler.peerConnection;
  if (!pc) return null;
  const report = await pc.getStats();
  const out = { inbound: null, outbound: null, codec: null, pair: null };
  const codecs = {};
  report.forEach((r) => {
    if (r.type === 'codec') codecs[r.id] = r;
  });
  report.forEach((r) => {
    if (r.type === 'inbound-rtp' && r.kind === 'audio') {
      out.inbound = {
        packetsReceived: r.packetsReceived,
        packetsLost: r.packetsLost,
        bytesReceived: r.bytesReceived,
        jitter: r.jitter,
        audioLevel: r.audioLevel,
      };
      if (codecs[r.codecId]) out.codec = codecs[r.codecId].mimeType;
    } else if (r.type === 'outbound-rtp' && r.kind === 'audio') {
      out.outbound = { packetsSent: r.packetsSent, bytesSent: r.bytesSent };
    } else if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') {
      const l = report.get(r.localCandidateId);
      const rm = report.get(r.remoteCandidateId);
      out.pair = {
        local: l ? `${l.address}:${l.port}/${l.protocol}` : null,
        remote: rm ? `${rm.address}:${rm.port}/${rm.protocol}` : null,
        rtt: r.currentRoundTripTime,
      };
    }
  });
  return out;
};

phone.ready = true;
