/** A LocalAgent's status updates recorded (and acknowledged) for tests of command tasks, and task builders. */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FrameworkInfo, TaskInfo, TaskStatus } from '../../lib/codec/messages';
import { type AgentEvents, LocalAgent } from '../../lib/local/agent';
import { parseResources } from '../../lib/local/resources';

export const FRAMEWORK: FrameworkInfo = {
  user: 'tester',
  name: 'health-test',
  id: { value: 'fw-h' },
  capabilities: [{ type: 'TASK_KILLING_STATE' }],
};

export class Updates implements AgentEvents {
  readonly all: TaskStatus[] = [];
  agent: LocalAgent | undefined;
  statusUpdate(_agentId: string, frameworkId: string, status: TaskStatus): void {
    this.all.push(status);
    const uuid = Buffer.from(status.uuid as Uint8Array);
    setImmediate(() => this.agent?.acknowledge(frameworkId, status.task_id.value, uuid));
  }
  frameworkMessage(): void {}
  executorExited(): void {}
  of(taskId: string): TaskStatus[] {
    return this.all.filter((s) => s.task_id.value === taskId);
  }
  async until(what: string, predicate: () => boolean, timeoutMs = 8000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline)
        throw new Error(`Timed out waiting for ${what}; seen ${JSON.stringify(this.all.map(brief))}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

function brief(s: TaskStatus) {
  return [s.task_id.value, s.state, s.healthy, s.reason, s.check_status];
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A node one-liner serving HTTP on `port`: 200 for the first `good` requests, then 503. */
export function httpServerCommand(port: number, good: number): string {
  const js = `let n=0;require('http').createServer((q,s)=>{n++;s.statusCode=n<=${good}?200:503;s.end()}).listen(${port},'127.0.0.1')`;
  return `exec "${process.execPath}" -e "${js}"`;
}

export function task(id: string, value: string, extra: Partial<TaskInfo> = {}): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: { value: 'agent-h' },
    command: { value },
    resources: parseResources('cpus:0.1;mem:32'),
    ...extra,
  };
}

/** Registers mocha hooks giving each test a started LocalAgent 'agent-h' in a fresh work dir, stopped after it. */
export function useLocalAgent(): { agent: LocalAgent; updates: Updates } {
  const context = {} as { agent: LocalAgent; updates: Updates; root: string };
  beforeEach(async () => {
    context.root = mkdtempSync(join(tmpdir(), 'local-agent-h-'));
    context.updates = new Updates();
    context.agent = new LocalAgent(
      { id: 'agent-h', resources: parseResources('cpus:4;mem:1024'), workDir: context.root },
      context.updates,
    );
    context.updates.agent = context.agent;
    await context.agent.start();
  });
  afterEach(async () => {
    await context.agent.stop();
    rmSync(context.root, { recursive: true, force: true });
  });
  return context;
}
