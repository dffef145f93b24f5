/**
 * One `abort` listener per AbortSignal, shared by every waiter on it. `addEventListener` scans the
 * signal's listener list, so giving each queued or in-flight call its own listener on a shared
 * signal (the driver passes one to all its calls) costs time quadratic in the backlog.
 */

interface Fanout {
  readonly listeners: Set<() => void>;
  readonly dispatch: () => void;
}

const fanouts = new Map<AbortSignal, Fanout>();

/**
 * Calls `listener` once when `signal` aborts; returns a function that unregisters it. Each
 * registration must pass its own function (they are kept in a Set). Listeners must not throw.
 * The signal holds one listener while at least one registration is live, none otherwise.
 */
export function onAbort(signal: AbortSignal, listener: () => void): () => void {
  let fanout = fanouts.get(signal);
  if (fanout === undefined) {
    const listeners = new Set<() => void>();
    const dispatch = () => {
      fanouts.delete(signal);
      for (const notify of listeners) notify();
      listeners.clear();
    };
    fanout = { listeners, dispatch };
    fanouts.set(signal, fanout);
    signal.addEventListener('abort', dispatch, { once: true });
  }
  const entry = fanout;
  entry.listeners.add(listener);
  return () => {
    if (!entry.listeners.delete(listener) || entry.listeners.size > 0) return;
    if (fanouts.get(signal) === entry) {
      fanouts.delete(signal);
      signal.removeEventListener('abort', entry.dispatch);
    }
  };
}
