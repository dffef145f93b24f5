/**
 * The status page of a LocalCluster with HTTP authentication on (both realms), in headless Chromium
 * (Debian's /usr/bin/chromium, as status-page-browser.test.ts; never skipped): with the browser's
 * credentials (what a person types into its Basic prompt) the page goes live and shows the agent,
 * its data calls all authenticated; with wrong ones, the page still loads and says why it is not live.
 */
import { expect } from 'chai';
import { LocalCluster } from '../../lib/local/cluster';

type Puppeteer = typeof import('puppeteer-core', { with: { 'resolution-mode': 'import' }});
type Browser = Awaited<ReturnType<Puppeteer['launch']>>;

const OPS = { principal: 'ops', secret: 'page-secret-2c81' };

describe('LocalCluster status page in Chromium, with HTTP authentication', function () {
  this.timeout(60_000);
  let browser: Browser;
  let cluster: LocalCluster;

  before(async () => {
    const { default: puppeteer } = await import('puppeteer-core');
    browser = await puppeteer.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
    });
    cluster = await LocalCluster.start({
      credentials: [OPS],
      authenticateHttpReadwrite: true,
      authenticateHttpReadonly: true,
      attributes: 'rack:auth',
      taskMode: 'simulated',
      log: false,
    });
  });
  after(async () => {
    await browser?.close();
    await cluster?.stop();
  });

  /**
   * Opens the page with `credentials` typed into the browser's Basic prompt (puppeteer cancels the
   * prompt when they are refused, as a person would) and waits for `#live` to match.
   */
  async function open(credentials: { username: string; password: string }, live: RegExp) {
    // A context of its own: no Basic credentials cached from the other case.
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    const statuses: number[] = [];
    page.on('response', (response) => void statuses.push(response.status()));
    await page.authenticate(credentials);
    await page.goto(`${cluster.masterUrl}/`);
    await page.waitForFunction(
      `new RegExp(${JSON.stringify(live.source)}).test((document.querySelector('#live') || {}).textContent || '')`,
      { timeout: 15_000, polling: 50 },
    );
    return { page, context, statuses };
  }

  it('with the credentials the page goes live and shows the agent', async () => {
    const { page, context } = await open({ username: OPS.principal, password: OPS.secret }, /^Live$/);
    await page.waitForFunction(
      `/rack:auth/.test((document.querySelector('#agents-table tbody') || {}).textContent || '')`,
      { timeout: 10_000, polling: 50 },
    );
    await context.close();
  });

  it('with wrong ones, the page itself loads, its data calls get 401 and it says so, not live', async () => {
    const { context, statuses } = await open({ username: OPS.principal, password: 'wrong' }, /Not live: .*401/);
    expect(statuses[0]).to.equal(200);
    expect(statuses).to.include(401);
    await context.close();
  });
});
