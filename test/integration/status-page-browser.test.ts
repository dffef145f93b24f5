/**
 * The status page as a person uses it, in a real headless Chromium (Debian's /usr/bin/chromium,
 * installed by .ci/install-system-deps) driven by puppeteer-core. The page is opened before any
 * framework exists; a MesosSchedulerDriver then runs tasks on the LocalCluster and the test waits for
 * what a person would see appear without a reload: the framework, its tasks and their states, a
 * task's stdout reached by clicking through (and growing), controls that do what they say. A second
 * case feeds the page from a scripted operator stream: 10,000 tasks, records split anywhere, a lost
 * stream shown as not live and resynchronised on reconnect. No console errors in either. Screenshots
 * go to test/screenshots/latest/ (gitignored); STATUS_PAGE_SCREENSHOT=1 also refreshes the README's.
 * A missing or broken Chromium fails these tests: they never skip.
 */
import { mkdirSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import sinon from 'sinon';
import type { Offer, TaskInfo } from '../../lib/codec/messages';
import { MesosSchedulerDriver } from '../../lib/driver/scheduler-driver';
import type { Scheduler } from '../../lib/driver/scheduler-types';
import { LocalCluster } from '../../lib/local/cluster';
import { parseResources } from '../../lib/local/resources';
import { PAGE_CSS, pageHtml } from '../../lib/local/status-page/page-html';
import { PAGE_JS } from '../../lib/local/status-page/page-script';

// puppeteer-core is an ES module; this CommonJS test loads it with import() and names its types so.
type Puppeteer = typeof import('puppeteer-core', { with: { 'resolution-mode': 'import' }});
type Browser = Awaited<ReturnType<Puppeteer['launch']>>;
type Page = Awaited<ReturnType<Browser['newPage']>>;

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(__dirname, '../screenshots/latest');
const README_SHOT = join(__dirname, '../screenshots/status-page.png');

async function launchChromium(): Promise<Browser> {
  try {
    const { default: puppeteer } = await import('puppeteer-core');
    return await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
    });
  } catch (err) {
    throw new Error(`Chromium at ${CHROMIUM} could not be started (run .ci/install-system-deps): ${err}`);
  }
}

/** Opens a page that records every console error, page error and failed request. */
async function openPage(browser: Browser, errors: string[]): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`page error: ${err}`));
  return page;
}

/** A browser-side expression: the text of the element `selector` selects, '' while there is none. */
function textExpression(selector: string): string {
  return `((document.querySelector(${JSON.stringify(selector)}) || {}).textContent || '')`;
}

/** The text of an element, '' while it does not exist. */
function textOf(page: Page, selector: string): Promise<string> {
  return page.evaluate(textExpression(selector)) as Promise<string>;
}

async function waitForText(page: Page, selector: string, pattern: RegExp, timeout = 10_000): Promise<string> {
  try {
    await page.waitForFunction(
      `new RegExp(${JSON.stringify(pattern.source)}, ${JSON.stringify(pattern.flags)}).test(${textExpression(selector)})`,
      {
        timeout,
        polling: 50,
      },
    );
  } catch (err) {
    throw new Error(`${selector} never matched ${pattern}; it shows: ${(await textOf(page, selector)).slice(0, 600)}`, {
      cause: err,
    });
  }
  return textOf(page, selector);
}

/** Empties a table's filter from the keyboard. */
async function clearFilter(page: Page, tableId: string): Promise<void> {
  await page.focus(`#${tableId}-filter`);
  await page.keyboard.down('Control');
  await page.keyboard.press('a');
  await page.keyboard.up('Control');
  await page.keyboard.press('Backspace');
}

/** The cells of the visible rows of a table, as text. */
function rowsOf(page: Page, tableId: string): Promise<string[][]> {
  return page.evaluate(
    `[...document.querySelectorAll('#${tableId} tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent))`,
  ) as Promise<string[][]>;
}

