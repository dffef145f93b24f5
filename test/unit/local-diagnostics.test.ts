/** LocalCluster's diagnostics: the stderr tail, the report's lines, the sink option; ended executors; task statuses. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import sinon from 'sinon';
import type { TaskStatus } from '../../lib/codec/messages';
import { reportExit, sinkOf, stderrSink, tailLines } from '../../lib/local/diagnostics';
import {
  type CompletedExecutor,
  ExecutorHistory,
  MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK,
  MAX_COMPLETED_FRAMEWORKS,
} from '../../lib/local/executor-history';
import { MAX_TASK_STATUSES, recordTaskStatus, taskStatusesJson } from '../../lib/local/task-statuses';

describe('LocalCluster diagnostics', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'diagnostics-'));
  });
  afterEach(() => {
    sinon.restore();
    rmSync(dir, { recursive: true, force: true });
  });

  it('tails the last 10 lines of a file, reading a bounded part of a big one', () => {
    const lines = Array.from({ length: 25 }, (_, i) => `line ${i + 1}`);
    writeFileSync(join(dir, 'stderr'), `${lines.join('\n')}\n\n`);
    expect(tailLines(join(dir, 'stderr'))).to.deep.equal(lines.slice(15));
    writeFileSync(join(dir, 'big'), `${'x'.repeat(100_000)}\nlast one\n`);
    expect(tailLines(join(dir, 'big'), 3)).to.deep.equal(['last one']);
    writeFileSync(join(dir, 'long'), `${'y'.repeat(1000)}\n`);
    expect(tailLines(join(dir, 'long'))[0]).to.have.length(303);
    expect(tailLines(join(dir, 'missing'))).to.deep.equal([]);
  });

  it('reports the outcome, the sandbox and the stderr tail, one line at a time', () => {
    writeFileSync(join(dir, 'stderr'), 'Traceback (most recent call last):\nImportError: no module named mesos\n');
    const lines: string[] = [];
    reportExit((line) => lines.push(line), {
      agentId: 'S0',
      subject: "executor 'crawler' of framework F1",
      outcome: 'exited with status 1',
      sandbox: dir,
    });
    expect(lines).to.deep.equal([
      "[LocalCluster] agent S0: executor 'crawler' of framework F1 exited with status 1",
      `[LocalCluster]   sandbox: ${dir}`,
      '[LocalCluster]   last 2 line(s) of its stderr:',
      '[LocalCluster]   | Traceback (most recent call last):',
      '[LocalCluster]   | ImportError: no module named mesos',
    ]);
    const empty: string[] = [];
    reportExit((line) => empty.push(line), { agentId: 'S0', subject: 'x', outcome: 'y', sandbox: join(dir, 'none') });
    expect(empty[2]).to.equal('[LocalCluster]   its stderr is empty');
    expect(() =>
      reportExit(
        () => {
          throw new Error('sink broke');
        },
        { agentId: 'S0', subject: 'x', outcome: 'y', sandbox: dir },
      ),
    ).not.to.throw();
  });

  it('writes to process.stderr by default; false turns it off; a function replaces it', () => {
    const write = sinon.stub(process.stderr, 'write').returns(true);
    const sink = sinkOf(undefined);
    expect(sink).to.equal(stderrSink);
    sink?.('hello');
    write.restore();
    expect(write.calledOnceWith('hello\n')).to.equal(true);
    expect(sinkOf(false)).to.equal(undefined);
    const mine = (_line: string) => undefined;
    expect(sinkOf(mine)).to.equal(mine);
  });

  it('keeps a bounded history of ended executors, per framework and across frameworks', () => {
    const history = new ExecutorHistory();
    const entry = (frameworkId: string, id: string): CompletedExecutor => ({
      frameworkId,
      id,
      name: '',
      source: '',
      containerId: 'c',
      directory: `/sandbox/${id}`,
      status: 'exited with status 0',
      taskIds: [],
    });
    for (let i = 0; i < MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK + 5; i++) history.add(entry('F0', `e${i}`), 'first');
    expect(history.of('F0')).to.have.length(MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK);
    expect(history.of('F0')[0]?.id).to.equal('e5');
    for (let i = 1; i <= MAX_COMPLETED_FRAMEWORKS; i++) history.add(entry(`F${i}`, 'e'));
    expect(history.frameworks()).to.have.length(MAX_COMPLETED_FRAMEWORKS);
    expect(history.of('F0')).to.deep.equal([]);
    expect(history.frameworks()[0]).to.deep.equal({ id: 'F1', name: '' });
  });
});

describe('master task statuses', () => {
  const status = (state: TaskStatus['state'], extra: Partial<TaskStatus> = {}): TaskStatus => ({
    task_id: { value: 't' },
    state,
    timestamp: 1,
    ...extra,
  });

  it('keeps every update, a repeated state replacing the previous one, without data', () => {
    const task = { lastStatus: undefined as TaskStatus | undefined };
    recordTaskStatus(task, status('TASK_STARTING'));
    recordTaskStatus(task, status('TASK_RUNNING', { healthy: false, data: Buffer.from('big') }));
    recordTaskStatus(task, status('TASK_RUNNING', { healthy: true, timestamp: 2 }));
    recordTaskStatus(
      task,
      status('TASK_FAILED', { source: 'SOURCE_AGENT', reason: 'REASON_CONTAINER_LAUNCH_FAILED', message: 'm' }),
    );
    expect(task.lastStatus?.state).to.equal('TASK_FAILED');
    expect(taskStatusesJson(task)).to.deep.equal([
      { state: 'TASK_STARTING', timestamp: 1 },
      { state: 'TASK_RUNNING', timestamp: 2, healthy: true },
      {
        state: 'TASK_FAILED',
        timestamp: 1,
        source: 'SOURCE_AGENT',
        reason: 'REASON_CONTAINER_LAUNCH_FAILED',
        message: 'm',
      },
    ]);
  });

  it('is bounded, and falls back to the last status for a task recorded elsewhere', () => {
    const task = { lastStatus: undefined as TaskStatus | undefined };
    for (let i = 0; i < MAX_TASK_STATUSES + 10; i++)
      recordTaskStatus(task, status(i % 2 ? 'TASK_RUNNING' : 'TASK_STAGING', { timestamp: i }));
    const json = taskStatusesJson(task);
    expect(json).to.have.length(MAX_TASK_STATUSES);
    expect(json[0]?.timestamp).to.equal(10);
    expect(taskStatusesJson({ lastStatus: status('TASK_LOST') })).to.deep.equal([{ state: 'TASK_LOST', timestamp: 1 }]);
    expect(taskStatusesJson({ lastStatus: undefined })).to.deep.equal([]);
  });
});
