/**
 * The status page's tables (part of /status/app.js, see ./page-script.ts): a filterable, sortable,
 * paged table whose toolbar and header are built once (focus stays put while rows change), and the
 * rows of agents, frameworks and tasks derived from the maps (resources in use summed from the
 * tasks that are not terminal). Browser JavaScript in a raw string: no backquotes, no dollar-brace.
 */
export const TABLES_JS = String.raw`
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
`;
