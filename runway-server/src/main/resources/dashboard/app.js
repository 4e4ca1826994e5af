// Runway dashboard: plain JavaScript, no build step. Every data call goes to the control plane's API with the
// user's token (kept in sessionStorage); the page itself holds no data. Views: #/executive, #/oncall,
// #/debug?state=&repo=&label=&runner=&branch= (filtered run and job lists), #/debug/run/{id}?attempt=N,
// #/debug/job/{id}, #/debug/runner/{id}. The visible view refreshes every 5 s; a job's log streams as server-sent
// events read with fetch (EventSource cannot send the Authorization header). Tokens of the operator role and above
// see buttons to cancel and re-run (the role comes from GET /api/v1/tokens/self); each asks first and shows the
// API's answer. A run's page lists its deployments; one waiting for review has Approve / Reject buttons for every
// token (the API decides who is a reviewer). #/dispatch?repo=&ref=&workflow= is the "Run workflow" form for
// workflow_dispatch (operators), its fields from GET /api/v1/workflows. A running job's steps are followed live from
// the step lines (▶ ✔ ✘) of its log stream until the job reports them.
'use strict';

(function () {
  const API = '/api/v1';
  const REFRESH_MS = 5000;
  const TOKEN_KEY = 'runway.token';
  const SVG_NS = 'http://www.w3.org/2000/svg';

  const state = {
    token: sessionStorage.getItem(TOKEN_KEY),
    route: null,
    timer: null,
    generation: 0, // bumped on every navigation: answers for an old view are dropped
    auditAllowed: null, // null: not asked yet; false after a 403 (asked once, so viewers add no audit noise)
    role: null, // the token's role, from GET /tokens/self: 'viewer', 'operator' or 'admin'
    keepNotice: false, // an action's outcome stays shown across the navigation it caused
    log: null, // the live log of the job view
    comments: {}, // deployment review comments being typed, by run and environment (kept across refreshes)
  };

  // ---------- small DOM helpers ----------

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  function svg(tag, attrs, ...children) {
    const el = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'text') el.textContent = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v);
    }
    for (const c of children.flat()) if (c) el.append(c);
    return el;
  }

  const $ = (id) => document.getElementById(id);

  /** Replaces an element's children, leaving out the null ones (optional panels). */
  function put(el, ...children) {
    el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  }

  function table(headers, rows, emptyText) {
    if (!rows.length) return h('p', { class: 'empty', text: emptyText });
    return h('table', {},
      h('thead', {}, h('tr', {}, headers.map((x) => h('th', { class: x.startsWith('#') ? 'num' : '' }, x.replace(/^#/, ''))))),
      h('tbody', {}, rows));
  }

  function stateBadge(s) {
    return h('span', { class: 'state ' + (s || 'unknown'), text: (s || 'unknown').replace('_', ' ') });
  }

  function card(id, title, value, sub, tone) {
    return h('div', { class: 'card ' + (tone || ''), id },
      h('h3', { text: title }),
      h('div', { class: 'value', text: value }),
      h('div', { class: 'sub', text: sub || '' }));
  }

  function panel(id, title, ...content) {
    return h('section', { class: 'panel', id }, h('h3', { text: title }), ...content);
  }

  function meter(ratio) {
    if (ratio === null || ratio === undefined || Number.isNaN(ratio)) return h('span', { class: 'muted', text: 'n/a' });
    const pct = Math.max(0, Math.min(1, ratio)) * 100;
    const bar = h('span');
    bar.style.width = pct.toFixed(1) + '%';
    return h('span', {},
      h('span', { class: 'meter' + (ratio >= 0.9 ? ' critical' : ratio >= 0.75 ? ' high' : '') }, bar),
      pct.toFixed(0) + ' %');
  }

  // ---------- formatting ----------

  function duration(ms) {
    if (ms === null || ms === undefined) return '–';
    if (ms < 1000) return Math.round(ms) + ' ms';
    const s = ms / 1000;
    if (s < 60) return s.toFixed(1) + ' s';
    const m = Math.floor(s / 60);
    if (m < 60) return m + ' min ' + Math.round(s - m * 60) + ' s';
    const hr = Math.floor(m / 60);
    if (hr < 48) return hr + ' h ' + (m - hr * 60) + ' min';
    return Math.floor(hr / 24) + ' d ' + (hr % 24) + ' h';
  }

  function ago(iso) {
    if (!iso) return 'never';
    const ms = Date.now() - Date.parse(iso);
    return ms < 1000 ? 'just now' : duration(ms) + ' ago';
  }

  function percent(rate) {
    if (rate === null || rate === undefined) return '–';
    const p = rate > 1 ? rate : rate * 100; // a ratio (0..1); tolerate a percentage
    return p.toFixed(1) + ' %';
  }

  function bytes(n) {
    if (n === null || n === undefined) return '–';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
  }

  function sum(obj) {
    return Object.values(obj || {}).reduce((a, b) => a + b, 0);
  }

  // ---------- API ----------

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function api(path, method, body) {
    let res;
    const headers = { Authorization: 'Bearer ' + state.token, Accept: 'application/json' };
    const init = { headers, cache: 'no-store' };
    if (method) {
      init.method = method;
      if (body !== undefined) { headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
    }
    try {
      res = await fetch(API + path, init);
    } catch (e) {
      throw new ApiError(0, 'the control plane cannot be reached (' + e.message + ')');
    }
    if (res.ok) return res.status === 204 ? null : res.json();
    let message = res.status + ' ' + res.statusText;
    try { message = (await res.json()).message || message; } catch (e) { /* not JSON */ }
    if (res.status === 401) signOut('Your token was refused: ' + message + '. Sign in again.');
    throw new ApiError(res.status, message);
  }

  // ---------- sign-in ----------

  function showSignIn(message) {
    $('signin').hidden = false;
    $('main').hidden = true;
    $('nav').hidden = true;
    $('sign-out').hidden = true;
    $('signin-error').textContent = message || '';
    $('updated').textContent = '';
    $('token-input').focus();
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = null;
    state.auditAllowed = null;
    state.role = null;
    state.comments = {}; // a comment typed under one token is not sent under the next
    $('whoami').textContent = '';
    stopView();
    showSignIn(message);
  }

  async function signIn(event) {
    event.preventDefault();
    const token = $('token-input').value.trim();
    if (!token) { $('signin-error').textContent = 'Paste an API token first.'; return; }
    state.token = token;
    try {
      await api('/runners'); // any viewer read checks the token and its role
    } catch (e) {
      state.token = null;
      $('signin-error').textContent = e.status === 403
        ? 'This token may not read the dashboard (it needs the viewer role or higher): ' + e.message
        : e.status === 401 ? 'The token was refused: ' + e.message : e.message;
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    $('token-input').value = '';
    started();
  }

  async function started() {
    $('signin').hidden = true;
    $('main').hidden = false;
    $('nav').hidden = false;
    $('sign-out').hidden = false;
    await learnRole();
    $('nav-dispatch').hidden = !canAct();
    if (state.token) route();
  }

  /** The token's role and name; an older control plane without the route: viewer (no buttons, the API decides). */
  async function learnRole() {
    try {
      const self = await api('/tokens/self');
      state.role = self.role;
      $('whoami').textContent = self.role + (self.name ? ' · ' + self.name : '');
    } catch (e) {
      if (e.status === 401) return;
      state.role = 'viewer';
      $('whoami').textContent = '';
    }
  }

  /** Whether this token's role may cancel and re-run (operator or admin). */
  function canAct() {
    return state.role === 'operator' || state.role === 'admin';
  }

  // ---------- routing and refresh ----------

  const views = {
    executive: { render: renderExecutive },
    oncall: { render: renderOncall },
    debug: { render: renderDebugHome },
    run: { render: renderRun },
    job: { render: renderJob },
    runner: { render: renderRunner },
    dispatch: { render: renderDispatch },
  };

  function parseRoute() {
    const hash = location.hash.replace(/^#\/?/, '');
    const q = hash.indexOf('?');
    const query = new URLSearchParams(q < 0 ? '' : hash.slice(q + 1));
    const parts = (q < 0 ? hash : hash.slice(0, q)).split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] === 'oncall') return { view: 'oncall', nav: 'oncall', query };
    if (parts[0] === 'dispatch') return { view: 'dispatch', nav: 'dispatch', query };
    if (parts[0] === 'debug' && ['run', 'job', 'runner'].includes(parts[1]) && parts[2])
      return { view: parts[1], id: parts[2], nav: 'debug', query };
    if (parts[0] === 'debug') return { view: 'debug', nav: 'debug', query };
    return { view: 'executive', nav: 'executive', query };
  }

  function stopView() {
    clearTimeout(state.timer);
    state.timer = null;
    state.generation++;
    if (state.log) { state.log.abort.abort(); state.log = null; }
  }

  function route() {
    if (!state.token) { showSignIn(); return; }
    stopView();
    closeConfirm(false);
    if (!state.keepNotice) $('notice').hidden = true;
    state.keepNotice = false;
    state.route = parseRoute();
    for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.view === state.route.nav);
    const main = $('main');
    main.replaceChildren();
    main.dataset.view = state.route.view;
    refresh(true);
  }

  async function refresh(first) {
    clearTimeout(state.timer);
    const gen = state.generation;
    const r = state.route;
    try {
      await views[r.view].render(gen, r, first);
      if (gen !== state.generation) return;
      $('banner').hidden = true;
      $('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
    } catch (e) {
      if (gen !== state.generation || !state.token) return;
      $('banner').textContent = e.message;
      $('banner').hidden = false;
    }
    if (gen === state.generation && !document.hidden) state.timer = setTimeout(() => refresh(false), REFRESH_MS);
  }

  // a hidden tab does not refresh; it catches up when shown again
  document.addEventListener('visibilitychange', () => {
    if (!state.token || !state.route) return;
    if (document.hidden) { clearTimeout(state.timer); state.timer = null; } else refresh(false);
  });

  /** Replaces the view's content once the data for it has arrived (none of an older view's). */
  function show(gen, ...content) {
    if (gen !== state.generation) return false;
    put($('main'), ...content);
    return true;
  }

  /** Stats or a clear note when the control plane has none (404: an older control plane). */
  async function stats(window) {
    try {
      return await api('/stats?window=' + window);
    } catch (e) {
      if (e.status === 401) throw e;
      return { unavailable: 'Statistics are unavailable: GET /api/v1/stats answered ' + (e.status || '') + ' ' + e.message };
    }
  }

  // ---------- actions: cancel and re-run, for operator and admin tokens ----------

  let confirmAnswer = null; // resolves the open confirmation

  /** Asks before an action; resolves true when the person confirms. */
  function confirmAction(question, okLabel) {
    closeConfirm(false);
    $('confirm-text').textContent = question;
    $('confirm-ok').textContent = okLabel;
    $('confirm').hidden = false;
    $('confirm-ok').focus();
    return new Promise((resolve) => { confirmAnswer = resolve; });
  }

  function closeConfirm(answer) {
    $('confirm').hidden = true;
    const resolve = confirmAnswer;
    confirmAnswer = null;
    if (resolve) resolve(answer);
  }

  function notice(text, ok) {
    const n = $('notice');
    n.className = 'notice ' + (ok ? 'ok' : 'error');
    $('notice-text').textContent = text;
    n.hidden = false;
  }

  /**
   * A button that asks {@code question}, then POSTs {@code body} to {@code path}; on success it shows {@code done}
   * (a function of the answer) and refreshes the view (or goes to {@code then(answer)}'s address), on failure the
   * API's message. Null for tokens that may not act: a viewer sees no buttons (and the API would refuse anyway).
   */
  function action(id, label, question, path, body, done, then, cls) {
    if (!canAct()) return null;
    const button = h('button', { type: 'button', class: 'action ' + (cls || ''), id, text: label });
    button.addEventListener('click', async () => {
      if (!(await confirmAction(question, label))) return;
      button.disabled = true;
      try {
        const answer = await api(path, 'POST', body);
        notice(done(answer), true);
        const next = then ? then(answer) : null;
        if (next && next !== location.hash) { state.keepNotice = true; location.hash = next; } else refresh(false);
      } catch (e) {
        if (!state.token) return;
        notice(label + ' failed: ' + e.message + (e.status ? ' (HTTP ' + e.status + ')' : ''), false);
        button.disabled = false;
        refresh(false);
      }
    });
    return button;
  }

  const active = (s) => s === 'queued' || s === 'running';

  function cancelJobButton(j, id) {
    if (!active(j.state)) return null;
    return action(id, 'Cancel job', 'Cancel job "' + j.name + '"' + (j.state === 'running' ? ' while it runs? Its runner stops it.' : '?'),
      '/jobs/' + encodeURIComponent(j.id) + '/cancel', undefined,
      () => 'Job "' + j.name + '" cancelled' + (j.state === 'running' ? '; its runner stops it at its next heartbeat.' : '.'), null, 'job-cancel');
  }

  /** The workflow job a re-run names: the top-level key (a called workflow's jobs and matrix legs run with it). */
  function topKey(key) {
    return key ? key.split(/[/[]/)[0] : null;
  }

  function rerunJobButton(run, j, id) {
    const key = topKey(j.key);
    if (!run || active(run.state) || !key) return null;
    return action(id, 'Re-run', 'Re-run job "' + key + '" of run #' + run.number + ' (and the jobs that need it) as a new attempt?',
      '/runs/' + encodeURIComponent(run.id) + '/rerun', { job: key },
      (r) => 'Run #' + r.number + ': attempt ' + r.attempt + ' started (job ' + key + ').', () => '#/debug/run/' + run.id, 'job-rerun');
  }

  function runActions(run) {
    if (!canAct()) return null;
    const path = '/runs/' + encodeURIComponent(run.id);
    const started = (what) => (r) => 'Run #' + r.number + ': attempt ' + r.attempt + ' started (' + what + ').';
    const latest = '#/debug/run/' + run.id;
    const failedLeg = (run.jobs || []).some((j) => ['failed', 'cancelled', 'timed_out'].includes(j.state));
    const buttons = active(run.state)
      ? [action('run-cancel', 'Cancel run', 'Cancel run #' + run.number + ' ' + run.name + '? Queued jobs are cancelled, running ones are stopped.',
        path + '/cancel', undefined, (r) => 'Run #' + r.number + ' cancelled.', null, 'danger')]
      : [action('run-rerun-all', 'Re-run all jobs', 'Run every job of run #' + run.number + ' again, as attempt ' + (run.latestAttempt + 1) + '?',
        path + '/rerun', {}, started('all jobs'), () => latest),
      failedLeg ? action('run-rerun-failed', 'Re-run failed jobs', 'Run the failed jobs of run #' + run.number
        + ' (and the jobs that need them) again, as attempt ' + (run.latestAttempt + 1) + '? The others keep their results.',
      path + '/rerun', { failed: true }, started('failed jobs'), () => latest) : null];
    return h('div', { class: 'actions', id: 'run-actions' }, buttons);
  }

  // ---------- executive ----------

  async function renderExecutive(gen) {
    const [day, week, runners] = await Promise.all([stats('PT24H'), stats('P7D'), api('/runners')]);
    const head = h('h2', { text: 'Executive overview' });
    if (day.unavailable) {
      show(gen, head, h('p', { class: 'error', id: 'stats-unavailable', text: day.unavailable }),
        h('div', { class: 'cards' }, card('exec-runners', 'Runners', String(runners.runners.length), 'registered')));
      return;
    }
    const j = day.jobs;
    const rateTone = j.successRate === null ? '' : j.successRate >= 0.95 ? 'good' : j.successRate >= 0.8 ? 'warn' : 'bad';
    const security = week.unavailable ? null : sum(week.security.authFailures) + week.security.secretsMasked;
    const byState = Object.entries(day.runners.byState || {}).filter(([, n]) => n > 0).map(([s, n]) => n + ' ' + s).join(', ');
    show(gen,
      head,
      h('div', { class: 'cards' },
        card('exec-success-rate', 'Job success rate (24 h)', percent(j.successRate),
          j.succeeded + ' of ' + (j.succeeded + j.failed + j.timedOut + j.runnerLost) + ' finished jobs succeeded'
            + (j.cancelled ? '; ' + j.cancelled + ' cancelled, not counted' : ''), rateTone),
        card('exec-duration', 'Job duration (24 h)', duration(j.durationP50Ms),
          'median · p95 ' + duration(j.durationP95Ms)),
        card('exec-queue-wait', 'Queue wait (24 h)', duration(j.queueWaitP50Ms), 'median · p95 ' + duration(j.queueWaitP95Ms)),
        card('exec-queued', 'Queued now', String(day.queue.queued),
          day.queue.oldestAgeMs === null ? 'nothing waiting' : 'oldest waits ' + duration(day.queue.oldestAgeMs)),
        card('exec-runners', 'Runners', String(day.runners.total), byState || 'none registered'),
        card('exec-security', 'Security events (7 d)', security === null ? '–' : String(security),
          week.unavailable ? week.unavailable : sum(week.security.authFailures) + ' auth failures · '
            + week.security.secretsMasked + ' secrets masked', security ? 'warn' : '')),
      h('div', { class: 'grid2' },
        panel('exec-backlog', 'Queue backlog (24 h)', sparkline(day.backlog || [])),
        panel('exec-outcomes', 'Finished jobs (24 h)', table(['Outcome', '#Jobs'], [
          ['succeeded', j.succeeded], ['failed', j.failed], ['timed_out', j.timedOut], ['cancelled', j.cancelled],
          ['runner lost', j.runnerLost]].map(([k, n]) => h('tr', {}, h('td', {}, stateBadge(k)), h('td', { class: 'num', text: n }))), ''))),
      panel('exec-security-kinds', 'Security events by kind (7 d)', week.unavailable ? h('p', { class: 'empty', text: week.unavailable })
        : table(['Kind', '#Count'], [
          ...Object.entries(week.security.authFailures).map(([k, n]) => h('tr', {}, h('td', { text: 'auth failure: ' + k }), h('td', { class: 'num', text: n }))),
          h('tr', {}, h('td', { text: 'secret values masked in logs' }), h('td', { class: 'num', text: week.security.secretsMasked }))], '')));
  }

  function sparkline(points) {
    if (!points.length) return h('p', { class: 'empty', text: 'no data' });
    const W = 600, H = 90, max = Math.max(1, ...points.map((p) => p.queued));
    const x = (i) => (points.length === 1 ? W : (i * W) / (points.length - 1));
    const y = (q) => H - 4 - (q / max) * (H - 12);
    const line = points.map((p, i) => (i ? 'L' : 'M') + x(i).toFixed(1) + ' ' + y(p.queued).toFixed(1)).join(' ');
    const area = line + ' L' + W + ' ' + H + ' L0 ' + H + ' Z';
    const last = points[points.length - 1];
    return h('div', {},
      svg('svg', { class: 'spark', viewBox: '0 0 ' + W + ' ' + H, preserveAspectRatio: 'none', role: 'img' },
        svg('title', { text: 'queued jobs over the window' }),
        svg('path', { class: 'area', d: area }), svg('path', { class: 'line', d: line })),
      h('div', { class: 'sub muted', text: 'peak ' + max + ' queued · now ' + last.queued }));
  }

  // ---------- on-call ----------

  async function renderOncall(gen) {
    const [day, runners, failed, timedOut, audit] = await Promise.all([
      stats('PT24H'), api('/runners'), api('/jobs?state=failed&limit=20'), api('/jobs?state=timed_out&limit=20'), auditErrors()]);
    const recentFailed = [...failed.jobs, ...timedOut.jobs]
      .sort((a, b) => Date.parse(b.finishedAt || b.createdAt) - Date.parse(a.finishedAt || a.createdAt)).slice(0, 20);
    const content = [h('h2', { text: 'On-call' })];
    if (day.unavailable) content.push(h('p', { class: 'error', id: 'stats-unavailable', text: day.unavailable }));
    else {
      const q = day.queue;
      content.push(h('div', { class: 'cards' },
        card('oncall-queued', 'Queue length', String(q.queued), q.groups.length + ' label set(s)', q.queued ? 'warn' : ''),
        card('oncall-oldest', 'Longest-waiting job', q.oldestAgeMs === null ? '–' : duration(q.oldestAgeMs),
          q.oldestJobId ? 'job ' + q.oldestJobId : 'nothing waiting'),
        card('oncall-failed', 'Failed jobs (24 h)', String(day.jobs.failed + day.jobs.timedOut), 'failed or timed out',
          day.jobs.failed + day.jobs.timedOut ? 'bad' : 'good'),
        card('oncall-auth', 'Auth failures (24 h)', String(sum(day.security.authFailures)),
          Object.entries(day.security.authFailures).map(([k, n]) => n + ' ' + k).join(', ') || 'none')));
      content.push(panel('oncall-failures', 'Failed jobs by workflow and runner (24 h)',
        table(['Workflow', 'Runner', '#Failed'], day.failures.map((f) => h('tr', {},
          h('td', { text: f.workflow }), h('td', { text: f.runner || '(none)' }), h('td', { class: 'num', text: f.failed }))),
        'No failures in the last 24 hours.')));
      if (q.groups.length) content.push(panel('oncall-queue', 'Queue by label set',
        table(['Labels', '#Queued', '#Oldest'], q.groups.map((g) => h('tr', {},
          h('td', { class: 'mono', text: g.labels.join(',') || '(any)' }), h('td', { class: 'num', text: g.queued }),
          h('td', { class: 'num', text: duration(g.oldestAgeMs) }))), '')));
    }
    content.push(panel('oncall-recent-failed', 'Recent failed jobs',
      table(['Job', 'State', 'Runner', 'Reason', 'Finished'], recentFailed.map((j) => h('tr', { class: 'failed-job' },
        h('td', {}, h('a', { href: '#/debug/job/' + j.id, text: j.name })), h('td', {}, stateBadge(j.state)),
        h('td', {}, j.runnerId ? h('a', { href: '#/debug/runner/' + j.runnerId, text: j.runnerName || j.runnerId }) : '–'),
        h('td', { text: j.reason || '' }), h('td', { text: ago(j.finishedAt) }))), 'No failed jobs.')));
    content.push(panel('oncall-runners', 'Runner health', runnerHealth(runners.runners)));
    if (audit) content.push(panel('oncall-audit', 'Recent authentication errors (24 h)',
      table(['When', 'Kind', 'Who', 'Call', 'Detail'], audit.map((a) => h('tr', {},
        h('td', { text: ago(a.at) }), h('td', { class: 'mono', text: a.kind }), h('td', { class: 'mono', text: a.actor }),
        h('td', { class: 'mono', text: a.subject || '' }), h('td', { text: a.detail || '' }))), 'No authentication errors.')));
    show(gen, ...content);
  }

  /** The audit log's auth records, for admin tokens; null (the panel hidden) for others, asked once. */
  async function auditErrors() {
    if (state.auditAllowed === false) return null;
    try {
      const a = await api('/audit?since=24h&kind=auth.&limit=20');
      state.auditAllowed = true;
      return a.records.slice().reverse();
    } catch (e) {
      if (e.status === 403) { state.auditAllowed = false; return null; }
      throw e;
    }
  }

  function runnerHealth(runners) {
    return table(['Runner', 'State', 'CPU', 'Memory', 'Disk', 'Last heartbeat', 'Jobs', 'Unhealthy reason'],
      runners.map((r) => {
        const res = r.resources || {};
        const ratio = (u, t) => (u === null || u === undefined || !t ? null : u / t);
        return h('tr', { class: 'runner-row', 'data-runner': r.name },
          h('td', {}, h('a', { href: '#/debug/runner/' + r.id, text: r.name })),
          h('td', {}, stateBadge(r.state)),
          h('td', {}, meter(res.cpuRatio)),
          h('td', { title: bytes(res.memoryUsedBytes) + ' of ' + bytes(res.memoryTotalBytes) }, meter(ratio(res.memoryUsedBytes, res.memoryTotalBytes))),
          h('td', { title: bytes(res.diskUsedBytes) + ' of ' + bytes(res.diskTotalBytes) }, meter(ratio(res.diskUsedBytes, res.diskTotalBytes))),
          h('td', { text: ago(r.lastSeenAt) }),
          h('td', { class: 'num', text: r.runningJobs + '/' + r.slots }),
          h('td', { class: r.unhealthyReason ? 'error' : 'muted', text: r.unhealthyReason || '–' }));
      }), 'No runners registered.');
  }

  // ---------- debug: landing ----------

  const FILTERS = ['state', 'repo', 'branch', 'label', 'runner'];
  const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out', 'skipped'];

  /** A run's branch (or tag, or commit) as people name it: refs/heads/main is main. */
  function branchOf(run) {
    return run && run.ref ? run.ref.replace(/^refs\/heads\//, '') : null;
  }

  /**
   * The debug landing: recent runs, runners and jobs, narrowed by the filters in the address
   * (#/debug?state=failed&repo=…&branch=…&label=…&runner=ID). State and runner narrow the job list in the API's
   * query; repository, branch and label are matched here, over the latest 200 runs and jobs (the list API has no such
   * parameters): a job's repository and branch are its run's, a run matches a label or runner when one of its jobs does.
   */
  async function renderDebugHome(gen, r, first) {
    const f = Object.fromEntries(FILTERS.map((k) => [k, r.query.get(k) || '']));
    const jobQuery = (f.state ? '&state=' + encodeURIComponent(f.state) : '') + (f.runner ? '&runner=' + encodeURIComponent(f.runner) : '');
    const byJobs = f.label || f.runner; // runs are matched through their jobs (of any state)
    const [runs, jobs, runners, runJobs] = await Promise.all([api('/runs?limit=200'), api('/jobs?limit=200' + jobQuery), api('/runners'),
      byJobs ? api('/jobs?limit=500' + (f.runner ? '&runner=' + encodeURIComponent(f.runner) : '')) : null]);
    if (gen !== state.generation) return;
    const runById = new Map(runs.runs.map((x) => [x.id, x]));
    const labelOk = (j) => !f.label || j.labels.includes(f.label);
    const placeOk = (run) => (!f.repo || (run && run.repo === f.repo)) && (!f.branch || branchOf(run) === f.branch);
    const shownJobs = jobs.jobs.filter((j) => labelOk(j) && (!f.repo && !f.branch || placeOk(runById.get(j.runId))));
    const runsWithJobs = byJobs ? new Set(runJobs.jobs.filter(labelOk).map((j) => j.runId).filter(Boolean)) : null;
    const shownRuns = runs.runs.filter((x) => (!f.state || x.state === f.state) && placeOk(x) && (!runsWithJobs || runsWithJobs.has(x.id)));
    const distinct = (xs) => [...new Set(xs.filter(Boolean))].sort();
    const options = {
      state: JOB_STATES.map((x) => [x, x.replace('_', ' ')]),
      repo: distinct(runs.runs.map((x) => x.repo)).map((x) => [x, x]),
      branch: distinct(runs.runs.map(branchOf)).map((x) => [x, x]),
      label: distinct([...runners.runners.flatMap((x) => x.labels), ...jobs.jobs.flatMap((j) => j.labels)]).map((x) => [x, x]),
      runner: runners.runners.map((x) => [x.id, x.name]).sort((a, b) => a[1].localeCompare(b[1])),
    };
    const filtering = FILTERS.some((k) => f[k]);
    if (first || !$('filters')) show(gen, h('h2', { text: 'Debug' }), filterBar(), h('div', { id: 'debug-body' }));
    updateFilterBar(f, options, filtering);
    put($('debug-body'),
      h('div', { class: 'grid2' },
        panel('debug-runs', 'Runs' + (filtering ? ' (' + shownRuns.length + ' of the latest ' + runs.runs.length + ')' : ''),
          table(['Run', 'State', 'Repository', 'Branch', 'Duration', 'Started'], shownRuns.slice(0, filtering ? 100 : 15).map((x) => h('tr', { class: 'run-row', 'data-run': x.id },
            h('td', {}, h('a', { href: '#/debug/run/' + x.id, text: '#' + x.number + ' ' + x.name })),
            h('td', {}, stateBadge(x.state), x.attempt > 1 ? h('span', { class: 'muted', text: ' attempt ' + x.attempt }) : null),
            h('td', { class: 'mono', text: x.repo || '–' }), h('td', { class: 'mono', text: branchOf(x) || '–' }),
            h('td', { text: duration(x.durationMs) }), h('td', { text: ago(x.createdAt) }))),
          filtering ? 'No run matches these filters.' : 'No workflow runs yet.')),
        panel('debug-runners', 'Runners', table(['Runner', 'State', 'Labels', 'Jobs'], runners.runners.map((x) => h('tr', {},
          h('td', {}, h('a', { href: '#/debug/runner/' + x.id, text: x.name })), h('td', {}, stateBadge(x.state)),
          h('td', { class: 'mono', text: x.labels.join(', ') }),
          h('td', { class: 'num', text: x.runningJobs + '/' + x.slots }))), 'No runners registered.'))),
      panel('debug-jobs', 'Jobs' + (filtering ? ' (' + shownJobs.length + ' matching)' : ''),
        shownJobs.length || !filtering ? jobTable(shownJobs.slice(0, filtering ? 200 : 25), true) : h('p', { class: 'empty', text: 'No job matches these filters.' })));
  }

  function filterBar() {
    const select = (k, label) => h('label', { class: 'filter' }, label + ' ',
      h('select', { id: 'filter-' + k, 'data-filter': k, onchange: applyFilters }, h('option', { value: '', text: 'any' })));
    return h('section', { class: 'panel filters', id: 'filters' },
      select('state', 'State'), select('repo', 'Repository'), select('branch', 'Branch'), select('label', 'Label'), select('runner', 'Runner'),
      h('button', { type: 'button', id: 'filter-clear', onclick: () => { location.hash = '#/debug'; } }, 'Clear filters'),
      h('span', { class: 'muted', text: 'state and runner are asked of the API; the others are matched over the latest 200 runs and jobs' }));
  }

  /** Fills the filter selects (keeping a chosen value that no longer appears) without rebuilding an open one. */
  function updateFilterBar(f, options, filtering) {
    for (const k of FILTERS) {
      const el = $('filter-' + k);
      const wanted = [['', 'any'], ...options[k]];
      if (f[k] && !wanted.some(([v]) => v === f[k])) wanted.push([f[k], f[k]]);
      const now = [...el.options].map((o) => o.value + '\u0000' + o.textContent).join('\u0001');
      if (now !== wanted.map(([v, t]) => v + '\u0000' + t).join('\u0001'))
        el.replaceChildren(...wanted.map(([v, t]) => h('option', { value: v, text: t })));
      if (el.value !== f[k]) el.value = f[k];
    }
    $('filter-clear').hidden = !filtering;
  }

  function applyFilters() {
    const q = new URLSearchParams();
    for (const k of FILTERS) { const v = $('filter-' + k).value; if (v) q.set(k, v); }
    const s = q.toString();
    location.hash = '#/debug' + (s ? '?' + s : '');
  }

  /**
   * Jobs as rows. withRunner: a runner column; inRun: the attempt column (a job a re-run kept links to the job of the
   * earlier attempt whose log it is); run: the run of the latest attempt, whose jobs get re-run buttons. Tokens that
   * may act get a cancel button on queued and running jobs.
   */
  function jobTable(jobs, withRunner, run, inRun) {
    const acting = canAct() && jobs.some((j) => active(j.state) || (run && !active(run.state) && j.key));
    return table(['Job', 'State', ...(withRunner ? ['Runner'] : []), ...(inRun ? ['Attempt'] : []), 'Queue wait', 'Duration', 'CPU',
      'Peak memory', 'Created', ...(acting ? [''] : [])],
    jobs.map((j) => h('tr', { class: 'job-row', 'data-job': j.name, 'data-key': j.key || '' },
      h('td', {}, h('a', { href: '#/debug/job/' + j.id, text: j.name })),
      h('td', {}, stateBadge(j.state), j.waiting ? h('div', { class: 'muted waiting', text: j.waiting }) : null),
      withRunner ? h('td', {}, j.runnerId ? h('a', { href: '#/debug/runner/' + j.runnerId, text: j.runnerName || j.runnerId }) : '–') : null,
      inRun ? h('td', { class: 'run-attempt' }, j.carriedFrom
        ? h('a', { class: 'carried', href: '#/debug/job/' + j.carriedFrom, title: 'kept from an earlier attempt: its log is there', text: 'kept from an earlier attempt' })
        : String(j.runAttempt || 1)) : null,
      h('td', { class: 'queue-wait', text: duration(j.queueWaitMs) }),
      h('td', { text: duration(j.durationMs) }),
      h('td', { text: j.usage && j.usage.cpuSeconds !== null && j.usage.cpuSeconds !== undefined ? j.usage.cpuSeconds.toFixed(2) + ' s' : '–' }),
      h('td', { text: j.usage && j.usage.peakMemoryBytes ? bytes(j.usage.peakMemoryBytes) + (j.usage.oomKilled ? ' (OOM killed)' : '') : '–' }),
      h('td', { text: ago(j.createdAt) }),
      acting ? h('td', { class: 'row-actions' }, cancelJobButton(j, null), rerunJobButton(run, j, null)) : null)), 'No jobs.');
  }

  // ---------- debug: run and its job graph ----------

  async function renderRun(gen, r, first) {
    const asked = Number(r.query.get('attempt')) || null;
    const [latest, deployments] = await Promise.all([api('/runs/' + encodeURIComponent(r.id)), runDeployments(r.id)]);
    const run = asked && asked !== latest.attempt
      ? await api('/runs/' + encodeURIComponent(r.id) + '?attempt=' + asked) : latest;
    if (gen !== state.generation) return;
    // the deployments panel keeps its elements while its data is unchanged: a comment being typed survives refreshes
    if (first || !$('run-top')) show(gen, h('div', { id: 'run-top' }), h('div', { id: 'run-deploy' }), h('div', { id: 'run-rest' }));
    const sig = JSON.stringify(deployments);
    if ($('run-deploy').dataset.sig !== sig) {
      put($('run-deploy'), deploymentsPanel(latest, deployments));
      $('run-deploy').dataset.sig = sig;
    }
    run.latestAttempt = latest.attempt;
    const attempts = [];
    for (let n = 1; n <= latest.attempt; n++) {
      const label = 'Attempt ' + n + (n === latest.attempt ? ' (latest)' : '');
      attempts.push(n === run.attempt ? h('span', { class: 'attempt current', 'data-attempt': n, text: label })
        : h('a', { class: 'attempt', 'data-attempt': n, href: '#/debug/run/' + run.id + (n === latest.attempt ? '' : '?attempt=' + n), text: label }));
    }
    put($('run-top'),
      h('h2', {}, 'Run #' + run.number + ' ', h('span', { text: run.name }), ' ', stateBadge(run.state),
        h('span', { id: 'run-attempt', class: 'muted', text: ' attempt ' + run.attempt + ' of ' + latest.attempt })),
      runActions(run),
      latest.attempt > 1 ? h('nav', { class: 'attempts', id: 'run-attempts' }, attempts) : null,
      run.attempt !== latest.attempt ? h('p', { class: 'note', id: 'run-earlier', text: 'An earlier attempt, its jobs as they ended; latest: attempt '
        + latest.attempt + ', ' + latest.state.replace('_', ' ') + '.' }) : null,
      h('section', { class: 'panel' }, h('dl', { class: 'kv' },
        h('dt', { text: 'Workflow' }), h('dd', {}, h('span', { class: 'mono', text: run.workflow }),
          canAct() && run.event === 'workflow_dispatch' && run.repo ? h('a', { id: 'run-dispatch-again', class: 'dispatch-again', text: 'Run workflow…',
            href: '#/dispatch?' + new URLSearchParams({ repo: run.repo, ref: branchOf(run) || '', workflow: run.workflow }).toString() }) : null),
        h('dt', { text: 'Repository' }), h('dd', { text: (run.repo || '–') + (run.ref ? ' @ ' + run.ref : '') + (run.sha ? ' (' + run.sha.slice(0, 10) + ')' : '') }),
        h('dt', { text: 'Event' }), h('dd', { text: run.event || '–' }),
        h('dt', { text: 'Duration' }), h('dd', { text: duration(run.durationMs) }),
        run.reason ? h('dt', { text: 'Reason' }) : null, run.reason ? h('dd', { class: 'error', text: run.reason }) : null)));
    put($('run-rest'),
      panel('run-graph', 'Job graph', h('div', { class: 'graph' }, jobGraph(run.jobs || [], run.needs || {}))),
      panel('run-jobs', 'Jobs', jobTable(run.jobs || [], true, run.attempt === latest.attempt ? run : null, true)));
  }

  /** A time of day (the deployments panel is kept while unchanged, so it shows no "… ago" that would go stale). */
  function clock(iso) {
    return iso ? new Date(iso).toLocaleTimeString() : '–';
  }

  /** The run's deployment requests; an older control plane without the route: none. */
  async function runDeployments(id) {
    try {
      return (await api('/runs/' + encodeURIComponent(id) + '/deployments')).deployments;
    } catch (e) {
      if (e.status === 404 || e.status === 405) return [];
      throw e;
    }
  }

  /**
   * The run's deployments to protected environments: each one's state, reviewers and decision; one waiting for review
   * has a comment field and Approve / Reject buttons for every token (only the environment's reviewers, by token
   * name, may decide: the API answers 403 to the others, and the panel says so).
   */
  function deploymentsPanel(run, deployments) {
    if (!deployments.length) return null;
    return panel('run-deployments', 'Deployments', deployments.map((d) => {
      const key = run.id + '/' + d.environment;
      const waiting = d.state === 'waiting';
      const due = d.dueAt && Date.parse(d.dueAt) > Date.now();
      const row = h('div', { class: 'deployment ' + d.state, 'data-env': d.environment },
        h('div', { class: 'deployment-head' }, h('b', { class: 'env-name', text: d.environment }), ' ', stateBadge(d.state),
          h('span', { class: 'muted', text: ' attempt ' + d.runAttempt + ' · requested at ' + clock(d.requestedAt) })),
        h('div', { class: 'muted reviewers', text: 'Reviewers: ' + (d.reviewers.length ? d.reviewers.join(', ') : 'none') }),
        d.decidedBy ? h('div', { class: 'decision' }, (d.state === 'approved' ? 'Approved' : 'Rejected') + ' by ', h('b', { text: d.decidedBy }),
          ' at ' + clock(d.decidedAt), d.comment ? h('q', { class: 'decision-comment', text: d.comment }) : null,
          d.state === 'approved' && due ? h('span', { class: 'muted', text: ' · its jobs start after the wait timer, ' + new Date(d.dueAt).toLocaleTimeString() }) : null) : null);
      if (!waiting) return row;
      const comment = h('textarea', { class: 'deploy-comment', rows: 2, maxlength: 4096, placeholder: 'Comment (optional)', 'aria-label': 'comment for ' + d.environment,
        oninput: (e) => { state.comments[key] = e.target.value; } });
      comment.value = state.comments[key] || '';
      const message = h('p', { class: 'error deploy-error', role: 'alert', hidden: true });
      const decide = (decision) => async (e) => {
        const buttons = row.querySelectorAll('button');
        buttons.forEach((b) => { b.disabled = true; });
        message.hidden = true;
        try {
          const answer = await api('/runs/' + encodeURIComponent(run.id) + '/deployments', 'POST',
            { environment: d.environment, decision, comment: comment.value.trim() || undefined });
          delete state.comments[key];
          notice('Deployment to ' + answer.environment + ' ' + answer.state + ' (run #' + run.number + ').', true);
          refresh(false);
        } catch (err) {
          if (!state.token) return;
          message.textContent = err.status === 403
            ? 'You may not review this deployment: ' + err.message + '.'
            : (decision === 'approve' ? 'Approve' : 'Reject') + ' failed: ' + err.message + (err.status ? ' (HTTP ' + err.status + ')' : '');
          message.hidden = false;
          buttons.forEach((b) => { b.disabled = false; });
          if (err.status === 409) refresh(false);
        }
      };
      row.append(h('div', { class: 'deploy-review' }, comment,
        h('div', { class: 'deploy-buttons' },
          h('button', { type: 'button', class: 'decide approve', onclick: decide('approve'), text: 'Approve' }),
          h('button', { type: 'button', class: 'decide reject', onclick: decide('reject'), text: 'Reject' }))), message);
      return row;
    }));
  }

  /** Jobs in columns by dependency depth, edges from each job to the jobs that need it. */
  function jobGraph(jobs, needs) {
    if (!jobs.length) return h('p', { class: 'empty', text: 'No jobs planned yet.' });
    const byId = new Map(jobs.map((j) => [j.id, j]));
    const depth = new Map();
    const depthOf = (id, seen = new Set()) => {
      if (depth.has(id)) return depth.get(id);
      if (seen.has(id)) return 0;
      seen.add(id);
      const d = Math.max(-1, ...(needs[id] || []).filter((n) => byId.has(n)).map((n) => depthOf(n, seen))) + 1;
      depth.set(id, d);
      return d;
    };
    jobs.forEach((j) => depthOf(j.id));
    const columns = [];
    for (const j of jobs) (columns[depth.get(j.id)] = columns[depth.get(j.id)] || []).push(j);
    const NW = 210, NH = 52, GX = 70, GY = 16, PAD = 8;
    const pos = new Map();
    columns.forEach((col, c) => col.forEach((j, i) => pos.set(j.id, { x: PAD + c * (NW + GX), y: PAD + i * (NH + GY) })));
    const width = PAD * 2 + columns.length * NW + (columns.length - 1) * GX;
    const height = PAD * 2 + Math.max(...columns.map((c) => c.length)) * (NH + GY) - GY;
    const edges = [];
    for (const j of jobs) for (const n of needs[j.id] || []) {
      if (!pos.has(n)) continue;
      const a = pos.get(n), b = pos.get(j.id);
      const x1 = a.x + NW, y1 = a.y + NH / 2, x2 = b.x, y2 = b.y + NH / 2, mx = (x1 + x2) / 2;
      edges.push(svg('path', { class: 'edge', 'marker-end': 'url(#arrow)', d: `M${x1} ${y1} C${mx} ${y1} ${mx} ${y2} ${x2} ${y2}` }));
    }
    const nodes = jobs.map((j) => {
      const p = pos.get(j.id);
      const name = j.name.length > 26 ? j.name.slice(0, 25) + '…' : j.name;
      return svg('g', { class: 'node ' + j.state + (j.carriedFrom ? ' carried' : ''), transform: `translate(${p.x} ${p.y})`, 'data-job': j.name,
        onclick: () => { location.hash = '#/debug/job/' + (j.carriedFrom || j.id); } },
        svg('title', { text: j.name + ' — ' + j.state }),
        svg('rect', { width: NW, height: NH, rx: 8 }),
        svg('text', { x: 12, y: 21, text: name }),
        svg('text', { class: 'sub', x: 12, y: 39, text: j.state.replace('_', ' ') + (j.durationMs !== null ? ' · ' + duration(j.durationMs) : '')
          + (j.carriedFrom ? ' · kept' : '') }));
    });
    const arrow = svg('defs', {}, svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
      svg('path', { d: 'M0 0 L10 5 L0 10 z', class: 'arrow' })));
    return svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'job graph' }, arrow, ...edges, ...nodes);
  }

  // ---------- debug: job, steps and the live log ----------

  async function renderJob(gen, r, first) {
    const job = await api('/jobs/' + encodeURIComponent(r.id));
    // a finished job of a run may be re-run: only once its run has finished, so the run's state is asked
    const run = canAct() && job.runId && job.key && !active(job.state) ? await api('/runs/' + encodeURIComponent(job.runId)) : null;
    if (gen !== state.generation) return;
    if (first || !$('job-head')) {
      show(gen, h('div', { id: 'job-head' }), h('div', { id: 'job-body' }), logPanel());
      startLog(job.carriedFrom || job.id, gen); // a job a re-run kept has its log in the earlier attempt's job
    }
    const rerun = run && run.attempt === job.runAttempt ? rerunJobButton(run, job, 'job-rerun') : null;
    const cancel = cancelJobButton(job, 'job-cancel');
    put($('job-head'),
      h('h2', {}, h('span', { id: 'job-name', text: job.name }), ' ', stateBadge(job.state)),
      cancel || rerun ? h('div', { class: 'actions', id: 'job-actions' }, cancel, rerun) : null,
      h('section', { class: 'panel' }, h('dl', { class: 'kv' },
        h('dt', { text: 'Job id' }), h('dd', { class: 'mono', text: job.id }),
        job.runId ? h('dt', { text: 'Run' }) : null, job.runId ? h('dd', {}, h('a', { href: '#/debug/run/' + job.runId
          + (job.runAttempt > 1 ? '?attempt=' + job.runAttempt : ''), text: job.runId }), job.runAttempt ? ' (run attempt ' + job.runAttempt + ')' : '') : null,
        job.carriedFrom ? h('dt', { text: 'Kept from' }) : null, job.carriedFrom ? h('dd', { id: 'job-carried' }, 'an earlier attempt, unchanged; the log below is job ',
          h('a', { href: '#/debug/job/' + job.carriedFrom, text: job.carriedFrom }), '\'s') : null,
        h('dt', { text: 'Runner' }), h('dd', {}, job.runnerId ? h('a', { href: '#/debug/runner/' + job.runnerId, text: job.runnerName || job.runnerId }) : '–'),
        h('dt', { text: 'Labels' }), h('dd', { class: 'mono', text: job.labels.join(', ') || '(any)' }),
        h('dt', { text: 'Attempt' }), h('dd', { text: job.attempt + ' of ' + job.maxAttempts }),
        h('dt', { text: 'Queue wait' }), h('dd', { text: duration(job.queueWaitMs) }),
        h('dt', { text: 'Duration' }), h('dd', { id: 'job-duration', text: duration(job.durationMs) }),
        h('dt', { text: 'Resources' }), h('dd', { text: usageText(job.usage) }),
        job.waiting ? h('dt', { text: 'Waiting for' }) : null, job.waiting ? h('dd', { id: 'job-waiting', text: job.waiting }) : null,
        job.reason ? h('dt', { text: 'Reason' }) : null, job.reason ? h('dd', { class: 'error', id: 'job-reason', text: job.reason }) : null)));
    if (state.log) state.log.job = job;
    put($('job-body'),
      stepsPanel(job),
      job.annotations.length ? panel('job-annotations', 'Annotations', job.annotations.map((a) => h('div', { class: 'annotation ' + a.level },
        h('b', { text: a.level + ': ' }), a.message,
        h('div', { class: 'muted', text: [a.step && 'step ' + a.step, a.file && a.file + (a.line ? ':' + a.line : '') + (a.column ? ':' + a.column : ''), a.title].filter(Boolean).join(' · ') })))) : null);
  }

  /**
   * The job's steps: as the runner reported them when the job finished, or, while it runs, as its log shows them so
   * far (the runner frames each step with a line ▶ name at its start and ✔ name (N ms) or ✘ why at its end).
   */
  function stepsPanel(job) {
    const live = job.steps.length === 0 && active(job.state) && state.log ? state.log.steps : null;
    const steps = live || job.steps;
    const longest = Math.max(1, ...steps.map((s) => s.durationMs || 0));
    const rows = steps.map((s, i) => {
      const bar = h('div', { class: 'bar' });
      bar.style.width = (((s.durationMs || 0) / longest) * 100).toFixed(1) + '%';
      return h('tr', { class: 'step-row' + (live ? ' live' : ''), 'data-step': s.name },
        h('td', { text: i + 1 }), h('td', { class: 'step-name', text: s.name }),
        h('td', { class: 'step-result' }, s.result ? stateBadge(s.result) : h('span', { class: 'muted', text: 'skipped' })),
        h('td', { class: 'num', text: s.exitCode === null || s.exitCode === undefined ? '–' : s.exitCode }),
        h('td', { class: 'num', text: duration(s.durationMs) }),
        h('td', { class: 'steps' }, bar));
    });
    const done = live ? live.filter((s) => s.result !== 'running').length : 0;
    const now = live ? live.find((s) => s.result === 'running') : null;
    return panel('job-steps', 'Steps', live ? h('p', { class: 'muted', id: 'steps-live', text: job.state === 'queued'
      ? 'The job has not started yet.' : 'Live from the log: ' + done + (done === 1 ? ' step' : ' steps') + ' done'
        + (now ? ', "' + now.name + '" running' : '') + '; the runner reports the results when the job ends.' }) : null,
    table(['#', 'Step', 'Result', '#Exit code', '#Duration', ''], rows,
      active(job.state) ? (job.state === 'queued' ? 'The job has not started yet.' : 'No step has started yet.') : 'No steps reported.'));
  }

  const STEP_START = /^\u25b6 (.*)$/;
  const STEP_OK = /^\u2714 (.*) \((\d+) ms\)$/;
  const STEP_FAILED = /^\u2718 (.*)$/;

  /** Follows the step lines of a job's log (top-level only: a composite action's steps are indented); true on a change. */
  function trackSteps(lines) {
    const steps = state.log.steps;
    let changed = false;
    for (const line of lines) {
      const current = steps.length && steps[steps.length - 1].result === 'running' ? steps[steps.length - 1] : null;
      let m;
      if ((m = STEP_START.exec(line))) {
        if (current) current.result = 'succeeded';
        steps.push({ name: m[1], result: 'running', exitCode: null, durationMs: null, startedAt: Date.now() });
        changed = true;
      } else if (current && (m = STEP_OK.exec(line))) {
        current.result = 'succeeded';
        current.durationMs = Number(m[2]);
        changed = true;
      } else if (current && (m = STEP_FAILED.exec(line))) {
        current.result = 'failed';
        const exit = /exited with (\d+)/.exec(m[1]);
        if (exit) current.exitCode = Number(exit[1]);
        current.reason = m[1];
        changed = true;
      }
    }
    return changed;
  }

  function showLiveSteps() {
    const el = $('job-steps');
    if (el && state.log && state.log.job) el.replaceWith(stepsPanel(state.log.job));
  }

  function usageText(u) {
    if (!u) return '–';
    const parts = [];
    if (u.cpuSeconds !== null && u.cpuSeconds !== undefined) parts.push('CPU ' + u.cpuSeconds.toFixed(2) + ' s');
    if (u.peakMemoryBytes) parts.push('peak memory ' + bytes(u.peakMemoryBytes));
    if (u.oomKilled) parts.push('killed by the OOM killer');
    return parts.join(', ') || 'not measured';
  }

  function logPanel() {
    return panel('job-log', 'Log',
      h('div', { class: 'logbar' },
        h('input', { type: 'search', id: 'log-search', placeholder: 'Search the log…', 'aria-label': 'search the log', oninput: applyLogFilter }),
        h('label', {}, h('input', { type: 'checkbox', id: 'log-filter-only', checked: true, onchange: applyLogFilter }), ' only matching lines'),
        h('label', {}, h('input', { type: 'checkbox', id: 'log-follow', checked: true, onchange: followLog }), ' follow'),
        h('span', { id: 'log-count', class: 'muted', text: '0 lines' }),
        h('span', { id: 'log-status', class: 'muted', text: 'connecting…' })),
      h('pre', { class: 'log', id: 'log' }));
  }

  function startLog(jobId, gen) {
    const abort = new AbortController();
    state.log = { abort, lines: 0, gen, steps: [], job: null };
    streamEvents(API + '/jobs/' + encodeURIComponent(jobId) + '/logs/events', abort.signal, (ev) => {
      if (gen !== state.generation) return;
      if (ev.event === 'log') {
        const lines = ev.data.split('\n');
        appendLog(lines);
        if (trackSteps(lines)) showLiveSteps();
      } else if (ev.event === 'attempt') {
        state.log.steps = []; // a new attempt starts its steps again
        showLiveSteps();
        $('log').append(h('div', { class: 'log-note', text: '— attempt ' + ev.data + ' —' }));
      } else if (ev.event === 'end') {
        const end = JSON.parse(ev.data);
        $('log-status').textContent = 'job ' + end.state.replace('_', ' ') + (end.reason ? ': ' + end.reason : '');
        $('log-status').dataset.ended = end.state;
        refresh(false); // show the final steps now
      } else if (ev.event === 'open') $('log-status').textContent = 'following the live log';
      else if (ev.event === 'retry') $('log-status').textContent = 'connection lost; reconnecting…';
      else if (ev.event === 'error') $('log-status').textContent = ev.data;
    });
  }

  function appendLog(lines) {
    const log = $('log');
    const frag = document.createDocumentFragment();
    for (const text of lines) {
      state.log.lines++;
      const line = h('div', { class: 'log-line' }, h('span', { class: 'ln', text: state.log.lines }), h('span', { class: 'lt', text }));
      frag.append(line);
      filterLine(line, query());
    }
    log.append(frag);
    updateLogCount();
    if ($('log-follow').checked) log.scrollTop = log.scrollHeight;
  }

  function query() {
    return $('log-search').value.trim().toLowerCase();
  }

  function filterLine(line, q) {
    const lt = line.querySelector('.lt');
    const text = lt.textContent;
    const onlyMatching = $('log-filter-only').checked;
    if (!q) { lt.replaceChildren(text); line.classList.remove('filtered'); return; }
    const lower = text.toLowerCase();
    const parts = [];
    let at = 0, i;
    while ((i = lower.indexOf(q, at)) >= 0) {
      parts.push(text.slice(at, i), h('mark', { text: text.slice(i, i + q.length) }));
      at = i + q.length;
    }
    parts.push(text.slice(at));
    lt.replaceChildren(...parts.filter((p) => p !== ''));
    line.classList.toggle('filtered', onlyMatching && parts.length === 1);
  }

  function applyLogFilter() {
    const q = query();
    for (const line of document.querySelectorAll('#log .log-line')) filterLine(line, q);
    updateLogCount();
  }

  function updateLogCount() {
    const total = state.log ? state.log.lines : 0;
    const q = query();
    const matching = q ? [...document.querySelectorAll('#log .log-line')].filter((l) => l.querySelector('mark')).length : total;
    $('log-count').textContent = total + ' lines' + (q ? ' · ' + matching + ' matching' : '');
  }

  function followLog() {
    if ($('log-follow').checked) $('log').scrollTop = $('log').scrollHeight;
  }

  /**
   * Reads server-sent events with fetch, so the token goes in the Authorization header and never in a URL. Calls
   * onEvent({event, data, id}) per event, {event: 'open'} on each connection and {event: 'retry'} before
   * reconnecting (with Last-Event-ID) after the stream broke; stops after an 'end' event or when aborted.
   */
  async function streamEvents(url, signal, onEvent) {
    let lastId = null;
    let ended = false;
    while (!signal.aborted && !ended) {
      const headers = { Authorization: 'Bearer ' + state.token, Accept: 'text/event-stream' };
      if (lastId !== null) headers['Last-Event-ID'] = lastId;
      try {
        const res = await fetch(url, { headers, signal, cache: 'no-store' });
        if (!res.ok) {
          let message = res.status + ' ' + res.statusText;
          try { message = (await res.json()).message || message; } catch (e) { /* not JSON */ }
          if (res.status === 401) signOut('Your token was refused: ' + message + '. Sign in again.');
          onEvent({ event: 'error', data: 'The log cannot be read: ' + message });
          return;
        }
        onEvent({ event: 'open' });
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        let ev = { event: 'message', data: [], id: null };
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let nl;
          while ((nl = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, nl).replace(/\r$/, '');
            buffer = buffer.slice(nl + 1);
            if (line === '') { // a blank line ends the event
              if (ev.id !== null) lastId = ev.id;
              if (ev.data.length || ev.event !== 'message') {
                onEvent({ event: ev.event, data: ev.data.join('\n'), id: ev.id });
                if (ev.event === 'end') ended = true;
              }
              ev = { event: 'message', data: [], id: null };
            } else if (!line.startsWith(':')) { // ':' starts a comment (keep-alive)
              const colon = line.indexOf(':');
              const field = colon < 0 ? line : line.slice(0, colon);
              const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
              if (field === 'event') ev.event = val;
              else if (field === 'data') ev.data.push(val);
              else if (field === 'id') ev.id = val;
            }
          }
        }
      } catch (e) {
        if (signal.aborted) return;
      }
      if (!ended && !signal.aborted) {
        onEvent({ event: 'retry' });
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  // ---------- run workflow: a workflow_dispatch form ----------

  /**
   * #/dispatch?repo=&ref=&workflow=: pick a repository (the ones runs came from are offered) and a ref, load its
   * workflows (GET /workflows), pick one with the workflow_dispatch trigger and fill the inputs it declares (boolean:
   * a checkbox, choice: a select, number and string: a field, each with its default); Run POSTs /runs. The API checks
   * the values again: its 400 is shown next to the form, with the input it names marked. Built once (no refresh).
   */
  async function renderDispatch(gen, r, first) {
    if (!first && $('dispatch-form')) return;
    const runs = await api('/runs?limit=200').catch(() => ({ runs: [] }));
    if (gen !== state.generation) return;
    const repos = [...new Set(runs.runs.map((x) => x.repo).filter(Boolean))].sort();
    const form = h('form', { id: 'dispatch-form', class: 'panel dispatch', novalidate: true },
      h('div', { class: 'dispatch-row' },
        h('label', { for: 'dispatch-repo', text: 'Repository' }),
        h('input', { id: 'dispatch-repo', list: 'dispatch-repos', spellcheck: 'false', autocomplete: 'off', placeholder: 'a git URL or a path the control plane can read', value: r.query.get('repo') || repos[0] || '' }),
        h('datalist', { id: 'dispatch-repos' }, repos.map((x) => h('option', { value: x })))),
      h('div', { class: 'dispatch-row' },
        h('label', { for: 'dispatch-ref', text: 'Branch, tag or commit' }),
        h('input', { id: 'dispatch-ref', spellcheck: 'false', autocomplete: 'off', placeholder: 'HEAD (the default branch)', value: r.query.get('ref') || '' }),
        h('button', { type: 'button', id: 'dispatch-load', class: 'action-plain', onclick: () => loadWorkflows(gen, null), text: 'Load workflows' })),
      h('div', { class: 'dispatch-row' },
        h('label', { for: 'dispatch-workflow', text: 'Workflow' }),
        h('select', { id: 'dispatch-workflow', disabled: true, onchange: () => showInputs() }, h('option', { value: '', text: 'load the workflows first' }))),
      h('fieldset', { id: 'dispatch-inputs', class: 'dispatch-inputs', hidden: true }, h('legend', { text: 'Inputs' })),
      h('div', { class: 'dispatch-row' },
        h('button', { type: 'submit', id: 'dispatch-run', class: 'primary', disabled: true, text: 'Run workflow' }),
        h('span', { id: 'dispatch-sha', class: 'muted mono' })),
      h('p', { id: 'dispatch-error', class: 'error', role: 'alert', hidden: true }));
    form.addEventListener('submit', (e) => { e.preventDefault(); submitDispatch(gen); });
    show(gen, h('h2', { text: 'Run workflow' }),
      h('p', { class: 'muted', text: 'Starts a workflow_dispatch run, as GitHub\'s "Run workflow" button does. The fields are the inputs the workflow declares under on.workflow_dispatch.inputs.' }),
      canAct() ? form : h('p', { class: 'error', id: 'dispatch-forbidden', text: 'Starting a run needs a token with the operator role or higher; this one is ' + (state.role || 'unknown') + '.' }));
    if (canAct() && $('dispatch-repo').value) await loadWorkflows(gen, r.query.get('workflow'));
  }

  let dispatchWorkflows = []; // the loaded workflows of the form

  function dispatchError(text) {
    $('dispatch-error').textContent = text || '';
    $('dispatch-error').hidden = !text;
  }

  async function loadWorkflows(gen, wanted) {
    const repo = $('dispatch-repo').value.trim();
    const ref = $('dispatch-ref').value.trim();
    dispatchError('');
    $('dispatch-run').disabled = true;
    if (!repo) { dispatchError('Name a repository first.'); return; }
    let answer;
    try {
      answer = await api('/workflows?repo=' + encodeURIComponent(repo) + (ref ? '&ref=' + encodeURIComponent(ref) : ''));
    } catch (e) {
      if (gen !== state.generation || !state.token) return;
      dispatchWorkflows = [];
      put($('dispatch-workflow'), h('option', { value: '', text: 'no workflows' }));
      $('dispatch-workflow').disabled = true;
      showInputs();
      dispatchError('The workflows cannot be read: ' + e.message + (e.status ? ' (HTTP ' + e.status + ')' : ''));
      return;
    }
    if (gen !== state.generation) return;
    dispatchWorkflows = answer.workflows;
    $('dispatch-sha').textContent = (answer.ref || ref || 'HEAD') + ' at ' + answer.sha.slice(0, 10);
    const runnable = answer.workflows.filter((w) => w.dispatch);
    put($('dispatch-workflow'), answer.workflows.length ? answer.workflows.map((w) => h('option', { value: w.path, disabled: !w.dispatch,
      text: (w.name ? w.name + ' — ' : '') + w.path + (w.dispatch ? '' : ' (no workflow_dispatch trigger)') })) : h('option', { value: '', text: 'no workflows in .github/workflows' }));
    $('dispatch-workflow').disabled = !runnable.length;
    const pick = runnable.find((w) => w.path === wanted) || runnable[0];
    if (pick) $('dispatch-workflow').value = pick.path;
    if (!runnable.length && answer.workflows.length) dispatchError('No workflow of this repository at this ref has the workflow_dispatch trigger.');
    showInputs();
  }

  function showInputs() {
    const wf = dispatchWorkflows.find((w) => w.path === $('dispatch-workflow').value && w.dispatch);
    const box = $('dispatch-inputs');
    $('dispatch-run').disabled = !wf;
    dispatchError(wf && wf.error ? 'This workflow has errors: ' + wf.error : '');
    if (!wf) { box.hidden = true; return; }
    const fields = wf.inputs.map((i) => {
      const id = 'input-' + i.name;
      let field;
      if (i.type === 'boolean') field = h('input', { type: 'checkbox', id, checked: i.defaultValue === 'true' });
      else if (i.type === 'choice') {
        // as on GitHub: one of the options, the default first chosen
        field = h('select', { id }, i.options.map((o) => h('option', { value: o, text: o })));
        field.value = i.defaultValue !== null && i.options.includes(i.defaultValue) ? i.defaultValue : i.options[0] || '';
      } else field = h('input', { type: i.type === 'number' ? 'number' : 'text', id, spellcheck: 'false', value: i.defaultValue === null ? '' : i.defaultValue });
      field.dataset.input = i.name;
      field.dataset.type = i.type;
      field.classList.add('dispatch-input');
      return h('div', { class: 'dispatch-row input-row', 'data-input': i.name },
        h('label', { for: id }, h('span', { class: 'mono', text: i.name }), i.required ? h('span', { class: 'required', title: 'required', text: ' *' }) : null),
        field,
        h('span', { class: 'muted input-type', text: i.type }),
        i.description ? h('span', { class: 'muted input-description', text: i.description }) : null,
        h('span', { class: 'error input-error', hidden: true }));
    });
    put(box, h('legend', { text: 'Inputs' }), fields.length ? fields : h('p', { class: 'muted', id: 'dispatch-no-inputs', text: 'This workflow declares no inputs.' }));
    box.hidden = false;
  }

  async function submitDispatch(gen) {
    const wf = dispatchWorkflows.find((w) => w.path === $('dispatch-workflow').value && w.dispatch);
    if (!wf) return;
    const inputs = {};
    for (const el of document.querySelectorAll('#dispatch-inputs .dispatch-input')) {
      const v = el.dataset.type === 'boolean' ? String(el.checked) : el.value;
      if (v !== '') inputs[el.dataset.input] = v; // left empty: its default, or the API answers that it is required
    }
    for (const row of document.querySelectorAll('#dispatch-inputs .input-row')) {
      row.classList.remove('invalid');
      row.querySelector('.input-error').hidden = true;
    }
    dispatchError('');
    const button = $('dispatch-run');
    button.disabled = true;
    const ref = $('dispatch-ref').value.trim();
    try {
      const run = await api('/runs', 'POST', { repo: $('dispatch-repo').value.trim(), ref: ref || null, workflow: wf.path, event: 'workflow_dispatch', inputs });
      notice('Run #' + run.number + ' ' + run.name + ' started (workflow_dispatch).', true);
      state.keepNotice = true;
      location.hash = '#/debug/run/' + run.id;
    } catch (e) {
      if (gen !== state.generation || !state.token) return;
      button.disabled = false;
      dispatchError('The run was not started: ' + e.message + (e.status ? ' (HTTP ' + e.status + ')' : ''));
      const named = /inputs: '([^']+)'/.exec(e.message || '');
      const row = named && ([...document.querySelectorAll('#dispatch-inputs .input-row')].find((x) => x.dataset.input === named[1])
        || [...document.querySelectorAll('#dispatch-inputs .input-row')].find((x) => (e.message || '').includes("of '" + x.dataset.input + "'")));
      if (row) {
        row.classList.add('invalid');
        row.querySelector('.input-error').textContent = e.message;
        row.querySelector('.input-error').hidden = false;
      }
    }
  }

  // ---------- debug: runner ----------

  async function renderRunner(gen, r) {
    const [runners, jobs] = await Promise.all([api('/runners'), api('/jobs?runner=' + encodeURIComponent(r.id) + '&limit=50')]);
    const runner = runners.runners.find((x) => x.id === r.id);
    if (!runner) { show(gen, h('h2', { text: 'Runner' }), h('p', { class: 'error', text: 'No runner with id ' + r.id + ' (deleted?).' })); return; }
    const res = runner.resources || {};
    const ratio = (u, t) => (u === null || u === undefined || !t ? null : u / t);
    const finished = jobs.jobs.filter((j) => !['queued', 'running'].includes(j.state));
    const ok = finished.filter((j) => j.state === 'succeeded').length;
    show(gen,
      h('h2', {}, 'Runner ', h('span', { id: 'runner-name', text: runner.name }), ' ', stateBadge(runner.state)),
      h('div', { class: 'cards' },
        card('runner-cpu', 'CPU', res.cpuRatio === null || res.cpuRatio === undefined ? '–' : percent(res.cpuRatio), 'host, last report'),
        card('runner-memory', 'Memory', ratio(res.memoryUsedBytes, res.memoryTotalBytes) === null ? '–' : percent(ratio(res.memoryUsedBytes, res.memoryTotalBytes)),
          bytes(res.memoryUsedBytes) + ' of ' + bytes(res.memoryTotalBytes)),
        card('runner-disk', 'Disk (work directory)', ratio(res.diskUsedBytes, res.diskTotalBytes) === null ? '–' : percent(ratio(res.diskUsedBytes, res.diskTotalBytes)),
          bytes(res.diskUsedBytes) + ' of ' + bytes(res.diskTotalBytes)),
        card('runner-history', 'Recent jobs', finished.length ? ok + '/' + finished.length : '–', 'succeeded of the last ' + jobs.jobs.length + ' jobs')),
      h('section', { class: 'panel' }, h('dl', { class: 'kv' },
        h('dt', { text: 'Labels' }), h('dd', { class: 'mono', text: runner.labels.join(', ') }),
        h('dt', { text: 'Version' }), h('dd', { text: runner.version || '–' }),
        h('dt', { text: 'Slots' }), h('dd', { text: runner.runningJobs + ' of ' + runner.slots + ' busy' }),
        h('dt', { text: 'Last heartbeat' }), h('dd', { text: ago(runner.lastSeenAt) }),
        h('dt', { text: 'Resources reported' }), h('dd', { text: ago(res.reportedAt) }),
        runner.pool ? h('dt', { text: 'Pool' }) : null, runner.pool ? h('dd', { text: runner.pool + (runner.variant ? ' (' + runner.variant + ')' : '') }) : null,
        runner.unhealthyReason ? h('dt', { text: 'Unhealthy' }) : null, runner.unhealthyReason ? h('dd', { class: 'error', text: runner.unhealthyReason }) : null)),
      panel('runner-jobs', 'Job history', jobTable(jobs.jobs, false)));
  }

  // ---------- start ----------

  document.addEventListener('DOMContentLoaded', () => {
    $('signin-form').addEventListener('submit', signIn);
    $('sign-out').addEventListener('click', () => signOut('Signed out.'));
    $('notice-close').addEventListener('click', () => { $('notice').hidden = true; });
    $('confirm-ok').addEventListener('click', () => closeConfirm(true));
    $('confirm-cancel').addEventListener('click', () => closeConfirm(false));
    document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && !$('confirm').hidden) closeConfirm(false); });
    window.addEventListener('hashchange', route);
    if (state.token) started(); else showSignIn();
  });
})();
