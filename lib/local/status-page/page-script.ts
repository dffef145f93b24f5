/**
 * The status page's script, as a string (served at /status/app.js; see ./routes.ts). Plain
 * browser JavaScript, no framework and no build step: it subscribes to the master's operator event
 * stream (fetch + a streaming RecordIO parser), keeps the cluster in maps, and renders filterable,
 * sortable, paged tables; a task view browses the sandbox and follows files through the agent's
 * /files endpoints (relayed by the master). The source avoids backquotes and dollar-brace so that
 * it can live in a raw template literal.
 */
export const PAGE_JS = String.raw`(function () {
'use strict';

var TOKEN = (document.querySelector('meta[name="mesos-local-token"]') || {}).content || '';
var PAGE_SIZE = 50;
var TERMINAL = ['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_LOST', 'TASK_ERROR', 'TASK_DROPPED',
  'TASK_GONE', 'TASK_GONE_BY_OPERATOR'];

var S = {
  frameworks: new Map(), // id -> { f: GetFrameworks.Framework, removed: bool }
  agents: new Map(),     // id -> { a: GetAgents.Agent, gone: bool }
  tasks: new Map(),      // framework id + '/' + task id -> { t: Task, addedAt: seconds }
  extras: null,          // GET /status/cluster
  maintenance: null,     // { status, schedule } or { error }
  live: false,
  liveSince: 0,
  lastEvent: 0,
  why: 'connecting'
};

// ------------------------------------------------------------------ small helpers

function h(tag, attrs, children) {
  var el = document.createElement(tag);
  if (attrs) Object.keys(attrs).forEach(function (k) {
    var v = attrs[k];
    if (v === undefined || v === null || v === false) return;
    if (k === 'text') el.textContent = v;
    else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  });
  (children || []).forEach(function (c) {
    if (c === null || c === undefined) return;
    el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  });
  return el;
}
function $(id) { return document.getElementById(id); }
function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
function val(x) { return x && x.value !== undefined ? x.value : ''; }
function pad(n) { return n < 10 ? '0' + n : String(n); }
function clock(seconds) {
  if (!seconds) return '';
  var d = new Date(seconds * 1000);
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' +
    pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
}
function ago(ms) {
  var s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
  return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
}
function nanos(t) { return t && t.nanoseconds !== undefined ? Number(t.nanoseconds) / 1e9 : 0; }
function short(state) { return String(state || '').replace(/^TASK_/, ''); }
function stateClass(state) {
  if (/RUNNING|FINISHED|active/.test(state)) return 'state good';
  if (/FAILED|ERROR|LOST|GONE|DROPPED|KILLED|gone|unhealthy/.test(state)) return 'state bad';
  return 'state warn';
}
function isTerminal(state) { return TERMINAL.indexOf(state) >= 0; }
function scalars(resources) {
  var out = {};
  (resources || []).forEach(function (r) {
    if (r.type === 'SCALAR' && r.scalar) out[r.name] = (out[r.name] || 0) + Number(r.scalar.value || 0);
  });
  return out;
}
function add(into, resources) {
  var s = scalars(resources);
  Object.keys(s).forEach(function (k) { into[k] = (into[k] || 0) + s[k]; });
  return into;
}
function num(x) { return Math.round(x * 100) / 100; }
function usage(used, total) {
  var names = ['cpus', 'mem', 'disk', 'gpus'].filter(function (n) { return total[n] || used[n]; });
  return names.map(function (n) {
    return n + ' ' + num(used[n] || 0) + (total ? ' / ' + num(total[n] || 0) : '');
  }).join(' · ');
}
function amounts(res) {
  return Object.keys(res).filter(function (n) { return res[n]; })
    .map(function (n) { return n + ' ' + num(res[n]); }).join(' · ');
}
function attributes(list) {
  return (list || []).map(function (a) {
    var v = a.text ? a.text.value : a.scalar ? a.scalar.value : a.ranges ? JSON.stringify(a.ranges.range) :
      a.set ? (a.set.item || []).join(',') : '';
    return a.name + ':' + v;
  }).join('; ');
}
function roles(info) {
  return (info.roles && info.roles.length ? info.roles : [info.role || '*']).join(', ');
}

// ------------------------------------------------------------------ operator API and event stream

function operator(type, sub, signal) {
  var body = { type: type };
  if (sub) body[type.toLowerCase()] = sub;
  return fetch('/api/v1', {
    method: 'POST', redirect: 'manual', signal: signal, cache: 'no-store',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body)
  });
}

// Reads RecordIO (<decimal length>\n<bytes>, lengths in bytes) from chunks split anywhere.
function recordio(onRecord) {
  var buf = new Uint8Array(0);
  var decoder = new TextDecoder();
  return function (chunk) {
    var joined = new Uint8Array(buf.length + chunk.length);
    joined.set(buf, 0);
    joined.set(chunk, buf.length);
    buf = joined;
    var at = 0;
    for (;;) {
      var nl = buf.indexOf(10, at);
      if (nl < 0) { if (buf.length - at > 20) throw new Error('bad RecordIO length line'); break; }
      var line = decoder.decode(buf.subarray(at, nl)).trim();
      if (line === '') { at = nl + 1; continue; }
      if (!/^\d+$/.test(line)) throw new Error('bad RecordIO length: ' + line.slice(0, 20));
      var length = Number(line);
      if (buf.length - (nl + 1) < length) break;
      var record = decoder.decode(buf.subarray(nl + 1, nl + 1 + length));
      at = nl + 1 + length;
      onRecord(record);
    }
    buf = buf.slice(at);
  };
}

function setLive(live, why) {
  if (live && !S.live) S.liveSince = Date.now();
  S.live = live;
  S.why = why || '';
  var el = $('live');
  el.className = live ? 'on' : 'off';
  el.textContent = live ? 'Live' : 'Not live: ' + S.why + ' (reconnecting…)';
}

async function goToLeader() {
  var extras = await refreshExtras();
  var leader = extras && extras.masters.filter(function (m) { return m.leading; })[0];
  if (leader && leader.url !== location.origin) location.assign(leader.url + '/' + location.search + location.hash);
}

async function stream() {
  var attempt = 0;
  for (;;) {
    var controller = new AbortController();
    var watchdog = null;
    var interval = 15;
    var kick = function () {
      clearTimeout(watchdog);
      watchdog = setTimeout(function () { controller.abort(); }, (interval * 3 + 1) * 1000);
    };
    try {
      var res = await operator('SUBSCRIBE', null, controller.signal);
      if (res.type === 'opaqueredirect' || res.status === 307) {
        await goToLeader();
        throw new Error('this master does not lead');
      }
      if (!res.ok) throw new Error('SUBSCRIBE answered ' + res.status + ' ' + (await res.text()).slice(0, 120));
      var reader = res.body.getReader();
      var parse = recordio(function (text) {
        var event = JSON.parse(text);
        if (event.type === 'SUBSCRIBED') {
          interval = Number(event.subscribed.heartbeat_interval_seconds) || 15;
          attempt = 0;
        }
        kick();
        onEvent(event);
      });
      kick();
      for (;;) {
        var chunk = await reader.read();
        if (chunk.done) break;
        parse(chunk.value);
      }
      throw new Error('the event stream ended');
    } catch (err) {
      var why = controller.signal.aborted ? 'no heartbeat from the master' : (err && err.message) || String(err);
      setLive(false, why);
      schedule();
    } finally {
      clearTimeout(watchdog);
      controller.abort();
    }
    attempt++;
    await sleep(Math.min(5000, 200 * Math.pow(2, attempt)));
  }
}

function taskKey(frameworkId, taskId) { return frameworkId + '/' + taskId; }

function putTask(task) {
  var key = taskKey(val(task.framework_id), val(task.task_id));
  var old = S.tasks.get(key);
  S.tasks.set(key, { t: task, addedAt: old ? old.addedAt : Date.now() / 1000 });
}

// A fresh snapshot replaces everything, but keeps what only the page knew: agents seen leaving,
// and status history a new leader (which learns tasks from agents) no longer has.
function resync(state) {
  var gone = [];
  S.agents.forEach(function (rec, id) { if (rec.gone) gone.push([id, rec]); });
  var before = S.tasks;
  S.frameworks = new Map();
  S.agents = new Map(gone);
  S.tasks = new Map();
  var fw = state.get_frameworks || {};
  (fw.frameworks || []).forEach(function (f) { S.frameworks.set(val(f.framework_info.id), { f: f, removed: false }); });
  (fw.completed_frameworks || []).forEach(function (f) {
    S.frameworks.set(val(f.framework_info.id), { f: f, removed: true });
  });
  ((state.get_agents || {}).agents || []).forEach(function (a) {
    S.agents.set(val(a.agent_info.id), { a: a, gone: false });
  });
  var tasks = state.get_tasks || {};
  ['completed_tasks', 'unreachable_tasks', 'tasks'].forEach(function (k) { (tasks[k] || []).forEach(putTask); });
  S.tasks.forEach(function (rec, key) {
    var old = before.get(key);
    if (!old) return;
    var merged = (old.t.statuses || []).slice();
    (rec.t.statuses || []).forEach(function (s) {
      if (!merged.some(function (k) { return k.state === s.state && k.timestamp === s.timestamp; })) merged.push(s);
    });
    rec.t.statuses = merged;
    rec.addedAt = old.addedAt;
  });
}

function onEvent(event) {
  S.lastEvent = Date.now();
  var type = event.type;
  if (type === 'SUBSCRIBED') {
    resync(event.subscribed.get_state || {});
    setLive(true);
    refreshExtras();
    refreshMaintenance();
  } else if (type === 'TASK_ADDED') {
    putTask(event.task_added.task);
  } else if (type === 'TASK_UPDATED') {
    var u = event.task_updated;
    var key = taskKey(val(u.framework_id), val(u.status.task_id));
    var rec = S.tasks.get(key);
    if (!rec) {
      rec = { t: { task_id: u.status.task_id, framework_id: u.framework_id, agent_id: u.status.agent_id, name: '',
        statuses: [] }, addedAt: Date.now() / 1000 };
      S.tasks.set(key, rec);
    }
    rec.t.state = u.state;
    var statuses = rec.t.statuses || (rec.t.statuses = []);
    var last = statuses[statuses.length - 1];
    if (!last || last.uuid === undefined || last.uuid !== u.status.uuid || last.state !== u.status.state) {
      statuses.push(u.status);
    }
  } else if (type === 'FRAMEWORK_ADDED' || type === 'FRAMEWORK_UPDATED') {
    var f = (event.framework_added || event.framework_updated).framework;
    S.frameworks.set(val(f.framework_info.id), { f: f, removed: false });
  } else if (type === 'FRAMEWORK_REMOVED') {
    var info = event.framework_removed.framework_info;
    var known = S.frameworks.get(val(info.id));
    S.frameworks.set(val(info.id), { f: known ? known.f : { framework_info: info }, removed: true });
  } else if (type === 'AGENT_ADDED') {
    var a = event.agent_added.agent;
    S.agents.set(val(a.agent_info.id), { a: a, gone: false });
  } else if (type === 'AGENT_REMOVED') {
    var id = val(event.agent_removed.agent_id);
    var agent = S.agents.get(id);
    if (agent) agent.gone = true;
  }
  schedule();
}

async function refreshExtras() {
  try {
    var res = await fetch('/status/cluster', { cache: 'no-store' });
    if (res.ok) S.extras = await res.json();
  } catch (err) {
    // The master is unreachable; the stream reports it.
  }
  schedule();
  return S.extras;
}

async function refreshMaintenance() {
  try {
    var answers = await Promise.all([operator('GET_MAINTENANCE_STATUS'), operator('GET_MAINTENANCE_SCHEDULE')]);
    if (!answers[0].ok || !answers[1].ok) {
      S.maintenance = { error: 'the master answered ' + answers[0].status + ' / ' + answers[1].status };
    } else {
      var status = await answers[0].json();
      var schedule_ = await answers[1].json();
      S.maintenance = {
        status: (status.get_maintenance_status || {}).status || {},
        schedule: (schedule_.get_maintenance_schedule || {}).schedule || {}
      };
    }
  } catch (err) {
    S.maintenance = { error: (err && err.message) || String(err) };
  }
  schedule();
}

// ------------------------------------------------------------------ simulator controls

async function control(path, body, what) {
  var out = $('sim-result');
  out.textContent = what + '…';
  try {
    var res = await fetch('/local/faults/' + path, {
      method: 'POST', cache: 'no-store',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + TOKEN },
      body: JSON.stringify(body)
    });
    var answer = await res.json().catch(function () { return {}; });
    if (!res.ok) throw new Error(answer.error || 'answered ' + res.status);
    var detail = answer.leader ? ': leader is ' + answer.leader : answer.dropped !== undefined ?
      ': ' + answer.dropped + ' subscription(s) dropped' : '';
    out.textContent = what + ' done' + detail + ' (' + new Date().toLocaleTimeString() + ')';
  } catch (err) {
    out.textContent = what + ' failed: ' + ((err && err.message) || String(err));
  }
  refreshExtras();
}

function simulatorSection() {
  if (!TOKEN) return null;
  var agentSelect = h('select', { id: 'sim-agent', 'aria-label': 'Agent' });
  var frameworkSelect = h('select', { id: 'sim-framework', 'aria-label': 'Framework' });
  var latency = h('input', { id: 'sim-latency', type: 'number', min: '0', step: '50', value: '0',
    'aria-label': 'Latency in milliseconds', class: 'narrow' });
  return h('section', { class: 'sim', 'aria-labelledby': 'sim-h' }, [
    h('h2', { id: 'sim-h', text: 'Simulator controls' }),
    h('p', { class: 'note', text: 'These inject faults into this simulated cluster (LocalCluster); a real Mesos ' +
      'has no such buttons.' }),
    h('div', { class: 'row' }, [
      h('button', { id: 'sim-failover', type: 'button', text: 'Fail over the leader',
        onclick: function () { control('failover', {}, 'Failover'); } })
    ]),
    h('div', { class: 'row' }, [agentSelect,
      h('button', { id: 'sim-lose-agent', type: 'button', text: 'Lose agent',
        onclick: function () { if (agentSelect.value) control('lose-agent', { agent: agentSelect.value }, 'Lose agent'); } }),
      h('button', { id: 'sim-restart-agent', type: 'button', text: 'Restart agent',
        onclick: function () {
          if (agentSelect.value) control('restart-agent', { agent: agentSelect.value }, 'Restart agent');
        } })
    ]),
    h('div', { class: 'row' }, [frameworkSelect,
      h('button', { id: 'sim-drop', type: 'button', text: 'Drop subscription',
        onclick: function () {
          if (frameworkSelect.value) control('drop-subscription', { frameworkId: frameworkSelect.value }, 'Drop subscription');
        } })
    ]),
    h('div', { class: 'row' }, [h('label', { for: 'sim-latency', text: 'Scheduler API latency (ms)' }), latency,
      h('button', { id: 'sim-set-latency', type: 'button', text: 'Set latency',
        onclick: function () { control('latency', { ms: Math.max(0, Number(latency.value) || 0) }, 'Set latency'); } })
    ]),
    h('p', { id: 'sim-result', role: 'status', 'aria-live': 'polite', class: 'muted' })
  ]);
}

function fillSelect(select, options) {
  if (!select) return;
  var keep = select.value;
  var signature = JSON.stringify(options);
  if (select.getAttribute('data-sig') === signature) return;
  select.setAttribute('data-sig', signature);
  select.textContent = '';
  if (!options.length) select.appendChild(h('option', { value: '', text: '(none)' }));
  options.forEach(function (o) { select.appendChild(h('option', { value: o[0], text: o[1] })); });
  if (options.some(function (o) { return o[0] === keep; })) select.value = keep;
}

// ------------------------------------------------------------------ tables

// A filterable, sortable, paged table: the toolbar and header are built once (focus stays put),
// the body is rebuilt with at most PAGE_SIZE rows.
function Table(id, label, columns, rowsOf) {
  var self = this;
  this.columns = columns;
  this.rowsOf = rowsOf;
  this.sort = { index: -1, dir: 1 };
  this.page = 0;
  this.filter = h('input', { id: id + '-filter', type: 'search', placeholder: 'Filter', 'aria-label': 'Filter ' + label,
    oninput: function () { self.page = 0; self.render(); } });
  this.heads = columns.map(function (c, i) {
    return h('th', { scope: 'col' }, [h('button', { type: 'button', text: c.label, onclick: function () {
      self.sort = { index: i, dir: self.sort.index === i ? -self.sort.dir : 1 };
      self.render();
    } })]);
  });
  this.body = h('tbody');
  this.count = h('span', { class: 'muted' });
  this.prev = h('button', { type: 'button', text: '‹ Previous', onclick: function () { self.page--; self.render(); } });
  this.next = h('button', { type: 'button', text: 'Next ›', onclick: function () { self.page++; self.render(); } });
  this.el = h('div', { id: id }, [
    h('div', { class: 'toolbar' }, [this.filter]),
    h('table', {}, [h('caption', { text: label }), h('thead', {}, [h('tr', {}, this.heads)]), this.body]),
    h('div', { class: 'pager' }, [this.prev, this.next, this.count])
  ]);
}
Table.prototype.render = function () {
  var columns = this.columns;
  var needle = this.filter.value.trim().toLowerCase();
  var rows = this.rowsOf();
  if (needle) rows = rows.filter(function (r) { return r._text.indexOf(needle) >= 0; });
  var sort = this.sort;
  if (sort.index >= 0) {
    var key = columns[sort.index].key;
    rows = rows.slice().sort(function (a, b) {
      var x = a[key], y = b[key];
      return (x < y ? -1 : x > y ? 1 : 0) * sort.dir;
    });
  }
  this.heads.forEach(function (th, i) {
    th.setAttribute('aria-sort', i === sort.index ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none');
    th.firstChild.textContent = columns[i].label + (i === sort.index ? (sort.dir > 0 ? ' ▲' : ' ▼') : '');
  });
  var pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
  this.page = Math.min(Math.max(0, this.page), pages - 1);
  var shown = rows.slice(this.page * PAGE_SIZE, (this.page + 1) * PAGE_SIZE);
  var body = h('tbody');
  shown.forEach(function (r) {
    body.appendChild(h('tr', {}, columns.map(function (c) {
      var content = c.show ? c.show(r) : r[c.key];
      return h('td', { class: c.num ? 'num' : c.cls ? c.cls(r) : null }, [content === undefined ? '' : content]);
    })));
  });
  if (!shown.length) {
    body.appendChild(h('tr', {}, [h('td', { colspan: String(columns.length), class: 'muted',
      text: needle ? 'Nothing matches the filter.' : 'None yet.' })]));
  }
  this.body.replaceWith(body);
  this.body = body;
  this.prev.disabled = this.page === 0;
  this.next.disabled = this.page >= pages - 1;
  this.count.textContent = rows.length ? 'rows ' + (this.page * PAGE_SIZE + 1) + '–' +
    (this.page * PAGE_SIZE + shown.length) + ' of ' + rows.length : '';
};

function withText(row, keys) {
  row._text = keys.map(function (k) { return String(row[k] === undefined ? '' : row[k]); }).join(' ').toLowerCase();
  return row;
}

// ------------------------------------------------------------------ rows

function frameworkName(id) {
  var rec = S.frameworks.get(id);
  return rec ? rec.f.framework_info.name : id;
}
function agentName(id) {
  var rec = S.agents.get(id);
  return rec ? rec.a.agent_info.hostname : id;
}
function maintenanceOf(hostname) {
  var m = S.maintenance && S.maintenance.status;
  if (!m) return '';
  var match = function (machine) { return machine.hostname === hostname || machine.ip === hostname; };
  if ((m.down_machines || []).some(match)) return 'in maintenance (down)';
  if ((m.draining_machines || []).some(function (d) { return match(d.id || {}); })) return 'draining for maintenance';
  return '';
}

function taskRow(rec) {
  var t = rec.t;
  var statuses = t.statuses || [];
  var first = statuses[0], last = statuses[statuses.length - 1];
  var health = '';
  for (var i = statuses.length - 1; i >= 0; i--) {
    if (statuses[i].healthy !== undefined) { health = statuses[i].healthy ? 'healthy' : 'unhealthy'; break; }
  }
  var frameworkId = val(t.framework_id);
  var row = {
    rec: rec, id: val(t.task_id), name: t.name || '', frameworkId: frameworkId, framework: frameworkName(frameworkId),
    agentId: val(t.agent_id), agent: agentName(val(t.agent_id)), state: short(t.state),
    history: statuses.map(function (s) { return short(s.state); }).join(' → '),
    started: first ? Number(first.timestamp) : rec.addedAt, updated: last ? Number(last.timestamp) : rec.addedAt,
    message: last ? [last.message, last.reason].filter(Boolean).join(' · ') : '', health: health
  };
  return withText(row, ['id', 'name', 'framework', 'frameworkId', 'agent', 'state', 'message', 'health']);
}

function rows() {
  var tasks = [];
  var usedByAgent = {}, usedByFramework = {}, activeByAgent = {}, activeByFramework = {};
  S.tasks.forEach(function (rec) {
    var row = taskRow(rec);
    tasks.push(row);
    if (!isTerminal(rec.t.state)) {
      add(usedByAgent[row.agentId] || (usedByAgent[row.agentId] = {}), rec.t.resources);
      add(usedByFramework[row.frameworkId] || (usedByFramework[row.frameworkId] = {}), rec.t.resources);
      activeByAgent[row.agentId] = (activeByAgent[row.agentId] || 0) + 1;
      activeByFramework[row.frameworkId] = (activeByFramework[row.frameworkId] || 0) + 1;
    }
  });
  var agents = [];
  S.agents.forEach(function (rec, id) {
    var a = rec.a, info = a.agent_info;
    var state = rec.gone ? 'gone' : maintenanceOf(info.hostname) ||
      (a.drain_info ? 'draining (' + String(a.drain_info.state || '').toLowerCase() + ')' :
        a.deactivated ? 'deactivated' : a.active === false ? 'inactive' : 'active');
    var total = scalars(a.total_resources && a.total_resources.length ? a.total_resources : info.resources);
    agents.push(withText({
      id: id, hostname: info.hostname, state: state, resources: usage(usedByAgent[id] || {}, total),
      attributes: attributes(info.attributes), tasks: activeByAgent[id] || 0,
      registered: nanos(a.registered_time)
    }, ['id', 'hostname', 'state', 'attributes']));
  });
  var extras = {};
  ((S.extras && S.extras.frameworks) || []).forEach(function (f) { extras[f.id] = f; });
  var frameworks = [];
  S.frameworks.forEach(function (rec, id) {
    var f = rec.f, info = f.framework_info, extra = extras[id];
    frameworks.push(withText({
      id: id, name: info.name, roles: roles(info), principal: info.principal || '',
      connected: rec.removed ? 'removed' : f.connected ? 'connected' : 'disconnected',
      allocated: amounts(usedByFramework[id] || {}), tasks: activeByFramework[id] || 0,
      offers: rec.removed ? 0 : extra ? extra.offers : (f.offers || []).length,
      suppressed: rec.removed ? '' : extra ? extra.suppressedRoles.join(', ') : '',
      registered: nanos(f.registered_time)
    }, ['id', 'name', 'roles', 'principal', 'connected', 'suppressed']));
  });
  return { tasks: tasks, agents: agents, frameworks: frameworks };
}

// ------------------------------------------------------------------ views

var current = { tasks: [], agents: [], frameworks: [] };
var overview = null;
var taskView = null;
var follower = null;

function link(href, text) { return h('a', { href: href, text: text }); }
function taskHref(frameworkId, taskId, query) {
  return '#/task/' + encodeURIComponent(frameworkId) + '/' + encodeURIComponent(taskId) + (query ? '?' + query : '');
}

function buildOverview() {
  var tables = {
    agents: new Table('agents-table', 'Agents', [
      { key: 'id', label: 'ID', show: function (r) { return h('code', { text: r.id }); } },
      { key: 'hostname', label: 'Hostname' },
      { key: 'state', label: 'State', cls: function (r) { return stateClass(r.state); } },
      { key: 'resources', label: 'Resources (used / total)' },
      { key: 'tasks', label: 'Active tasks', num: true },
      { key: 'attributes', label: 'Attributes' },
      { key: 'registered', label: 'Registered', show: function (r) { return clock(r.registered); } }
    ], function () { return current.agents; }),
    frameworks: new Table('frameworks-table', 'Frameworks', [
      { key: 'name', label: 'Name' },
      { key: 'id', label: 'ID', show: function (r) { return h('code', { text: r.id }); } },
      { key: 'roles', label: 'Roles' },
      { key: 'principal', label: 'Principal' },
      { key: 'connected', label: 'Connection', cls: function (r) { return r.connected === 'connected' ? 'state good' : 'state bad'; } },
      { key: 'allocated', label: 'Allocated' },
      { key: 'tasks', label: 'Active tasks', num: true },
      { key: 'offers', label: 'Offers outstanding', num: true },
      { key: 'suppressed', label: 'Suppressed roles' },
      { key: 'registered', label: 'Registered', show: function (r) { return clock(r.registered); } }
    ], function () { return current.frameworks; }),
    tasks: new Table('tasks-table', 'Tasks', [
      { key: 'id', label: 'ID', show: function (r) { return link(taskHref(r.frameworkId, r.id), r.id); } },
      { key: 'name', label: 'Name' },
      { key: 'framework', label: 'Framework' },
      { key: 'agent', label: 'Agent' },
      { key: 'state', label: 'State', cls: function (r) { return stateClass(r.state); } },
      { key: 'history', label: 'History' },
      { key: 'started', label: 'Started', show: function (r) { return clock(r.started); } },
      { key: 'updated', label: 'Updated', show: function (r) { return clock(r.updated); } },
      { key: 'message', label: 'Last message / reason' },
      { key: 'health', label: 'Health', cls: function (r) { return stateClass(r.health); } }
    ], function () { return current.tasks; })
  };
  var el = h('div', {}, [
    h('section', { 'aria-labelledby': 'cluster-h' }, [h('h2', { id: 'cluster-h', text: 'Cluster' }),
      h('dl', { class: 'facts', id: 'cluster-facts' })]),
    simulatorSection(),
    h('section', { id: 'agents', 'aria-labelledby': 'agents-h' }, [h('h2', { id: 'agents-h', text: 'Agents' }), tables.agents.el]),
    h('section', { id: 'frameworks', 'aria-labelledby': 'frameworks-h' }, [
      h('h2', { id: 'frameworks-h', text: 'Frameworks' }), tables.frameworks.el]),
    h('section', { id: 'tasks', 'aria-labelledby': 'tasks-h' }, [h('h2', { id: 'tasks-h', text: 'Tasks' }), tables.tasks.el]),
    h('section', { id: 'maintenance', 'aria-labelledby': 'maintenance-h' }, [
      h('h2', { id: 'maintenance-h', text: 'Maintenance' }), h('div', { id: 'maintenance-body' })])
  ]);
  return { el: el, tables: tables };
}

function fact(name, value) { return h('div', {}, [h('dt', { text: name }), h('dd', {}, [value])]); }

function renderCluster() {
  var facts = $('cluster-facts');
  if (!facts) return;
  var x = S.extras;
  var leader = x && x.masters.filter(function (m) { return m.leading; })[0];
  var counts = {};
  current.tasks.forEach(function (t) { counts[t.state] = (counts[t.state] || 0) + 1; });
  var byState = Object.keys(counts).sort().map(function (k) { return short(k).toLowerCase() + ' ' + counts[k]; }).join(', ');
  facts.replaceChildren(
    fact('Leader', leader ? leader.url : 'none'),
    fact('Masters', x ? x.masters.map(function (m) {
      return m.url.replace(/^https?:\/\//, '') + (m.leading ? ' (leading)' : m.alive ? ' (standby)' : ' (down)');
    }).join(', ') : ''),
    fact('Version', x ? x.version : ''),
    fact('Up', x ? ago(Date.now() - x.startedAt) : ''),
    fact('Leader elected', x && x.electedAt ? ago(Date.now() - x.electedAt) + ' ago' : ''),
    fact('Agents', String(current.agents.filter(function (a) { return a.state !== 'gone'; }).length)),
    fact('Frameworks', String(current.frameworks.filter(function (f) { return f.connected !== 'removed'; }).length)),
    fact('Tasks', current.tasks.length + (byState ? ' (' + byState + ')' : ''))
  );
}

function renderMaintenance() {
  var body = $('maintenance-body');
  if (!body) return;
  var m = S.maintenance;
  if (!m) { body.replaceChildren(h('p', { class: 'muted', text: 'Loading…' })); return; }
  if (m.error) { body.replaceChildren(h('p', { class: 'muted', text: 'Not available: ' + m.error })); return; }
  var machine = function (id) { return (id.hostname || '') + (id.ip ? ' (' + id.ip + ')' : ''); };
  var windows = m.schedule.windows || [];
  var draining = m.status.draining_machines || [];
  var down = m.status.down_machines || [];
  if (!windows.length && !draining.length && !down.length) {
    body.replaceChildren(h('p', { class: 'muted', text: 'No maintenance scheduled.' }));
    return;
  }
  var windowRows = windows.map(function (w) {
    var u = w.unavailability || {};
    return h('tr', {}, [h('td', { text: (w.machine_ids || []).map(machine).join(', ') }),
      h('td', { text: clock(nanos(u.start)) }), h('td', { text: u.duration ? ago(nanos(u.duration) * 1000) : 'open-ended' })]);
  });
  var statusRows = draining.map(function (d) {
    return h('tr', {}, [h('td', { text: machine(d.id || {}) }), h('td', { text: 'draining' }),
      h('td', { text: (d.statuses || []).map(function (s) {
        return frameworkName(val(s.framework_id)) + ': ' + String(s.status || 'UNKNOWN').toLowerCase();
      }).join(', ') || 'no answers yet' })]);
  }).concat(down.map(function (id) {
    return h('tr', {}, [h('td', { text: machine(id) }), h('td', { text: 'down' }), h('td', { text: '' })]);
  }));
  body.replaceChildren(
    h('table', {}, [h('caption', { text: 'Windows' }), h('thead', {}, [h('tr', {}, [
      h('th', { scope: 'col', text: 'Machines' }), h('th', { scope: 'col', text: 'Start' }),
      h('th', { scope: 'col', text: 'Duration' })])]), h('tbody', {}, windowRows)]),
    h('table', {}, [h('caption', { text: 'Machines and inverse offers' }), h('thead', {}, [h('tr', {}, [
      h('th', { scope: 'col', text: 'Machine' }), h('th', { scope: 'col', text: 'Mode' }),
      h('th', { scope: 'col', text: 'Framework answers' })])]), h('tbody', {}, statusRows)])
  );
}

// --- a task: facts, state history, sandbox files, a followed file

function parseRoute() {
  var hash = location.hash.replace(/^#/, '');
  var q = hash.indexOf('?');
  var path = q >= 0 ? hash.slice(0, q) : hash;
  var params = new URLSearchParams(q >= 0 ? hash.slice(q + 1) : '');
  var m = /^\/task\/([^/]+)\/([^/]+)$/.exec(path);
  if (m) return { task: { frameworkId: decodeURIComponent(m[1]), taskId: decodeURIComponent(m[2]) }, params: params };
  return { params: params };
}

function sandboxOf(t) {
  var executor = val(t.executor_id) || val(t.task_id);
  return '/frameworks/' + val(t.framework_id) + '/executors/' + executor + '/runs/latest';
}
function filesUrl(agentId, op, query) {
  return '/status/agents/' + encodeURIComponent(agentId) + '/files/' + op + '?' + query;
}

function buildTaskView(route) {
  var frameworkId = route.task.frameworkId, taskId = route.task.taskId;
  var dir = (route.params.get('dir') || '').replace(/^\/+|\/+$/g, '');
  var file = route.params.get('file') || '';
  var el = h('div', {}, [
    h('p', {}, [link('#/', '← All tasks')]),
    h('h2', { id: 'task-h', text: 'Task ' + taskId }),
    h('dl', { class: 'facts', id: 'task-facts' }),
    h('h3', { text: 'State history' }),
    h('div', { id: 'task-history' }),
    h('section', { 'aria-labelledby': 'sandbox-h' }, [
      h('h3', { id: 'sandbox-h', text: 'Sandbox' + (dir ? ': ' + dir : '') }),
      h('p', {}, [link(taskHref(frameworkId, taskId, 'file=stdout'), 'stdout'), ' · ',
        link(taskHref(frameworkId, taskId, 'file=stderr'), 'stderr'),
        dir ? ' · ' : null, dir ? link(taskHref(frameworkId, taskId, ''), 'sandbox root') : null]),
      h('div', { id: 'sandbox-files' }, [h('p', { class: 'muted', text: 'Loading…' })])
    ]),
    file ? h('section', { 'aria-labelledby': 'file-h' }, [
      h('h3', { id: 'file-h', text: file }),
      h('div', { class: 'toolbar' }, [
        h('button', { id: 'follow-toggle', type: 'button', text: 'Pause', onclick: function () {
          if (!follower) return;
          follower.paused = !follower.paused;
          this.textContent = follower.paused ? 'Resume' : 'Pause';
          if (!follower.paused) follower.poll();
        } }),
        h('a', { id: 'file-download', href: '#', text: 'Download' }),
        h('span', { id: 'file-status', class: 'muted', role: 'status' })
      ]),
      h('pre', { id: 'file-content', class: 'log', tabindex: '0', 'aria-label': file + ' contents' })
    ]) : null
  ]);
  return { el: el, frameworkId: frameworkId, taskId: taskId, dir: dir, file: file, listed: false };
}

function renderTaskView() {
  var v = taskView;
  var rec = S.tasks.get(taskKey(v.frameworkId, v.taskId));
  var facts = $('task-facts');
  if (!rec) {
    facts.replaceChildren(fact('State', S.live ? 'unknown to the master' : 'waiting for the master'));
    return;
  }
  var row = taskRow(rec);
  facts.replaceChildren(
    fact('Name', row.name), fact('State', h('span', { class: stateClass(row.state), text: row.state })),
    fact('Framework', row.framework), fact('Agent', row.agent + ' (' + row.agentId + ')'),
    fact('Executor', val(rec.t.executor_id) || '(command executor)'),
    fact('Health', row.health || 'no health checks'), fact('Last message', row.message || '—')
  );
  var statuses = rec.t.statuses || [];
  var sig = String(statuses.length) + row.state;
  var history = $('task-history');
  if (history.getAttribute('data-sig') !== sig) {
    history.setAttribute('data-sig', sig);
    history.replaceChildren(h('table', {}, [h('caption', { text: 'Status updates, oldest first' }),
      h('thead', {}, [h('tr', {}, ['State', 'Time', 'Source', 'Reason', 'Message', 'Healthy'].map(function (c) {
        return h('th', { scope: 'col', text: c });
      }))]),
      h('tbody', {}, statuses.map(function (s) {
        return h('tr', {}, [h('td', { class: stateClass(short(s.state)), text: short(s.state) }),
          h('td', { text: clock(Number(s.timestamp)) }), h('td', { text: String(s.source || '').replace(/^SOURCE_/, '') }),
          h('td', { text: s.reason || '' }), h('td', { text: s.message || '' }),
          h('td', { text: s.healthy === undefined ? '' : s.healthy ? 'yes' : 'no' })]);
      }))]));
  }
  if (!v.listed) listSandbox(rec);
  if (v.file && !follower) startFollowing(rec);
}

async function listSandbox(rec) {
  var v = taskView;
  v.listed = true;
  var root = sandboxOf(rec.t) + (v.dir ? '/' + v.dir : '');
  var target = $('sandbox-files');
  try {
    var res = await fetch(filesUrl(row0(rec).agentId, 'browse', 'path=' + encodeURIComponent(root)), { cache: 'no-store' });
    if (!res.ok) throw new Error('the agent answered ' + res.status);
    var entries = await res.json();
    if (v !== taskView) return;
    var base = sandboxOf(rec.t) + '/';
    target.replaceChildren(h('table', {}, [h('caption', { text: 'Files in ' + root }),
      h('thead', {}, [h('tr', {}, ['Name', 'Size', 'Modified'].map(function (c) { return h('th', { scope: 'col', text: c }); }))]),
      h('tbody', {}, entries.map(function (e) {
        var rel = String(e.path).indexOf(base) === 0 ? String(e.path).slice(base.length) : String(e.path).split('/').pop();
        var isDir = String(e.mode || '').charAt(0) === 'd';
        var name = rel.split('/').pop();
        return h('tr', {}, [
          h('td', {}, [link(taskHref(v.frameworkId, v.taskId, (isDir ? 'dir=' : 'file=') + encodeURIComponent(rel)),
            name + (isDir ? '/' : ''))]),
          h('td', { class: 'num', text: isDir ? '' : String(e.size) }), h('td', { text: clock(Number(e.mtime)) })]);
      }))]));
  } catch (err) {
    v.listed = false;
    target.replaceChildren(h('p', { class: 'muted', text: 'Sandbox not available yet: ' + ((err && err.message) || err) }));
    setTimeout(function () { if (v === taskView) schedule(); }, 2000);
  }
}
function row0(rec) { return { agentId: val(rec.t.agent_id) }; }

var MAX_SHOWN = 1 << 20;
function startFollowing(rec) {
  var v = taskView;
  var path = sandboxOf(rec.t) + '/' + v.file.replace(/^\/+/, '');
  var agentId = val(rec.t.agent_id);
  var pre = $('file-content');
  var status = $('file-status');
  $('file-download').setAttribute('href', filesUrl(agentId, 'download', 'path=' + encodeURIComponent(path)));
  var encoder = new TextEncoder();
  var f = { offset: 0, paused: false, timer: null, stopped: false, poll: null };
  f.poll = async function () {
    clearTimeout(f.timer);
    if (f.stopped || f.paused) return;
    var delay = 1000;
    try {
      var res = await fetch(filesUrl(agentId, 'read', 'path=' + encodeURIComponent(path) + '&offset=' + f.offset +
        '&length=65536'), { cache: 'no-store' });
      if (!res.ok) throw new Error(res.status === 404 ? 'not there yet' : 'the agent answered ' + res.status);
      var chunk = await res.json();
      if (f.stopped) return;
      var data = String(chunk.data || '');
      if (data) {
        pre.appendChild(document.createTextNode(data));
        if (pre.textContent.length > MAX_SHOWN) pre.textContent = pre.textContent.slice(-MAX_SHOWN);
        f.offset = Number(chunk.offset) + encoder.encode(data).length;
        pre.scrollTop = pre.scrollHeight;
        if (data.length >= 65536) delay = 0;
      }
      status.textContent = 'following, ' + f.offset + ' bytes';
    } catch (err) {
      status.textContent = path.split('/').pop() + ': ' + ((err && err.message) || err) + '; retrying';
      delay = 2000;
    }
    if (!f.stopped && !f.paused) f.timer = setTimeout(f.poll, delay);
  };
  follower = f;
  f.poll();
}

// ------------------------------------------------------------------ rendering and routing

var pending = false;
function schedule() {
  if (pending) return;
  pending = true;
  setTimeout(function () { pending = false; render(); }, 100);
}

function render() {
  var built = rows();
  current = built;
  if (taskView) { renderTaskView(); return; }
  if (!overview) return;
  renderCluster();
  overview.tables.agents.render();
  overview.tables.frameworks.render();
  overview.tables.tasks.render();
  renderMaintenance();
  fillSelect($('sim-agent'), built.agents.filter(function (a) { return a.state !== 'gone'; }).map(function (a) {
    return [a.id, a.hostname + ' · ' + a.id.slice(-6)];
  }));
  fillSelect($('sim-framework'), built.frameworks.filter(function (f) { return f.connected === 'connected'; })
    .map(function (f) { return [f.id, f.name + ' · ' + f.id.slice(-6)]; }));
}

function route() {
  if (follower) { follower.stopped = true; clearTimeout(follower.timer); follower = null; }
  var r = parseRoute();
  var main = $('main');
  if (r.task) {
    taskView = buildTaskView(r);
    overview = null;
    main.replaceChildren(taskView.el);
    document.title = 'Task ' + r.task.taskId + ' · mesos-local';
  } else {
    taskView = null;
    overview = buildOverview();
    main.replaceChildren(overview.el);
    document.title = 'mesos-local · status';
  }
  render();
}

document.addEventListener('click', function (e) {
  var jump = e.target && e.target.getAttribute && e.target.getAttribute('data-jump');
  if (!jump) return;
  e.preventDefault();
  if (taskView) location.hash = '#/';
  setTimeout(function () {
    var target = $(jump);
    if (target) { target.scrollIntoView(); var f = target.querySelector('input'); if (f) f.focus(); }
  }, 150);
});
window.addEventListener('hashchange', route);
setInterval(function () {
  if (document.hidden) return;
  refreshExtras();
  if (S.live && !(S.maintenance && S.maintenance.error)) refreshMaintenance();
}, 3000);
setInterval(function () { if (overview) renderCluster(); }, 1000);
route();
stream();
})();
`;
