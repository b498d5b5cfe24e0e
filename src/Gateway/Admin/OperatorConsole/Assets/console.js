// The operator console: polls the admin API once a second and draws what it reads. Plain DOM, no framework and no
// build step, so the page is exactly the file embedded in the gateway. Everything read from the API is put on the
// page with textContent, never parsed as HTML: destination names and config errors are operator input.
'use strict';

const KEY_STORAGE = 'gateway.adminKey';
const REFRESH_MS = 1000;
const CONFIG_EVERY = 2;       // /admin/config carries the whole effective config: read it every other tick
const STALE_AFTER_MS = 3500;
const REASON_COLORS = {
  'rate-limited': '#4c8dff',
  'overloaded': '#a970ff',
  'circuit-open': '#c2307a',
  'no-healthy-destination': '#e5484d',
  'upstream-timeout': '#e2b53b',
  'upstream-unreachable': '#f08c2e',
  'other': '#8593a3',
};
const STATE_LABELS = {
  healthy: 'healthy', unknown: 'unknown', unhealthy: 'unhealthy', unavailable: 'unavailable', ejected: 'ejected',
  'circuit-open': 'circuit open', 'half-open': 'half-open', drained: 'drained', 'slow-start': 'slow start',
};

const $ = (id) => document.getElementById(id);
let tick = 0;
let lastOk = 0;
let clockOffsetMs = 0;        // server clock minus browser clock, from /admin/stats' "now"
let waitingForKey = null;

class Unauthorized extends Error {}

// ---- admin API ------------------------------------------------------------------------------------------------

function adminKey() { return sessionStorage.getItem(KEY_STORAGE); }

async function api(path, options = {}) {
  const headers = { Accept: 'application/json' };
  const key = adminKey();
  if (key) headers['X-Admin-Key'] = key;
  const response = await fetch(path, { ...options, headers, cache: 'no-store' });
  if (response.status === 401) throw new Unauthorized(path);
  if (!response.ok) {
    let detail = '';
    try { detail = (await response.json()).detail ?? ''; } catch { /* not JSON */ }
    throw new Error(`${response.status} ${response.statusText} ${detail}`.trim());
  }
  return response.json();
}

function askForKey() {
  if (waitingForKey) return waitingForKey;
  const dialog = $('key-dialog');
  $('key-error').hidden = !adminKey();
  sessionStorage.removeItem(KEY_STORAGE);
  waitingForKey = new Promise((resolve) => {
    $('key-form').onsubmit = (event) => {
      event.preventDefault();
      sessionStorage.setItem(KEY_STORAGE, $('key-input').value);
      $('key-input').value = '';
      dialog.close();
      waitingForKey = null;
      resolve();
    };
  });
  dialog.showModal();
  return waitingForKey;
}

// ---- refresh loop ---------------------------------------------------------------------------------------------

async function refresh() {
  try {
    const wantConfig = tick % CONFIG_EVERY === 0;
    const [clusters, stats, config] = await Promise.all([
      api('/admin/clusters'),
      api('/admin/stats'),
      wantConfig ? api('/admin/config') : Promise.resolve(null),
    ]);
    clockOffsetMs = Date.parse(stats.now) - Date.now();
    renderCharts(stats);
    renderClusters(clusters.clusters ?? []);
    if (config) renderConfig(config);
    lastOk = Date.now();
    tick++;
  } catch (error) {
    if (error instanceof Unauthorized) {
      await askForKey();
      tick = 0;
    } else {
      console.warn('refresh failed', error);
    }
  }
  renderLive();
  setTimeout(refresh, REFRESH_MS);
}

function renderLive() {
  const live = $('live');
  const fresh = lastOk && Date.now() - lastOk < STALE_AFTER_MS;
  live.dataset.state = fresh ? 'live' : (lastOk ? 'stale' : 'connecting');
  live.textContent = fresh ? 'live' : (lastOk ? `stale for ${Math.round((Date.now() - lastOk) / 1000)} s` : 'connecting');
  $('clock').textContent = lastOk ? `updated ${timeOfDay(lastOk)}` : '';
  $('forget-key').hidden = !adminKey();
}

