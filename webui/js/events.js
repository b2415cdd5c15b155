// Event WebSocket (/api/v1/events): reconnects by itself with backoff and reports its state.
//
// States: 'connecting' (first attempt), 'connected' (hello received),
// 'reconnecting' (lost; retrying). onHello runs on every (re)connect, onGap when
// a seq number is skipped, onEvent for every other message.

const BACKOFF_MS = [500, 1000, 2000, 3000, 5000];

export function connectEvents(token, { onState, onHello, onEvent, onGap }) {
  const url = 'ws://' + location.host + '/api/v1/events?token=' + encodeURIComponent(token);
  let socket = null;
  let attempt = 0;
  let timer = null;
  let lastSeq = -1;
  let stopped = false;

  function setState(state) {
    if (onState) onState(state);
  }

  function open() {
    timer = null;
    lastSeq = -1;
    try {
      socket = new WebSocket(url);
    } catch {
      retry();
      return;
    }
    socket.addEventListener('message', (ev) => receive(ev.data));
    socket.addEventListener('close', () => {
      socket = null;
      if (!stopped) retry();
    });
    // 'error' is always followed by 'close'; nothing to do here.
  }

  function retry() {
    setState('reconnecting');
    const base = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
    attempt += 1;
    const jitter = Math.floor(Math.random() * base * 0.2);
    timer = setTimeout(open, base + jitter);
  }

  function receive(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (!msg || typeof msg.type !== 'string') return;
    if (msg.type === 'hello') {
      attempt = 0;
      lastSeq = typeof msg.seq === 'number' ? msg.seq : 0;
      setState('connected');
      if (onHello) onHello(msg.status || {});
      return;
    }
    if (typeof msg.seq === 'number') {
      const gap = lastSeq >= 0 && msg.seq !== lastSeq + 1;
      lastSeq = msg.seq;
      if (gap && onGap) onGap();
    }
    if (onEvent) onEvent(msg);
  }

  setState('connecting');
  open();

  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (socket) socket.close();
    },
  };
}
