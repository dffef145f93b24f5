/**
 * The status page's views (part of /status/app.js, see ./page-script.ts): the overview (cluster,
 * simulator controls, agents, frameworks, tasks, maintenance), a task's view (state history,
 * sandbox listing, a file followed by offset), render scheduling and hash routing (shareable
 * links). Ends by starting the page. Browser JavaScript in a raw string: no backquotes, no dollar-brace.
 */
export const VIEWS_JS = String.raw`
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
`;
