// Hermod's web console: plain JavaScript against the management API (/api/*), no build step, nothing loaded from
// elsewhere. Credentials are kept in sessionStorage for the tab's life and sent as HTTP basic auth.
'use strict';

const POLL_MS = 5000;
const PAGE_SIZE = 100; // rows a table shows at once: thousands of rows make the page unusable
const HISTORY = 60; // rate samples the chart keeps (5 minutes at the poll interval)
const SERIES = [
  { key: 'publish', label: 'Publish', color: '#1f77b4' },
  { key: 'deliver_get', label: 'Deliver / get', color: '#2ca02c' },
  { key: 'ack', label: 'Acknowledge', color: '#ff7f0e' },
  { key: 'redeliver', label: 'Redeliver', color: '#d62728' },
];

const state = {
  auth: sessionStorage.getItem('hermod.auth'),
  page: 'overview',
  overviewSamples: [], // {t, stats} from /api/overview, oldest first
  queueSamples: new Map(), // "vhost\0name" -> {t, stats}: the previous poll's counters, for per-queue rates
  selected: null, // {vhost, name} of the queue whose detail is open
  timer: null,
  renders: 0,
  pagers: new Map(), // table id -> {page, filter, items, name, row, empty, bar}: built from each table[data-paged]
};

const $ = (id) => document.getElementById(id);

/** An element with attributes and children (text or nodes); text is never parsed as HTML. */
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'onclick') e.addEventListener('click', v);
    else if (k === 'className') e.className = v;
    else if (k.startsWith('data-')) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) {
    if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

function basic(user, password) {
  const bytes = new TextEncoder().encode(user + ':' + password);
  return btoa(String.fromCharCode(...bytes));
}

async function api(method, path, body, auth) {
  const headers = { Authorization: 'Basic ' + (auth || state.auth), 'X-Requested-With': 'XMLHttpRequest' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
  });
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (e) {
    json = null;
  }
  if (!response.ok) {
    const error = new Error((json && (json.reason || json.error)) || 'HTTP ' + response.status);
    error.status = response.status;
    throw error;
  }
  return json;
}

const enc = encodeURIComponent;
const fmt = (n) => (n === undefined || n === null ? '' : Number(n).toLocaleString('en-US'));
const rate = (r) => (r === null || r === undefined ? '' : r.toFixed(r >= 100 ? 0 : 1));

function bytes(n) {
  if (n === undefined || n === null || n < 0) return '?';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return n.toFixed(i === 0 ? 0 : 1) + ' ' + units[i];
}

function status(text, isError) {
  $('status').textContent = text || '';
  $('status').className = isError ? 'status error' : 'status';
}

// ------------------------------------------------------------------ login

function showLogin(message) {
  stopPolling();
  state.auth = null;
  sessionStorage.removeItem('hermod.auth');
  for (const p of document.querySelectorAll('.page')) p.hidden = true;
  $('nav').hidden = $('logout').hidden = $('refresh').hidden = true;
  $('who').textContent = '';
  $('login').hidden = false;
  $('login-error').textContent = message || '';
}

async function login(event) {
  event.preventDefault();
  const auth = basic($('login-user').value, $('login-password').value);
  try {
    await api('GET', '/api/whoami', undefined, auth);
    state.auth = auth;
    sessionStorage.setItem('hermod.auth', auth);
    await start();
  } catch (e) {
    $('login-error').textContent = e.status === 401 ? 'Login failed: wrong user or password.' : e.message;
  }
}

async function start() {
  let me;
  try {
    me = await api('GET', '/api/whoami');
  } catch (e) {
    showLogin(e.status === 401 ? '' : e.message);
    return;
  }
  $('login').hidden = true;
  $('nav').hidden = $('logout').hidden = $('refresh').hidden = false;
  $('who').textContent = me.name + (me.tags.length ? ' (' + me.tags.join(', ') + ')' : '');
  route();
}

// ------------------------------------------------------------------ pages

