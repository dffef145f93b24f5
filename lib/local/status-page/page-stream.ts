/**
 * The status page's data side (part of /status/app.js, see ./page-script.ts): small helpers, the
 * operator API over fetch, a streaming RecordIO parser, the SUBSCRIBE loop with its heartbeat
 * watchdog, reconnection and resynchronisation, the cluster kept in maps from the events, and the
 * simulator controls (their section and requests). Browser JavaScript in a raw string: no backquotes,
 * no dollar-brace.
 */
export const STREAM_JS = String.raw`
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
  if (/^(RUNNING|FINISHED|active|healthy)$/.test(state)) return 'state good';
  if (/^(FAILED|ERROR|LOST|GONE|GONE_BY_OPERATOR|DROPPED|KILLED|gone|unhealthy)$/.test(state)) return 'state bad';
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
      ': ' + answer.dropped + ' subscription(s) dropped' : answer.agent ? ': agent ' + answer.agent.id : '';
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
        } }),
      h('button', { id: 'sim-restart-agent-new-id', type: 'button', text: 'Restart with a new id',
        title: 'The agent starts without its checkpointed state and registers with a new agent id',
        onclick: function () {
          if (agentSelect.value) {
            control('restart-agent', { agent: agentSelect.value, newId: true }, 'Restart with a new id');
          }
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
`;