// ---- helpers --------------------------------------------------------------------------------------------------

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name === 'text') node.textContent = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'style') node.style.cssText = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

function timeOfDay(ms) { return new Date(ms).toLocaleTimeString([], { hour12: false }); }

function serverNow() { return Date.now() + clockOffsetMs; }

function percent(x, digits = 0) { return `${(x * 100).toFixed(digits)}%`; }

function ago(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

// Fields another feature may add: the circuit breaker's state per destination, the adaptive concurrency limit per
// cluster. Looked up under the names they are likely to get, so the page shows them as soon as they exist.
function circuitState(d) {
  let c = d.circuit ?? d.circuitState ?? d.circuitBreaker ?? d.breaker;
  if (c && typeof c === 'object') c = c.state ?? c.circuitState;
  if (typeof c !== 'string') return null;
  c = c.toLowerCase().replace(/[_\s]/g, '-');
  return c === 'halfopen' ? 'half-open' : c;
}

function concurrencyLimit(c) {
  const candidates = [c.concurrencyLimit, c.adaptiveConcurrencyLimit, c.limit, c.concurrency, c.adaptiveConcurrency, c.bulkhead];
  for (const v of candidates) {
    if (typeof v === 'number') return { limit: v };
    if (v && typeof v === 'object' && typeof (v.limit ?? v.current ?? v.concurrencyLimit) === 'number') {
      return { limit: v.limit ?? v.current ?? v.concurrencyLimit, inFlight: v.inFlight ?? v.inUse, queued: v.queued ?? v.queue };
    }
  }
  return null;
}

function destinationState(d, regionDrained) {
  const ejectedUntil = d.ejectedUntil ? Date.parse(d.ejectedUntil) : 0;
  if (ejectedUntil > serverNow()) {
    return { state: 'ejected', detail: `${Math.ceil((ejectedUntil - serverNow()) / 1000)} s left · ejected ${d.ejections}×` };
  }
  const circuit = circuitState(d);
  if (circuit === 'open' || circuit === 'isolated') return { state: 'circuit-open', detail: 'circuit open' };
  if (circuit === 'half-open') return { state: 'half-open', detail: 'circuit half-open: probing' };
  if (d.health === 'unhealthy') {
    const failing = [d.activeHealth === 'unhealthy' ? 'probe' : null, d.passiveHealth === 'unhealthy' ? 'traffic' : null].filter(Boolean);
    return { state: 'unhealthy', detail: `failing ${failing.join(' + ')}` };
  }
  if (regionDrained) return { state: 'drained', detail: 'region drained' };
  if (d.available === false) return { state: 'unavailable', detail: 'not picked' };
  if (typeof d.slowStartWeight === 'number' && d.slowStartWeight < 1) {
    return { state: 'slow-start', detail: `weight ${percent(d.slowStartWeight)}`, weight: d.slowStartWeight };
  }
  if (d.health === 'unknown') return { state: 'unknown', detail: 'not probed yet' };
  return { state: 'healthy', detail: d.ejections ? `ejected ${d.ejections}× before` : '' };
}

// ---- clusters -------------------------------------------------------------------------------------------------

function renderClusters(clusters) {
  const root = $('clusters');
  if (clusters.length === 0) {
    root.replaceChildren(el('div', { class: 'panel muted', text: 'No clusters configured.' }));
    return;
  }
  root.replaceChildren(...clusters.map(renderCluster), renderStateKey());
}

function renderCluster(c) {
  const inFlight = (c.destinations ?? []).reduce((sum, d) => sum + (d.inFlight ?? 0), 0);
  const limit = concurrencyLimit(c);
  const header = el('header', {},
    el('h2', { text: c.id }),
    el('span', { class: 'muted', text: `${c.availableCount}/${c.destinationCount} destinations available` }),
    el('span', { class: 'muted', text: `${inFlight} in flight` }),
    limit ? el('span', { class: 'badge info', 'data-concurrency-limit': limit.limit, text: `concurrency limit ${limit.limit}` }) : null,
    c.panic ? el('span', { class: 'badge bad', title: 'Healthy share below the panic threshold: routing to all destinations', text: 'panic' }) : null,
    c.failoverPolicy ? el('span', { class: 'muted', text: `failover ${c.failoverPolicy}` }) : null,
    c.loadBalancingPolicy ? el('span', { class: 'muted', text: `lb ${c.loadBalancingPolicy}` }) : null,
    c.resiliencePolicy ? el('span', { class: 'muted', text: `resilience ${c.resiliencePolicy}` }) : null);

  const regions = [...(c.regions ?? [])];
  const known = new Set(regions.map((r) => r.name));
  // Without a failover policy a cluster is one pool; its destinations are still grouped by the region they name.
  const strays = new Map();
  for (const d of c.destinations ?? []) {
    if (known.has(d.region)) continue;
    const label = d.region ?? '(no region)';
    if (!strays.has(label)) strays.set(label, []);
    strays.get(label).push(d);
  }
  const sections = regions.map((r) => renderRegion(r, c.destinations.filter((d) => d.region === r.name)));
  for (const [label, destinations] of strays) {
    const healthy = destinations.filter((d) => d.available).length;
    sections.push(renderRegion({ name: null, label, share: null, healthy, total: destinations.length }, destinations));
  }

  return el('article', { class: 'panel cluster', 'data-cluster': c.id }, header, el('div', { class: 'regions' }, ...sections));
}

function renderRegion(r, destinations) {
  const badges = [];
  if (r.drained) badges.push(el('span', { class: 'badge warn', text: 'drained' }));
  if (r.healthy === 0 && r.total > 0) badges.push(el('span', { class: 'badge bad', text: 'down' }));
  else if (r.recovering) badges.push(el('span', { class: 'badge info', title: 'Waiting out its failback delay or ramping up', text: 'recovering' }));
  if (r.name === null) badges.push(el('span', { class: 'badge', title: 'The cluster has no failover policy', text: 'no failover' }));
  if (r.share > 0 && !r.drained) badges.push(el('span', { class: 'badge ok', text: 'active' }));

  let button = null;
  if (r.name !== null) {
    const action = r.drained ? 'undrain' : 'drain';
    button = el('button', {
      type: 'button', class: r.drained ? '' : 'danger', 'data-region': r.name, 'data-action': action,
      text: r.drained ? 'Undrain' : 'Drain',
      onclick: () => changeDrain(r.name, action),
    });
  }

  return el('section', { class: 'region', 'data-region': r.name ?? r.label, 'data-drained': String(!!r.drained) },
    el('header', {},
      el('h3', { text: r.name ?? r.label }),
      ...badges,
      r.share === null ? null : el('span', { class: 'share', title: 'Share of the cluster\'s traffic now', text: percent(r.share) })),
    r.share === null ? null : el('div', { class: 'sharebar' }, el('div', { style: `width:${(r.share * 100).toFixed(1)}%` })),
    el('div', { class: 'meta' },
      el('span', { text: r.name === null ? `${r.healthy}/${r.total} available` : `${r.healthy}/${r.total} healthy` }),
      button),
    el('div', { class: 'tiles' }, ...destinations.map((d) => renderTile(d, !!r.drained))));
}

function renderTile(d, regionDrained) {
  const s = destinationState(d, regionDrained);
  return el('div', {
    class: 'tile', 'data-destination': d.id, 'data-state': s.state,
    title: `${d.id} ${d.address}\nhealth ${d.health} (active ${d.activeHealth}, passive ${d.passiveHealth})`,
  },
  el('div', { class: 'name', text: d.id }),
  el('div', { class: 'inflight', title: 'Requests in flight', text: `${d.inFlight ?? 0} in flight` }),
  el('div', { class: 'state', text: STATE_LABELS[s.state] ?? s.state }),
  el('div', { class: 'detail', text: s.detail || d.address }),
  s.weight !== undefined ? el('div', { class: 'weight', style: `width:${(s.weight * 100).toFixed(0)}%` }) : null);
}

function renderStateKey() {
  const colors = ['healthy', 'slow-start', 'unknown', 'ejected', 'unhealthy', 'circuit-open', 'half-open', 'drained'];
  return el('div', { class: 'key-legend' }, ...colors.map((state) =>
    el('span', {}, el('i', { style: `background:var(--${state === 'circuit-open' ? 'open' : state === 'slow-start' ? 'slow' : state})` }), STATE_LABELS[state])));
}

async function changeDrain(region, action) {
  const question = action === 'drain'
    ? `Drain region ${region}?\n\nIt gets no new requests on this gateway instance (requests in flight finish); every cluster with destinations there shifts its traffic to other regions.`
    : `Undrain region ${region}?\n\nIt takes traffic again, ramping up over its slow start.`;
  if (!window.confirm(question)) return;
  try {
    await api(`/admin/regions/${encodeURIComponent(region)}/${action}`, { method: 'POST' });
  } catch (error) {
    if (error instanceof Unauthorized) await askForKey();
    else window.alert(`Could not ${action} ${region}: ${error.message}`);
  }
}

// ---- config ---------------------------------------------------------------------------------------------------

function renderConfig(config) {
  const last = config.lastReload;
  const parts = [el('span', { class: 'title', text: 'Configuration' }),
    el('span', { text: `revision ${config.revision}` }),
    config.proxyRevision !== config.revision ? el('span', { class: 'muted', text: `(proxy runs ${config.proxyRevision})` }) : null];
  if (last) {
    const rejected = last.outcome === 'rejected';
    const at = Date.parse(last.at);
    parts.push(
      el('span', { class: 'muted', text: 'last reload' }),
      el('span', { title: last.at, text: `${timeOfDay(at)} (${ago(serverNow() - at)})` }),
      el('span', { class: `badge ${rejected ? 'bad' : 'ok'}`, 'data-reload-outcome': last.outcome, text: last.outcome }));
    if (rejected) {
      parts.push(el('span', { class: 'error', text: `refused; revision ${last.servingRevision} keeps serving` }));
      parts.push(el('ul', {}, ...(last.errors ?? []).map((e) =>
        el('li', {}, el('code', { text: e.path ?? '' }), ` ${e.reason ?? e.message ?? ''}`))));
    }
  }
  parts.push(renderRouteIdentity(config.effective));
  $('config').replaceChildren(...parts.filter((p) => p !== null));
}

// Which routes require what (the route's AuthorizationPolicy and its scheme), from the effective config.
function renderRouteIdentity(effective) {
  const routes = effective?.ReverseProxy?.Routes ?? [];
  if (routes.length === 0) return null;
  const policies = {};
  for (const [name, policy] of Object.entries(effective?.Gateway?.Identity?.Policies ?? {})) {
    policies[name.toLowerCase()] = policy;
  }
  const items = routes.map((route) => {
    const name = route.AuthorizationPolicy;
    const policy = name ? policies[name.toLowerCase()] : null;
    const text = policy ? `${name} (${policy.Scheme})` : 'open';
    return el('li', { 'data-route-identity': route.RouteId },
      el('code', { text: route.RouteId }), ' ', el('span', { class: policy ? '' : 'muted', text }));
  });
  // Open at first; the panel is redrawn every few seconds, so an operator's fold is carried over.
  const open = document.querySelector('#config .route-identity')?.open ?? true;
  return el('details', { class: 'route-identity', open }, el('summary', { text: 'Who may call each route' }), el('ul', {}, ...items));
}

// ---- charts ---------------------------------------------------------------------------------------------------

function renderCharts(stats) {
  const n = stats.seconds;
  const errorRate = stats.requests.map((r, i) => (r > 0 ? stats.errors[i] / r : null));
  const reasons = Object.entries(stats.rejections ?? {});
  const refusals = stats.requests.map((_, i) => reasons.reduce((sum, [, v]) => sum + v[i], 0));

  const lastSum = (values, k) => values.slice(-k).reduce((a, b) => a + (b ?? 0), 0);
  const requests10 = lastSum(stats.requests, 10);
  $('v-rps').textContent = (lastSum(stats.requests, 5) / 5).toFixed(0);
  $('v-err').textContent = requests10 > 0 ? percent(lastSum(stats.errors, 10) / requests10, 1) : '–';
  const p99 = [...stats.p99Ms].reverse().find((v) => v !== null && v !== undefined);
  $('v-p99').textContent = p99 === undefined ? '–' : formatMs(p99);
  $('v-rej').textContent = (lastSum(refusals, 5) / 5).toFixed(1);

  drawChart($('c-rps'), n, [{ values: stats.requests, color: '#4c8dff' }], count);
  drawChart($('c-err'), n, [{ values: errorRate, color: '#e5484d' }], (v) => percent(v), 0.05);
  drawChart($('c-p99'), n, [{ values: stats.p99Ms, color: '#e2b53b' }, { values: stats.p50Ms, color: '#8593a3', thin: true }], formatMs);
  const active = reasons.filter(([, v]) => v.some((x) => x > 0));
  drawChart($('c-rej'), n, active.map(([reason, values]) => ({ values, color: REASON_COLORS[reason] ?? '#8593a3' })), count);
  $('rej-legend').replaceChildren(...(active.length === 0
    ? [el('span', { text: 'none in the last 5 min' })]
    : active.map(([reason, values]) => el('span', { 'data-reason': reason },
      el('i', { style: `background:${REASON_COLORS[reason] ?? '#8593a3'}` }), `${reason} ${values.reduce((a, b) => a + b, 0)}`))));
}

function count(v) { return v >= 10000 ? `${(v / 1000).toFixed(0)}k` : v >= 1000 ? `${(v / 1000).toFixed(1)}k` : v.toFixed(0); }

function formatMs(ms) { return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10000 ? 0 : 1)} s` : `${ms} ms`; }

function niceMax(max, floor) {
  const top = Math.max(max, floor);
  const magnitude = 10 ** Math.floor(Math.log10(top));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * magnitude >= top) return step * magnitude;
  }
  return top;
}

function drawChart(canvas, n, series, format, floor = 1) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
  if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
  const g = canvas.getContext('2d');
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);

  let max = 0;
  for (const s of series) for (const v of s.values) if (v !== null && v > max) max = v;
  const top = niceMax(max, floor);
  const pad = { left: 2, right: 2, top: 12, bottom: 12 };
  const w = width - pad.left - pad.right;
  const h = height - pad.top - pad.bottom;
  const x = (i) => pad.left + (n <= 1 ? w : (i / (n - 1)) * w);
  const y = (v) => pad.top + h - (v / top) * h;

  g.strokeStyle = '#2a3541';
  g.lineWidth = 1;
  g.fillStyle = '#8593a3';
  g.font = '10px system-ui, sans-serif';
  for (const f of [0, 0.5, 1]) {
    const gy = Math.round(y(top * f)) + 0.5;
    g.beginPath(); g.moveTo(pad.left, gy); g.lineTo(width - pad.right, gy); g.stroke();
  }
  g.textBaseline = 'bottom';
  g.fillText(format(top), pad.left + 2, pad.top - 1);
  g.textBaseline = 'top';
  g.fillText(`-${Math.round(n / 60)} min`, pad.left + 2, height - pad.bottom + 1);
  const nowLabel = 'now';
  g.fillText(nowLabel, width - pad.right - g.measureText(nowLabel).width - 2, height - pad.bottom + 1);

  for (const s of series) {
    g.strokeStyle = s.color;
    g.lineWidth = s.thin ? 1 : 1.6;
    g.beginPath();
    let drawing = false;
    s.values.forEach((v, i) => {
      if (v === null || v === undefined) { drawing = false; return; }
      if (drawing) g.lineTo(x(i), y(v)); else g.moveTo(x(i), y(v));
      drawing = true;
    });
    g.stroke();
    if (!s.thin && series.length === 1) {
      g.globalAlpha = 0.15;
      g.fillStyle = s.color;
      g.beginPath();
      g.moveTo(x(0), y(0));
      s.values.forEach((v, i) => g.lineTo(x(i), y(v ?? 0)));
      g.lineTo(x(n - 1), y(0));
      g.closePath();
      g.fill();
      g.globalAlpha = 1;
    }
  }
}

// ---- start ----------------------------------------------------------------------------------------------------

$('forget-key').addEventListener('click', () => {
  sessionStorage.removeItem(KEY_STORAGE);
  window.location.reload();
});
refresh();
setInterval(renderLive, 500);