function route() {
  const page = (location.hash.replace(/^#\/?/, '') || 'overview').split('/')[0];
  state.page = ['overview', 'queues', 'exchanges', 'bindings', 'connections'].includes(page) ? page : 'overview';
  for (const p of document.querySelectorAll('.page')) p.hidden = p.id !== 'page-' + state.page;
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.page === state.page);
  refresh();
}

function stopPolling() {
  clearTimeout(state.timer);
  state.timer = null;
}

async function refresh() {
  if (!state.auth) return;
  stopPolling();
  try {
    // the overview's counters feed the rate chart whatever page is shown, so it has a history when opened
    const overview = await api('GET', '/api/overview');
    sample(overview);
    if (state.page === 'overview') await renderOverview(overview);
    if (state.page === 'queues') await renderQueues();
    if (state.page === 'exchanges') await renderExchanges();
    if (state.page === 'bindings') await renderBindings();
    if (state.page === 'connections') await renderConnections();
    status('Updated ' + new Date().toLocaleTimeString());
    state.renders++;
    document.body.dataset.rendered = state.page + ':' + state.renders;
  } catch (e) {
    if (e.status === 401) {
      showLogin('Your session ended: log in again.');
      return;
    }
    status('Could not load: ' + e.message, true);
  }
  state.timer = setTimeout(refresh, POLL_MS);
}

function sample(overview) {
  state.overviewSamples.push({ t: Date.now(), stats: overview.message_stats || {} });
  if (state.overviewSamples.length > HISTORY + 1) state.overviewSamples.shift();
}

function card(label, value, id, alarm) {
  return el('div', { className: alarm ? 'card alarm' : 'card', 'data-card': id },
    el('div', { className: 'label' }, label), el('div', { className: 'value' }, value));
}

async function renderOverview(o) {
  const q = o.queue_totals || {};
  const t = o.object_totals || {};
  $('totals').replaceChildren(
    card('Queues', fmt(t.queues), 'queues'),
    card('Messages ready', fmt(q.messages_ready), 'ready'),
    card('Unacknowledged', fmt(q.messages_unacknowledged), 'unacked'),
    card('Consumers', fmt(t.consumers), 'consumers'),
    card('Connections', fmt(t.connections), 'connections'),
    card('Channels', fmt(t.channels), 'channels'),
    card('Exchanges', fmt(t.exchanges), 'exchanges'),
  );
  drawRates();
  try {
    const [node] = await api('GET', '/api/nodes');
    $('node').replaceChildren(
      card('Memory used', bytes(node.mem_used) + ' of ' + bytes(node.mem_limit), 'memory', node.mem_alarm),
      card('Disk free', bytes(node.disk_free) + ' (limit ' + bytes(node.disk_free_limit) + ')', 'disk',
        node.disk_free_alarm),
      card('Uptime', Math.round(node.uptime / 60000) + ' min', 'uptime'),
      card('Alarms', (o.alarms || []).length ? o.alarms.join(', ') : 'none', 'alarms', (o.alarms || []).length > 0),
    );
  } catch (e) {
    $('node').replaceChildren(el('p', {}, 'Node figures need the monitoring tag.'));
  }
}

/** Rates per second between successive overview samples, one series per message counter. */
function rates() {
  const s = state.overviewSamples;
  const points = [];
  for (let i = 1; i < s.length; i++) {
    const dt = (s[i].t - s[i - 1].t) / 1000;
    const p = { t: s[i].t };
    for (const { key } of SERIES) {
      p[key] = dt > 0 ? Math.max(0, ((s[i].stats[key] || 0) - (s[i - 1].stats[key] || 0)) / dt) : 0;
    }
    points.push(p);
  }
  return points;
}

function drawRates() {
  const canvas = $('rates');
  const ctx = canvas.getContext('2d');
  const w = canvas.width;
  const h = canvas.height;
  const pad = { l: 50, r: 10, t: 10, b: 24 };
  ctx.clearRect(0, 0, w, h);
  const points = rates();
  let max = 1;
  for (const p of points) for (const { key } of SERIES) max = Math.max(max, p[key]);
  max = niceCeiling(max);
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#5f6b7a';
  ctx.strokeStyle = '#e3e7ec';
  ctx.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const y = pad.t + ((h - pad.t - pad.b) * i) / 4;
    ctx.beginPath();
    ctx.moveTo(pad.l, y);
    ctx.lineTo(w - pad.r, y);
    ctx.stroke();
    ctx.fillText(rate((max * (4 - i)) / 4), 4, y + 4);
  }
  ctx.fillText('last ' + Math.round((HISTORY * POLL_MS) / 60000) + ' minutes', pad.l, h - 6);
  const x = (i) => pad.l + ((w - pad.l - pad.r) * (HISTORY - points.length + i)) / Math.max(1, HISTORY - 1);
  const y = (v) => h - pad.b - ((h - pad.t - pad.b) * v) / max;
  for (const { key, color } of SERIES) {
    if (points.length === 0) break;
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    points.forEach((p, i) => (i === 0 ? ctx.moveTo(x(i), y(p[key])) : ctx.lineTo(x(i), y(p[key]))));
    if (points.length === 1) ctx.lineTo(x(0) + 2, y(points[0][key]));
    ctx.stroke();
  }
  const last = points[points.length - 1];
  $('rates-legend').replaceChildren(...SERIES.map(({ key, label, color }) => {
    const s = el('span', { 'data-series': key }, label + (last ? ': ' + rate(last[key]) + '/s' : ''));
    s.style.setProperty('--swatch', color);
    return s;
  }));
}

