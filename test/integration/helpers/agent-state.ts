/** Reading a LocalAgent's `/state` in tests, and polling with an async check. */

export interface AgentExecutorJson {
  id: string;
  directory: string;
  state: string;
  status?: string;
}

export interface AgentStateJson {
  frameworks: {
    id: string;
    executors: AgentExecutorJson[];
    completed_executors: AgentExecutorJson[];
    tasks: { id: string; state: string }[];
  }[];
  completed_frameworks: { id: string; completed_executors: AgentExecutorJson[] }[];
}

/** `GET <agentUrl>/state`. */
export async function agentState(agentUrl: string | undefined): Promise<AgentStateJson> {
  const res = await fetch(`${agentUrl}/state`);
  if (!res.ok) throw new Error(`GET /state: ${res.status}`);
  return (await res.json()) as AgentStateJson;
}

/** Ended executors of every framework the agent lists, live or completed. */
export function completedExecutors(state: AgentStateJson): AgentExecutorJson[] {
  return [...state.frameworks, ...state.completed_frameworks].flatMap((f) => f.completed_executors);
}

/** Polls the async `check` every 20 ms until it resolves truthy; fails naming `what` after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
