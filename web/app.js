// aic dashboard: lists aicd's projects and their containers and keeps them current from the
// event stream (docs/api.md, "Dashboard" and "Events"). No framework, no build step; every
// text from the API goes into the page through textContent or attributes, never as HTML.
'use strict';

(() => {
  const TOKEN_KEY = 'aic.token';
  /// Events for one project within this long cause one re-fetch of it.
  const DEBOUNCE_MS = 250;
  /// Every JSON call gives up after this long.
  const FETCH_TIMEOUT_MS = 15000;
  /// Reconnect delays: the server's `retry:` (or this) doubling up to the cap, jittered.
  const BACKOFF_MIN_MS = 1000;
  const BACKOFF_MAX_MS = 30000;
  /// aicd sends a keep-alive comment every 15 s; a stream silent this long is dead.
  const STALL_MS = 45000;
  /// Bytes of an unfinished line or frame held at most before the stream is dropped.
  const MAX_PENDING = 1 << 20;
  /// Entries kept in the recent-events list.
  const MAX_EVENTS_SHOWN = 50;

  const state = {
    token: '',
    projects: new Map(), // name -> ProjectStatus, as GET /v1/projects/{name} answers
    lastEventId: '',
    retryMs: 0, // the stream's `retry:`; 0 until it sent one
    attempts: 0, // failed connects since the last good one
    generation: 0, // bumped to end the stream loop (a new token)
    stream: null, // AbortController of the open stream
    timers: new Map(), // project -> pending debounce timer
    inFlight: new Set(),
    dirty: new Set(), // projects that changed while their fetch ran
    refreshingAll: false,
    refreshAllAgain: false,
  };

  class HttpError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  // ---- token ------------------------------------------------------------------------------

  /// Takes `#token=…` from the address (the fragment never reaches a server), keeps it in
  /// sessionStorage and removes it from the address bar and history.
  function tokenInFragment() {
    // Not URLSearchParams: it would read a '+' of the token as a space.
    for (const part of location.hash.slice(1).split('&')) {
      if (part.startsWith('token=')) {
        try {
          return decodeURIComponent(part.slice('token='.length));
        } catch (e) {
          return part.slice('token='.length);
        }
      }
    }
    return null;
  }

  function takeToken() {
    const given = tokenInFragment();
    if (given !== null) {
      try {
        sessionStorage.setItem(TOKEN_KEY, given);
      } catch (e) {
        // Storage may be off; the token then lives for this page only.
      }
      state.token = given;
      history.replaceState(null, '', location.pathname + location.search);
      return;
    }
    try {
      state.token = sessionStorage.getItem(TOKEN_KEY) || '';
    } catch (e) {
      state.token = state.token || '';
    }
  }

  function authHeaders(extra) {
    const headers = Object.assign({}, extra);
    if (state.token) {
      headers.Authorization = 'Bearer ' + state.token;
    }
    return headers;
  }

  // ---- JSON calls -------------------------------------------------------------------------

  /// GET `path` as JSON. Resolves {status, body}; 404 resolves too (the caller decides);
  /// other failures throw HttpError (status 0: no answer).
  async function getJson(path) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), FETCH_TIMEOUT_MS);
    try {
      let response;
      try {
        response = await fetch(path, {
          headers: authHeaders({Accept: 'application/json'}),
          signal: controller.signal,
          cache: 'no-store',
        });
      } catch (e) {
        throw new HttpError(0, 'aicd did not answer GET ' + path);
      }
      let body = null;
      try {
        body = await response.json();
      } catch (e) {
        body = null;
      }
      if (response.ok || response.status === 404) {
        return {status: response.status, body};
      }
      const message = body && body.error && typeof body.error.message === 'string'
          ? body.error.message
          : 'HTTP ' + response.status;
      throw new HttpError(response.status, message);
    } finally {
      clearTimeout(timer);
    }
  }

  function failed(error, what) {
    if (error instanceof HttpError && error.status === 401) {
      unauthorized();
      return;
    }
    showNotice(what + ': ' + error.message);
  }

  async function refreshAll() {
    if (state.refreshingAll) {
      state.refreshAllAgain = true;
      return;
    }
    state.refreshingAll = true;
    try {
      const {status, body} = await getJson('/v1/projects');
      if (status === 200 && Array.isArray(body)) {
        state.projects.clear();
        for (const project of body) {
          if (project && typeof project.name === 'string') {
            state.projects.set(project.name, project);
          }
        }
        showNotice('');
        render();
      }
    } catch (e) {
      failed(e, 'listing projects');
    } finally {
      state.refreshingAll = false;
      if (state.refreshAllAgain) {
        state.refreshAllAgain = false;
        refreshAll();
      }
    }
  }

  function scheduleRefresh(name) {
    if (state.timers.has(name)) {
      return;
    }
    state.timers.set(name, setTimeout(() => {
      state.timers.delete(name);
      refreshProject(name);
    }, DEBOUNCE_MS));
  }

  async function refreshProject(name) {
    if (state.inFlight.has(name)) {
      state.dirty.add(name);
      return;
    }
    state.inFlight.add(name);
    try {
      const {status, body} = await getJson('/v1/projects/' + encodeURIComponent(name));
      if (status === 404) {
        state.projects.delete(name);
      } else if (body && typeof body.name === 'string') {
        state.projects.set(name, body);
      }
      showNotice('');
      render();
    } catch (e) {
      failed(e, 'project ' + name);
    } finally {
      state.inFlight.delete(name);
      if (state.dirty.delete(name)) {
        scheduleRefresh(name);
      }
    }
  }

  // ---- event stream -----------------------------------------------------------------------

  /// A Server-Sent Events parser (the WHATWG rules: lines end in CR, LF or CRLF; a blank line
  /// ends a frame; `:` starts a comment). `onFrame({type, data})` runs for frames with data.
  function makeFrameParser(onFrame) {
    let pending = '';
    let type = '';
    let data = [];
    let idBuffer = null;

    function field(line) {
      const colon = line.indexOf(':');
      const name = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) {
        value = value.slice(1);
      }
      if (name === 'event') {
        type = value;
      } else if (name === 'data') {
        data.push(value);
      } else if (name === 'id') {
        if (!value.includes('\0')) {
          idBuffer = value;
        }
      } else if (name === 'retry') {
        if (/^[0-9]+$/.test(value)) {
          state.retryMs = Number(value);
        }
      }
    }

    function dispatch() {
      if (idBuffer !== null) {
        state.lastEventId = idBuffer;
      }
      const frame = {type: type || 'message', data: data.join('\n')};
      const had = data.length > 0;
      type = '';
      data = [];
      if (had) {
        onFrame(frame);
      }
    }

    return function push(text) {
      pending += text;
      let start = 0;
      for (;;) {
        let end = start;
        while (end < pending.length && pending[end] !== '\n' && pending[end] !== '\r') {
          end++;
        }
        if (end >= pending.length) {
          break;
        }
        if (pending[end] === '\r' && end + 1 >= pending.length) {
          break; // a CR at the end: wait, an LF may follow
        }
        const line = pending.slice(start, end);
        start = end + (pending[end] === '\r' && pending[end + 1] === '\n' ? 2 : 1);
        if (line === '') {
          dispatch();
        } else if (!line.startsWith(':')) {
          field(line);
        }
      }
      pending = pending.slice(start);
      if (pending.length > MAX_PENDING) {
        throw new Error('an event frame is longer than ' + MAX_PENDING + ' bytes');
      }
    };
  }

  function onFrame(frame) {
    if (frame.type === 'gap') {
      // Events were lost (or aicd restarted): only a full listing is right again.
      addEventLine('events were missed; reloading every project');
      refreshAll();
      return;
    }
    let event;
    try {
      event = JSON.parse(frame.data);
    } catch (e) {
      return;
    }
    if (!event || typeof event !== 'object' || typeof event.project !== 'string') {
      return;
    }
    addEventLine(describeEvent(event));
    const action = typeof event.action === 'string' ? event.action : '';
    if (event.project && !action.startsWith('exec_')) {
      scheduleRefresh(event.project);
    }
  }

  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  function nextDelay() {
    const base = state.retryMs > 0 ? state.retryMs : BACKOFF_MIN_MS;
    const capped = Math.min(BACKOFF_MAX_MS, base * 2 ** Math.min(state.attempts, 10));
    state.attempts++;
    return Math.round(capped * (0.5 + Math.random() / 2));
  }

  /// Reads one connection of the stream until it ends. Resolves 'ended' when the server
  /// closed it or it stalled, 'unauthorized' on 401; throws when it could not connect.
  async function readStream(controller) {
    const headers = authHeaders({Accept: 'text/event-stream'});
    const resumed = state.lastEventId !== '';
    if (resumed) {
      headers['Last-Event-ID'] = state.lastEventId;
    }
    const response = await fetch('/v1/events', {
      headers,
      signal: controller.signal,
      cache: 'no-store',
    });
    if (response.status === 401) {
      return 'unauthorized';
    }
    if (!response.ok || !response.body) {
      throw new Error('HTTP ' + response.status);
    }
    state.attempts = 0;
    setConnection('live', 'live');
    // Subscribed first, listed second: nothing that happens in between is missed. A resumed
    // stream replays what was missed instead (or sends a gap frame).
    if (!resumed) {
      refreshAll();
    }
    const push = makeFrameParser(onFrame);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let stall = setTimeout(() => controller.abort(), STALL_MS);
    try {
      for (;;) {
        const {value, done} = await reader.read();
        if (done) {
          return 'ended';
        }
        clearTimeout(stall);
        stall = setTimeout(() => controller.abort(), STALL_MS);
        push(value);
      }
    } finally {
      clearTimeout(stall);
      reader.cancel().catch(() => {});
    }
  }

  async function streamLoop(generation) {
    while (generation === state.generation) {
      const controller = new AbortController();
      state.stream = controller;
      let outcome = 'failed';
      try {
        outcome = await readStream(controller);
      } catch (e) {
        outcome = 'failed';
      }
      if (generation !== state.generation) {
        return;
      }
      if (outcome === 'unauthorized') {
        unauthorized();
        return; // a new #token= starts it again
      }
      const delay = nextDelay();
      setConnection('reconnecting', 'reconnecting in ' + Math.ceil(delay / 1000) + ' s');
      await sleep(delay);
    }
  }

  function start() {
    state.generation++;
    if (state.stream) {
      state.stream.abort();
    }
    state.attempts = 0;
    state.lastEventId = '';
    setConnection('connecting', 'connecting');
    streamLoop(state.generation);
  }

  function unauthorized() {
    setConnection('unauthorized', 'no access');
    showNotice(state.token
        ? 'aicd refused the token. Open this page as http://' + location.host + '/#token=<token>.'
        : 'aicd needs its API token: open this page as http://' + location.host +
              '/#token=<token> (the token is the content of aicd\'s --token-file).');
  }

  // ---- rendering --------------------------------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  function str(value) {
    if (value === undefined || value === null) {
      return '';
    }
    return String(value);
  }

  function setConnection(kind, text) {
    const node = document.getElementById('connection');
    node.dataset.state = kind;
    node.textContent = text;
  }

  function showNotice(text) {
    const node = document.getElementById('notice');
    node.textContent = text;
    node.hidden = text === '';
  }

  function describeEvent(event) {
    const parts = [str(event.project), str(event.type), str(event.action)];
    if (event.container) {
      parts.push(str(event.container));
    } else if (event.service) {
      parts.push(str(event.service));
    }
    if (event.attributes && typeof event.attributes === 'object' && event.attributes.error) {
      parts.push(str(event.attributes.error));
    }
    const time = str(event.time);
    const clock = time.length >= 19 ? time.slice(11, 19) : time;
    return (clock ? clock + '  ' : '') + parts.filter((p) => p !== '').join('  ');
  }

  function addEventLine(text) {
    const list = document.getElementById('events');
    list.insertBefore(el('li', '', text), list.firstChild);
    while (list.children.length > MAX_EVENTS_SHOWN) {
      list.removeChild(list.lastChild);
    }
  }

  const COLUMNS = ['Service', 'Container', 'State', 'Health', 'Status', 'Restarts', 'Ports'];

  /// The service's supervision state from the project status: ok, backoff, failed or ''.
  function supervisionState(project, service) {
    const list = Array.isArray(project.supervision) ? project.supervision : [];
    const entry = list.find((s) => s && s.service === service);
    return entry ? str(entry.state) : '';
  }

  function restartsText(c, supervision) {
    const count = Number.isInteger(c.restarts) ? c.restarts : 0;
    if (supervision === 'failed') {
      return count + ' (gave up)';
    }
    return supervision === 'backoff' ? count + ' (restarting)' : String(count);
  }

  function containerRow(c, project) {
    const supervision = supervisionState(project, str(c.service));
    const row = el('tr');
    row.dataset.container = str(c.name);
    row.dataset.service = str(c.service);
    row.dataset.state = str(c.state);
    row.dataset.health = str(c.health);
    row.dataset.supervision = supervision;
    row.append(
        el('td', 'service', c.service),
        el('td', 'container', c.name),
        el('td', 'state', c.state),
        el('td', 'health', c.health || '—'),
        el('td', 'status', c.status),
        el('td', 'restarts', restartsText(c, supervision)),
        el('td', 'ports', Array.isArray(c.ports) ? c.ports.map(str).join(', ') : ''));
    return row;
  }

  function projectSection(project) {
    const section = el('section', 'project');
    section.dataset.project = str(project.name);
    const heading = el('h2');
    heading.append(el('span', 'name', project.name), el('span', 'summary', project.status));
    section.append(heading);
    if (project.working_dir) {
      section.append(el('p', 'dir', project.working_dir));
    }
    const containers = Array.isArray(project.containers) ? project.containers : [];
    if (containers.length === 0) {
      section.append(el('p', 'empty', 'No containers.'));
      return section;
    }
    const table = el('table', 'containers');
    const head = el('tr');
    for (const name of COLUMNS) {
      head.append(el('th', '', name));
    }
    const thead = el('thead');
    thead.append(head);
    table.append(thead);
    const body = el('tbody');
    for (const c of containers) {
      if (c && typeof c === 'object') {
        body.append(containerRow(c, project));
      }
    }
    table.append(body);
    section.append(table);
    return section;
  }

  function render() {
    const names = [...state.projects.keys()].sort();
    const sections = names.map((name) => projectSection(state.projects.get(name)));
    document.getElementById('projects').replaceChildren(...sections);
    document.getElementById('empty').hidden = names.length > 0;
  }

  // ---- start ------------------------------------------------------------------------------

  function main() {
    takeToken();
    window.addEventListener('hashchange', () => {
      if (tokenInFragment() !== null) {
        takeToken();
        start();
      }
    });
    start();
  }

  main();
})();