/** Text whose contrast with its background is below WCAG AA (4.5:1), as `text (ratio)`. */
function lowContrast(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    const rgb = (css) => (css.match(/[0-9.]+/g) || []).map(Number);
    const channel = (c) => (c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
    const luminance = (c) => 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]);
    const background = (el) => {
      for (let at = el; at; at = at.parentElement) {
        const c = rgb(getComputedStyle(at).backgroundColor);
        if (c.length < 4 || c[3] > 0) return c;
      }
      return [255, 255, 255];
    };
    const low = [];
    for (const el of document.querySelectorAll('body *')) {
      const text = [...el.childNodes].filter((n) => n.nodeType === 3 && n.textContent.trim()).map((n) => n.textContent);
      if (!text.length || el.offsetParent === null) continue;
      const fg = luminance(rgb(getComputedStyle(el).color));
      const bg = luminance(background(el));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      if (ratio < 4.5) low.push(text.join(' ').trim().slice(0, 40) + ' (' + ratio.toFixed(2) + ')');
    }
    return low;
  })()`) as Promise<string[]>;
}

const TASKS: Array<{ id: string; command: string }> = [
  { id: 'ticker', command: 'for i in $(seq 1 900); do echo "tick $i"; sleep 0.1; done' },
  { id: 'quick', command: 'echo "quick and done"' },
  { id: 'broken', command: 'echo "about to fail" >&2; exit 3' },
];

describe('LocalCluster status page in Chromium', function () {
  this.timeout(60_000);
  let browser: Browser;
  const errors: string[] = [];

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });
  beforeEach(() => {
    errors.length = 0;
  });

  it('shows a framework, its tasks and a task stdout appearing live, and its controls act on the cluster', async () => {
    const cluster = await LocalCluster.start({
      masters: 2,
      agents: [{ attributes: 'rack:r1' }, { attributes: 'rack:r2' }],
      heartbeatIntervalSeconds: 1,
      log: false,
    });
    const calls: string[] = [];
    let launched = false;
    const scheduler: Scheduler = {
      registered: () => void calls.push('registered'),
      reregistered: () => void calls.push('reregistered'),
      disconnected: () => void calls.push('disconnected'),
      resourceOffers: (driver, offers: Offer[]) => {
        for (const offer of offers) {
          if (launched) {
            driver.declineOffer(offer.id, { refuse_seconds: 1 });
            continue;
          }
          launched = true;
          const tasks: TaskInfo[] = TASKS.map(({ id, command }) => ({
            name: `${id}-task`,
            task_id: { value: id },
            agent_id: offer.agent_id,
            resources: parseResources('cpus:0.1;mem:16'),
            command: { shell: true, value: command },
            ...(id === 'ticker'
              ? {
                  health_check: {
                    type: 'COMMAND' as const,
                    command: { value: 'true' },
                    delay_seconds: 0,
                    interval_seconds: 0.2,
                  },
                }
              : {}),
          }));
          driver.launchTasks([offer.id], tasks);
        }
      },
    };
    const driver = new MesosSchedulerDriver(
      scheduler,
      {
        user: 'tester',
        name: 'status-page-demo',
        roles: ['demo'],
        capabilities: [{ type: 'MULTI_ROLE' }],
        failover_timeout: 60,
      },
      cluster.masterString,
    );
    let page: Page | undefined;
    try {
      page = await openPage(browser, errors);
      await page.goto(`${cluster.masterUrl}/`);
      await waitForText(page, '#live', /^Live$/);
      await page.evaluate('window.loadedOnce = true');
      await waitForText(page, '#frameworks-table tbody', /None yet/);
      await waitForText(page, '#agents-table tbody', /rack:r1[\s\S]*rack:r2|rack:r2[\s\S]*rack:r1/);
      expect(await rowsOf(page, 'agents-table')).to.have.length(2);

      driver.start();
      await waitForText(page, '#frameworks-table tbody', /status-page-demo/);
      await waitForText(page, '#tasks-table tbody', /ticker[\s\S]*RUNNING/);
      await waitForText(page, '#tasks-table tbody', /quick[\s\S]*FINISHED/);
      await waitForText(page, '#tasks-table tbody', /broken[\s\S]*FAILED/);
      await waitForText(page, '#tasks-table tbody', /ticker[\s\S]*?RUNNING[\s\S]*?healthy/);
      const byId = new Map((await rowsOf(page, 'tasks-table')).map((cells) => [cells[0], cells]));
      expect(byId.get('quick')?.[5]).to.match(/STAGING → STARTING → RUNNING → FINISHED|RUNNING → FINISHED/);
      expect(byId.get('broken')?.[8]).to.match(/exit|status 3|REASON_COMMAND_EXECUTOR_FAILED/i);
      const framework = (await rowsOf(page, 'frameworks-table'))[0] ?? [];
      expect(framework[2]).to.equal('demo');
      expect(framework[4]).to.equal('connected');
      expect(await page.evaluate('window.loadedOnce')).to.equal(true);
      await waitForText(page, '#agents-table tbody', /cpus 0\.1 \/ 4/);

      // Sorting and filtering, by keyboard.
      await page.focus('#tasks-table-filter');
      await page.keyboard.type('tick');
      await page.waitForFunction("document.querySelectorAll('#tasks-table tbody tr').length === 1");
      await clearFilter(page, 'tasks-table');
      await page.waitForFunction("document.querySelectorAll('#tasks-table tbody tr').length === 3");
      await page.focus('#tasks-table th:first-child button');
      await page.keyboard.press('Enter');
      await waitForText(page, '#tasks-table tbody tr:first-child td:first-child', /^broken$/);
      await page.keyboard.press('Enter');
      await waitForText(page, '#tasks-table tbody tr:first-child td:first-child', /^ticker$/);
      expect(await lowContrast(page)).to.deep.equal([]);
      await page.screenshot({ path: join(SHOTS, 'overview.png'), fullPage: true });
      if (process.env.STATUS_PAGE_SCREENSHOT === '1') {
        await page.evaluate('document.activeElement.blur()');
        await page.screenshot({ path: README_SHOT, fullPage: true });
      }

      // A task's stdout, reached by clicking, follows the file as it grows; the link can be shared.
      await page.click('#tasks-table a[href*="/ticker"]');
      await waitForText(page, '#task-h', /Task ticker/);
      await waitForText(page, '#task-history', /RUNNING/);
      await waitForText(page, '#sandbox-files', /stdout[\s\S]*stderr|stderr[\s\S]*stdout/);
      await page.click('#main a[href$="file=stdout"]');
      await waitForText(page, '#file-content', /tick 1\n/);
      const first = (await textOf(page, '#file-content')).length;
      await page.waitForFunction(`${textExpression('#file-content')}.length > ${first + 20}`);
      expect(await lowContrast(page)).to.deep.equal([]);
      await page.screenshot({ path: join(SHOTS, 'task-stdout.png'), fullPage: true });
      // Its Download link is relayed from the agent as an attachment, never as a page.
      const href = (await page.evaluate("document.getElementById('file-download').getAttribute('href')")) as string;
      const download = await fetch(new URL(href, cluster.masterUrl));
      expect(download.status).to.equal(200);
      expect(download.headers.get('content-type')).to.equal('application/octet-stream');
      expect(download.headers.get('content-disposition')).to.match(/^attachment/);
      expect(await download.text()).to.match(/^tick 1\ntick 2\n/);
      const shared = page.url();
      expect(new URL(shared).hash).to.match(/^#\/task\/[^/]+\/ticker\?file=stdout$/);
      const second = await openPage(browser, errors);
      await second.goto(shared);
      await waitForText(second, '#file-content', /tick 1\ntick 2\n/);
      await second.close();
      await page.click('#main a[href="#/"]');
      await waitForText(page, '#tasks-table tbody', /ticker/);

      // Simulator controls: drop the framework's subscription, lose an agent, fail over the leader.
      const frameworkId = framework[1] as string;
      await page.select('#sim-framework', frameworkId);
      await page.click('#sim-drop');
      await waitForText(page, '#sim-result', /Drop subscription done: 1 subscription/);
      await waitForText(page, '#frameworks-table tbody', /connected/);
      expect(calls).to.include('disconnected');

      const idle = cluster.agents.find((agent) => agent.state().length === 0);
      expect(idle, 'an agent without tasks').to.not.equal(undefined);
      await page.select('#sim-agent', idle?.id ?? '');
      await page.click('#sim-lose-agent');
      await waitForText(page, '#sim-result', /Lose agent done/);
      expect(cluster.agents.map((agent) => agent.id)).to.not.include(idle?.id);
      await waitForText(page, '#agents-table tbody', /gone/);

      const oldLeader = cluster.masterUrl;
      await page.click('#sim-failover');
      await page.waitForFunction(`location.origin !== ${JSON.stringify(oldLeader)}`, { timeout: 10_000 });
      expect(cluster.masterUrl).to.not.equal(oldLeader);
      expect(new URL(page.url()).origin).to.equal(cluster.masterUrl);
      await waitForText(page, '#live', /^Live$/);
      await waitForText(page, '#frameworks-table tbody', /status-page-demo[\s\S]*connected/);
      await waitForText(page, '#tasks-table tbody', /ticker[\s\S]*RUNNING/);
      expect(calls.filter((call) => call === 'reregistered').length).to.be.greaterThan(0);

      // Latency, then restarting the agent that runs the ticker.
      const setLatency = sinon.spy(cluster.faults, 'setLatency');
      await page.focus('#sim-latency');
      await page.keyboard.down('Control');
      await page.keyboard.press('a');
      await page.keyboard.up('Control');
      await page.keyboard.type('40');
      await page.click('#sim-set-latency');
      await waitForText(page, '#sim-result', /Set latency done/);
      expect(setLatency.args).to.deep.equal([[40]]);
      setLatency.restore();
      const busy = cluster.agents.find((agent) => agent.state().length > 0);
      await page.select('#sim-agent', busy?.id ?? '');
      await page.click('#sim-restart-agent');
      await waitForText(page, '#sim-result', /Restart agent done/);
      // The restarted agent forgets the ticker (its framework does not checkpoint) and stays listed.
      expect(cluster.agents.find((agent) => agent.id === busy?.id)?.state()).to.deep.equal([]);
      await waitForText(page, '#agents-table tbody', new RegExp(`${busy?.id}[\\s\\S]*?active`));
      // Restarted without its checkpointed state, the agent comes back under a new id.
      await page.click('#sim-restart-agent-new-id');
      const renewed = await waitForText(page, '#sim-result', /Restart with a new id done: agent \S+/);
      const newId = cluster.agents.find((agent) => renewed.includes(agent.id))?.id;
      expect(newId).to.be.a('string').and.not.equal(busy?.id);
      await waitForText(page, '#agents-table tbody', new RegExp(`${newId}[\\s\\S]*?active`));
      await page.screenshot({ path: join(SHOTS, 'after-controls.png'), fullPage: true });
      expect(errors).to.deep.equal([]);
    } finally {
      await page?.close();
      driver.stop();
      await driver.join().catch(() => undefined);
      await cluster.stop();
    }
  });

  it('with one master, a failover closes the stream and the page subscribes again by itself', async () => {
    const cluster = await LocalCluster.start({ agents: 1, log: false, taskMode: 'simulated' });
    const page = await openPage(browser, errors);
    let subscribes = 0;
    page.on('request', (request) => {
      if (request.url().endsWith('/api/v1') && request.postData()?.includes('SUBSCRIBE')) subscribes++;
    });
    try {
      await page.goto(`${cluster.masterUrl}/`);
      await waitForText(page, '#live', /^Live$/);
      const before = cluster.leader?.info.id;
      await page.click('#sim-failover');
      await waitForText(page, '#sim-result', /Failover done: leader is http/);
      expect(cluster.leader?.info.id).to.not.equal(before);
      await waitForText(page, '#live', /^Live$/);
      await waitForText(page, '#agents-table tbody', /active/);
      // A maintenance window scheduled through the operator API shows up, and the agent drains.
      const start = { nanoseconds: (Date.now() + 60_000) * 1_000_000 };
      const scheduled = await fetch(`${cluster.masterUrl}/api/v1`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          type: 'UPDATE_MAINTENANCE_SCHEDULE',
          update_maintenance_schedule: {
            schedule: {
              windows: [{ machine_ids: [{ hostname: '127.0.0.1', ip: '127.0.0.1' }], unavailability: { start } }],
            },
          },
        }),
      });
      expect(scheduled.status).to.equal(200);
      await waitForText(page, '#maintenance-body', /127\.0\.0\.1 \(127\.0\.0\.1\)[\s\S]*open-ended[\s\S]*draining/);
      await waitForText(page, '#agents-table tbody', /draining for maintenance/);
      const deadline = Date.now() + 5000;
      while (subscribes < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(subscribes).to.equal(2);
      expect(new URL(page.url()).origin).to.equal(cluster.masterUrl);
      expect(errors).to.deep.equal([]);
    } finally {
      await page.close();
      await cluster.stop();
    }
  });

  it('keeps 10,000 tasks usable, parses records split anywhere, says when it is not live and resynchronises', async () => {
    const stub = await ScriptedMaster.start();
    const page = await openPage(browser, errors);
    try {
      const opened = Date.now();
      await page.goto(`${stub.url}/`);
      await waitForText(page, '#tasks-table .pager', /rows 1–50 of 10000/);
      const firstRender = Date.now() - opened;
      expect(await rowsOf(page, 'tasks-table')).to.have.length(50);
      expect(await textOf(page, '#live')).to.equal('Live');
      await waitForText(page, '#tasks-table tbody', /straße-0/);
      // A filter over 10,000 tasks answers promptly.
      const typed = Date.now();
      await page.type('#tasks-table-filter', 'task-9999');
      await waitForText(page, '#tasks-table .pager', /rows 1–1 of 1$/);
      const filterMs = Date.now() - typed;
      await clearFilter(page, 'tasks-table');
      await page.click('#tasks-table .pager button:nth-child(2)');
      await waitForText(page, '#tasks-table .pager', /rows 51–100 of 10000/);
      // An update after the snapshot, then the stream is lost: the page says so and reconnects.
      stub.send({
        type: 'TASK_UPDATED',
        task_updated: {
          framework_id: { value: 'fw-1' },
          state: 'TASK_FAILED',
          status: {
            task_id: { value: 'task-0' },
            state: 'TASK_FAILED',
            timestamp: 1_700_000_100,
            message: 'boom',
            reason: 'REASON_COMMAND_EXECUTOR_FAILED',
            healthy: false,
          },
        },
      });
      await page.type('#tasks-table-filter', 'task-0 ');
      await waitForText(
        page,
        '#tasks-table tbody',
        /FAILED[\s\S]*boom · REASON_COMMAND_EXECUTOR_FAILED[\s\S]*unhealthy/,
      );
      stub.endStream();
      await waitForText(page, '#live', /^Not live: the event stream ended/);
      stub.nextSnapshot(2);
      await waitForText(page, '#live', /^Live$/, 8000);
      await clearFilter(page, 'tasks-table');
      await waitForText(page, '#tasks-table .pager', /rows 1–2 of 2$/);
      // The new snapshot has no history for task-0 (as from a new leader): the page keeps what it saw.
      expect((await rowsOf(page, 'tasks-table')).find((cells) => cells[0] === 'task-0')?.[5]).to.equal(
        'RUNNING → FAILED',
      );
      expect(stub.subscribes).to.equal(2);
      expect(errors).to.deep.equal([]);
      console.log(`      (10,000 tasks: first render ${firstRender} ms after navigation, filter ${filterMs} ms)`);
    } finally {
      await page.close();
      await stub.stop();
    }
  });
});

/** A stand-in master serving the page and a scripted operator SUBSCRIBE stream. */
class ScriptedMaster {
  subscribes = 0;
  private stream: ServerResponse | undefined;
  private taskCount = 10_000;
  private release: (() => void) | undefined;
  private released = false;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<ScriptedMaster> {
    const server = createServer();
    const master = new ScriptedMaster(server);
    server.on('request', (req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/') return res.writeHead(200, { 'Content-Type': 'text/html' }).end(pageHtml(''));
      if (path === '/status/app.js') return res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(PAGE_JS);
      if (path === '/status/app.css') return res.writeHead(200, { 'Content-Type': 'text/css' }).end(PAGE_CSS);
      if (path === '/status/cluster')
        return res.writeHead(200, { 'Content-Type': 'application/json' }).end(
          JSON.stringify({
            version: 'stub',
            startedAt: Date.now(),
            electedAt: Date.now(),
            masters: [],
            frameworks: [],
          }),
        );
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const call = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type: string };
        if (call.type === 'SUBSCRIBE') void master.subscribe(res);
        else res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ type: call.type }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return master;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Writes an event as one RecordIO record, in two writes split inside the record. */
  send(event: unknown): void {
    const record = recordOf(event);
    const cut = Math.floor(record.length / 2);
    this.stream?.write(record.subarray(0, cut));
    this.stream?.write(record.subarray(cut));
  }

  endStream(): void {
    this.stream?.end();
    this.stream = undefined;
  }

  /** Lets the next SUBSCRIBE (held until now) answer with a snapshot of `tasks` tasks. */
  nextSnapshot(tasks: number): void {
    this.taskCount = tasks;
    this.released = true;
    this.release?.();
  }

  async stop(): Promise<void> {
    this.stream?.destroy();
    this.release?.();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async subscribe(res: ServerResponse): Promise<void> {
    this.subscribes++;
    if (this.subscribes > 1 && !this.released) await new Promise<void>((resolve) => (this.release = resolve));
    res.writeHead(200, { 'Content-Type': 'application/json' });
    this.stream = res;
    const tasks = Array.from({ length: this.taskCount }, (_, i) => ({
      name: i === 0 ? 'straße-0' : `name-${i}`,
      task_id: { value: `task-${i}` },
      framework_id: { value: 'fw-1' },
      agent_id: { value: `agent-${i % 10}` },
      state: i % 3 === 0 ? 'TASK_RUNNING' : 'TASK_FINISHED',
      statuses:
        this.subscribes > 1
          ? []
          : [{ task_id: { value: `task-${i}` }, state: 'TASK_RUNNING', timestamp: 1_700_000_000 + i }],
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }],
    }));
    const subscribed = recordOf({
      type: 'SUBSCRIBED',
      subscribed: {
        heartbeat_interval_seconds: 15,
        get_state: {
          get_tasks: { tasks },
          get_frameworks: {
            frameworks: [
              { framework_info: { id: { value: 'fw-1' }, name: 'stub', user: 'u' }, connected: true, active: true },
            ],
          },
          get_agents: {
            agents: Array.from({ length: 10 }, (_, i) => ({
              agent_info: { id: { value: `agent-${i}` }, hostname: `host-${i}`, resources: [] },
              active: true,
            })),
          },
        },
      },
    });
    // Awkward chunking: the length line split, multi-byte characters split, several records in one write.
    const all = Buffer.concat([subscribed, recordOf({ type: 'HEARTBEAT' })]);
    const cuts = [1, 3, all.indexOf('straße') + 5, Math.floor(all.length / 2), all.length - 5, all.length];
    let at = 0;
    for (const cut of cuts) {
      res.write(all.subarray(at, cut));
      at = cut;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

function recordOf(event: unknown): Buffer {
  const data = Buffer.from(JSON.stringify(event), 'utf8');
  return Buffer.concat([Buffer.from(`${data.length}\n`), data]);
}