function niceCeiling(v) {
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

function features(item) {
  const tags = [];
  if (item.durable) tags.push('D');
  if (item.auto_delete) tags.push('AD');
  if (item.exclusive) tags.push('Excl');
  if (item.internal) tags.push('I');
  for (const k of Object.keys(item.arguments || {})) tags.push(k);
  return el('span', {}, ...tags.map((t) => el('span', { className: 'tag', title: t }, t)));
}

async function renderQueues() {
  const queues = await api('GET', '/api/queues');
  const now = Date.now();
  const seen = new Map();
  // rates are worked out for every queue, not only the shown page, so paging never loses a previous sample
  const items = queues.map((q) => {
    const key = q.vhost + '\0' + q.name;
    const stats = q.message_stats || {};
    const before = state.queueSamples.get(key);
    seen.set(key, { t: now, stats });
    const perSecond = (k) => {
      if (!before) return null;
      const dt = (now - before.t) / 1000;
      return dt > 0 ? Math.max(0, ((stats[k] || 0) - (before.stats[k] || 0)) / dt) : null;
    };
    return { q, publish: perSecond('publish'), deliver: perSecond('deliver_get') };
  });
  state.queueSamples = seen;
  showPaged('queues', items, ({ q }) => q.name, queueRow, 'No queues');
  if (state.selected && !seen.has(state.selected.vhost + '\0' + state.selected.name)) {
    state.selected = null;
  }
  $('queue-detail').hidden = !state.selected;
}

function queueRow({ q, publish, deliver }) {
  const selected = state.selected && state.selected.vhost === q.vhost && state.selected.name === q.name;
  return el('tr', { 'data-queue': q.name, 'data-vhost': q.vhost, className: selected ? 'selected' : '' },
    el('td', {}, q.vhost),
    el('td', { className: 'name' }, el('a', { className: 'link', onclick: () => select(q.vhost, q.name) }, q.name)),
    el('td', {}, features(q)),
    el('td', { className: 'num ready' }, fmt(q.messages_ready)),
    el('td', { className: 'num unacked' }, fmt(q.messages_unacknowledged)),
    el('td', { className: 'num total' }, fmt(q.messages)),
    el('td', { className: 'num consumers' }, fmt(q.consumers)),
    el('td', { className: 'num publish-rate' }, rate(publish)),
    el('td', { className: 'num deliver-rate' }, rate(deliver)),
    el('td', {},
      el('button', { type: 'button', className: 'purge', onclick: () => purge(q.vhost, q.name) }, 'Purge'), ' ',
      el('button', { type: 'button', className: 'delete danger', onclick: () => remove(q.vhost, q.name) },
        'Delete')));
}

function select(vhost, name) {
  state.selected = { vhost, name };
  $('detail-name').textContent = name + ' (vhost ' + vhost + ')';
  $('publish-result').textContent = '';
  $('get-result').replaceChildren();
  $('queue-detail').hidden = false;
  refresh();
}

async function purge(vhost, name) {
  if (!confirm('Purge every ready message of queue ' + name + '?')) return;
  await act(() => api('DELETE', '/api/queues/' + enc(vhost) + '/' + enc(name) + '/contents'), 'Purged ' + name);
}

async function remove(vhost, name) {
  if (!confirm('Delete queue ' + name + ' and its messages?')) return;
  await act(() => api('DELETE', '/api/queues/' + enc(vhost) + '/' + enc(name)), 'Deleted ' + name);
}

async function act(request, done) {
  try {
    await request();
    status(done);
  } catch (e) {
    status(e.message, true);
  }
  await refresh();
}

async function publish(event) {
  event.preventDefault();
  const q = state.selected;
  if (!q) return;
  try {
    const answer = await api('POST', '/api/exchanges/' + enc(q.vhost) + '/amq.default/publish', {
      routing_key: q.name,
      payload: $('publish-payload').value,
      payload_encoding: 'string',
      properties: { delivery_mode: $('publish-persistent').checked ? 2 : 1 },
    });
    $('publish-result').textContent = answer.routed ? 'Message published.' : 'Message published, but not routed.';
  } catch (e) {
    $('publish-result').textContent = 'Not published: ' + e.message;
  }
  await refresh();
}

async function get(event) {
  event.preventDefault();
  const q = state.selected;
  if (!q) return;
  try {
    const messages = await api('POST', '/api/queues/' + enc(q.vhost) + '/' + enc(q.name) + '/get', {
      count: Number($('get-count').value) || 1,
      ackmode: $('get-ackmode').value,
      encoding: 'auto',
      truncate: 50000,
    });
    $('get-result').replaceChildren(...(messages.length
      ? messages.map((m, i) => el('div', { className: 'message' },
        el('div', {}, 'Message ' + (i + 1) + (m.redelivered ? ' (redelivered)' : '') + ', ' + fmt(m.message_count)
          + ' left; routing key ' + m.routing_key),
        el('pre', { className: 'payload' }, m.payload_encoding === 'base64' ? '(base64) ' + m.payload : m.payload)))
      : [el('p', {}, 'Queue is empty.')]));
  } catch (e) {
    $('get-result').replaceChildren(el('p', { className: 'error' }, e.message));
  }
  await refresh();
}

async function renderExchanges() {
  const exchanges = await api('GET', '/api/exchanges');
  showPaged('exchanges', exchanges, (x) => x.name, (x) => el('tr', { 'data-exchange': x.name },
    el('td', {}, x.vhost),
    el('td', { className: 'name' }, x.name === '' ? '(AMQP default)' : x.name),
    el('td', { className: 'type' }, x.type),
    el('td', {}, features(x))), 'No exchanges');
}

async function renderBindings() {
  const bindings = await api('GET', '/api/bindings');
  // the filter matches the source, the destination or the routing key: a binding has no name of its own
  const text = (b) => [b.source, b.destination, b.routing_key].join('\0');
  showPaged('bindings', bindings, text, bindingRow, 'No bindings');
}

function bindingRow(b) {
  const args = Object.keys(b.arguments || {}).length ? JSON.stringify(b.arguments) : '';
  // the default exchange's bindings are implicit, one per queue: RabbitMQ cannot delete them either
  const action = b.source === ''
    ? ''
    : el('button', { type: 'button', className: 'unbind danger', onclick: () => unbind(b) }, 'Unbind');
  return el('tr', { 'data-source': b.source, 'data-destination': b.destination, 'data-key': b.routing_key },
    el('td', {}, b.vhost),
    el('td', { className: 'source' }, b.source === '' ? '(AMQP default)' : b.source),
    el('td', { className: 'destination' }, b.destination),
    el('td', { className: 'destination-type' }, b.destination_type),
    el('td', { className: 'routing-key' }, b.routing_key),
    el('td', { className: 'arguments' }, args),
    el('td', {}, action));
}

function bindingPath(vhost, source, kind, destination) {
  return '/api/bindings/' + enc(vhost) + '/e/' + enc(source) + '/' + kind + '/' + enc(destination);
}

async function bind(event) {
  event.preventDefault();
  let args = {};
  const text = $('bind-arguments').value.trim();
  try {
    if (text) args = JSON.parse(text);
  } catch (e) {
    $('bind-result').textContent = 'Arguments are not JSON: ' + e.message;
    return;
  }
  const source = $('bind-source').value;
  const destination = $('bind-destination').value;
  try {
    await api('POST', bindingPath($('bind-vhost').value, source, $('bind-type').value, destination),
      { routing_key: $('bind-key').value, arguments: args });
    $('bind-result').textContent = 'Bound ' + destination + ' to ' + source + '.';
  } catch (e) {
    $('bind-result').textContent = 'Not bound: ' + e.message;
  }
  await refresh();
}

async function unbind(b) {
  if (!confirm('Remove the binding from ' + b.source + ' to ' + b.destination + ' (key ' + b.routing_key + ')?')) {
    return;
  }
  const kind = b.destination_type === 'queue' ? 'q' : 'e';
  await act(() => api('DELETE', bindingPath(b.vhost, b.source, kind, b.destination) + '/' + enc(b.properties_key)),
    'Unbound ' + b.destination + ' from ' + b.source);
}

async function renderConnections() {
  const connections = await api('GET', '/api/connections');
  showPaged('connections', connections, (c) => c.name, (c) => {
    const client = c.client_properties || {};
    return el('tr', { 'data-connection': c.name },
      el('td', { className: 'name' }, c.name),
      el('td', {}, c.user),
      el('td', {}, c.vhost),
      el('td', {}, c.state),
      el('td', { className: 'num' }, fmt(c.channels)),
      el('td', {}, [client.product, client.version].filter(Boolean).join(' ')),
      el('td', {}, el('button', { type: 'button', className: 'danger', onclick: () => closeConnection(c.name) },
        'Close')));
  }, 'No connections');
}

async function closeConnection(name) {
  if (!confirm('Close connection ' + name + '?')) return;
  await act(() => api('DELETE', '/api/connections/' + enc(name)), 'Closed ' + name);
}

// ------------------------------------------------------------------ paging

// Paging and filtering happen here, over the whole list the API returned: the API has no page parameters yet.
// Only the shown page's rows are built, so a list of 10,000 costs a filter and a slice, not 10,000 rows.

/** Puts a pager (name filter, previous, position, next) above a table[data-paged]; the attribute's value, if any, is
 * the filter's placeholder. */
function addPager(table) {
  const p = { page: 1, filter: '', items: [], name: () => '', row: () => null, empty: '' };
  const filter = el('input', { type: 'search', className: 'filter', placeholder: table.dataset.paged || 'Filter by name' });
  filter.addEventListener('input', () => {
    p.filter = filter.value;
    p.page = 1;
    drawPage(table.id);
  });
  const move = (by) => {
    p.page += by;
    drawPage(table.id);
  };
  p.bar = el('div', { className: 'pager', 'data-pager': table.id }, filter,
    el('button', { type: 'button', className: 'prev', onclick: () => move(-1) }, '‹ Previous'),
    el('span', { className: 'position' }),
    el('button', { type: 'button', className: 'next', onclick: () => move(1) }, 'Next ›'));
  table.before(p.bar);
  state.pagers.set(table.id, p);
}

/** Shows items in the table: those whose name(item) contains the filter, the current page of them, row(item) each. */
function showPaged(id, items, name, row, empty) {
  Object.assign(state.pagers.get(id), { items, name, row, empty });
  drawPage(id);
}

function drawPage(id) {
  const p = state.pagers.get(id);
  const needle = p.filter.trim().toLowerCase();
  const matching = needle ? p.items.filter((x) => p.name(x).toLowerCase().includes(needle)) : p.items;
  const pages = Math.max(1, Math.ceil(matching.length / PAGE_SIZE));
  p.page = Math.min(Math.max(1, p.page), pages);
  const first = (p.page - 1) * PAGE_SIZE;
  const shown = matching.slice(first, first + PAGE_SIZE);
  const table = $(id);
  const columns = table.tHead.rows[0].cells.length;
  const none = needle && p.items.length ? 'Nothing matches the filter' : p.empty;
  table.tBodies[0].replaceChildren(
    ...(shown.length ? shown.map(p.row) : [el('tr', {}, el('td', { colSpan: columns }, none))]));
  p.bar.querySelector('.position').textContent = matching.length
    ? (first + 1) + '–' + (first + shown.length) + ' of ' + fmt(matching.length)
      + (matching.length < p.items.length ? ' (filtered from ' + fmt(p.items.length) + ')' : '')
      + ', page ' + p.page + ' of ' + pages
    : '0 of ' + fmt(p.items.length);
  p.bar.querySelector('.prev').disabled = p.page <= 1;
  p.bar.querySelector('.next').disabled = p.page >= pages;
}

// ------------------------------------------------------------------ wiring

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', () => showLogin('Logged out.'));
  $('refresh').addEventListener('click', () => refresh());
  $('publish-form').addEventListener('submit', publish);
  $('get-form').addEventListener('submit', get);
  $('bind-form').addEventListener('submit', bind);
  for (const table of document.querySelectorAll('table[data-paged]')) addPager(table);
  window.addEventListener('hashchange', route);
  if (state.auth) start();
  else showLogin('');
});
