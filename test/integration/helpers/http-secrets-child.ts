/**
 * Child process of transport-secrets.test.ts, run with DEBUG=*: drives the clients with a
 * credential and a bearer token through successes and every kind of failure, and prints each
 * error in every form a user might log it. The parent then searches all output for the secrets.
 */
import { inspect } from 'node:util';
import { ExecutorClient, SchedulerClient } from '../../../lib/transport';
import { FakeHttpMaster, openStream, reply } from './http-master';

export const PRINCIPAL = 'secret-principal-7f3a';
export const SECRET = 'top-secret-password-9c1e';
export const TOKEN = 'bearer-token-secret-5d2b';

function show(label: string, err: unknown): void {
  const forms = [
    String(err),
    JSON.stringify(err),
    inspect(err, { depth: Infinity, showHidden: true }),
    (err as Error)?.stack,
  ];
  process.stdout.write(`--- ${label}\n${forms.join('\n')}\n`);
}

async function attempt(label: string, operation: () => Promise<unknown>): Promise<void> {
  try {
    await operation();
    process.stdout.write(`--- ${label}: ok\n`);
  } catch (err) {
    show(label, err);
  }
}

async function main(): Promise<void> {
  const master = await FakeHttpMaster.start();
  const credential = { principal: PRINCIPAL, secret: SECRET };
  const client = new SchedulerClient(master.url, { contentType: 'json', credential, requestTimeoutMs: 200 });
  const revive = { type: 'REVIVE' as const, framework_id: { value: 'fw' } };
  const subscribe = { type: 'SUBSCRIBE' as const, subscribe: { framework_info: { user: 'u', name: 'n' } } };

  await attempt('202', () => client.call(revive));
  for (const status of [400, 401, 403, 500, 503]) {
    master.handle((_req, res) => reply(res, status, `refused with ${status}`));
    await attempt(`call ${status}`, () => client.call(revive));
    await attempt(`subscribe ${status}`, () => client.subscribe(subscribe));
  }
  master.handle((_req, res) => reply(res, 307, '', { Location: '//127.0.0.2:5050/api/v1/scheduler' }));
  await attempt('307', () => client.call(revive));
  master.handle(() => {});
  await attempt('timeout', () => client.call(revive));
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  await attempt('abort', () => client.call(revive, { signal: controller.signal }));
  master.handle((_req, res) => {
    const stream = openStream(res, 'application/json', 'sid');
    void stream.raw('30\n{"type":').then(() => setTimeout(() => stream.destroy(), 20));
  });
  await attempt('stream reset', async () => {
    const subscription = await client.subscribe(subscribe);
    for await (const _ of subscription.events) {
      // read until it breaks
    }
  });
  client.close();
  await attempt('closed', () => client.call(revive));

  const executor = new ExecutorClient(master.url, { contentType: 'json', authToken: TOKEN });
  master.handle((_req, res) => reply(res, 401, 'bad token'));
  await attempt('executor 401', () =>
    executor.call({ type: 'HEARTBEAT', executor_id: { value: 'e' }, framework_id: { value: 'f' } }),
  );
  executor.close();

  const url = master.url;
  await master.close();
  const refused = new SchedulerClient(url, { credential });
  await attempt('refused', () => refused.call(revive));
  refused.close();
  const authHeaders = master.requests.map((r) => r.headers.authorization ?? '');
  process.stdout.write(`--- requests carried credentials: ${authHeaders.filter((h) => h.length > 0).length}\n`);
}

main().catch((err) => {
  process.stdout.write(`--- child failed\n${inspect(err)}\n`);
  process.exitCode = 1;
});
