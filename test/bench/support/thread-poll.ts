/**
 * A preload runs in every thread of the process it is loaded into (Node loads `--require` modules in
 * worker threads too), and each thread has its own heap and state. `threadPoll` lets the preload's
 * main-thread copy ask the other threads' copies for a value when the benchmark asks, over one
 * BroadcastChannel, with no message per event in between.
 *
 * A thread takes part once it announced itself (on load, or when it first has something to tell) and
 * leaves when it exits; a thread stopped from outside (the host ends the durable thread of an app
 * without durable functions) says nothing, so a thread that does not answer in time is counted as
 * silent rather than waited for.
 */
import { BroadcastChannel, isMainThread, threadId } from "node:worker_threads";

type PollMessage<T> =
  | { type: "hello" | "bye"; thread: number }
  | { type: "ask"; round: number }
  | { type: "answer"; round: number; thread: number; value: T };

export interface ThreadPoll<T> {
  /** In another thread: takes part from now on (idempotent). */
  announce(): void;
  /** On the main thread: every announced thread's answer (any thread answering counts once). */
  ask(): Promise<{ answers: T[]; silent: number }>;
}

export function threadPoll<T>(
  name: string,
  options: { answer: () => T; announceOnLoad: boolean; timeoutMs: number },
): ThreadPoll<T> {
  const channel = new BroadcastChannel(name);
  channel.unref();
  const post = (message: PollMessage<T>): void => channel.postMessage(message);
  const receive = (event: unknown): PollMessage<T> => (event as { data: PollMessage<T> }).data;

  if (!isMainThread) {
    let announced = false;
    const announce = (): void => {
      if (announced) return;
      announced = true;
      post({ type: "hello", thread: threadId });
      process.on("exit", () => post({ type: "bye", thread: threadId }));
    };
    channel.onmessage = (event) => {
      const message = receive(event);
      if (message.type === "ask")
        post({ type: "answer", round: message.round, thread: threadId, value: options.answer() });
    };
    if (options.announceOnLoad) announce();
    return { announce, ask: () => Promise.reject(new Error("ask from the main thread")) };
  }

  const threads = new Set<number>();
  let round = 0;
  let pending:
    | { round: number; waiting: Set<number>; answered: Set<number>; answers: T[]; finish: () => void }
    | undefined;
  const settleIfDone = (): void => {
    if (pending && pending.waiting.size === 0) pending.finish();
  };
  channel.onmessage = (event) => {
    const message = receive(event);
    if (message.type === "hello") threads.add(message.thread);
    else if (message.type === "bye") {
      threads.delete(message.thread);
      pending?.waiting.delete(message.thread);
      settleIfDone();
    } else if (message.type === "answer" && pending?.round === message.round) {
      // A thread whose hello is still on its way answers too: counted, once.
      if (pending.answered.has(message.thread)) return;
      pending.answered.add(message.thread);
      pending.waiting.delete(message.thread);
      pending.answers.push(message.value);
      settleIfDone();
    }
  };
  return {
    announce: () => undefined,
    ask: () =>
      new Promise((resolve) => {
        const current = {
          round: ++round,
          waiting: new Set(threads),
          answered: new Set<number>(),
          answers: [] as T[],
          finish: (): void => {
            clearTimeout(timer);
            pending = undefined;
            resolve({ answers: current.answers, silent: current.waiting.size });
          },
        };
        const timer = setTimeout(current.finish, options.timeoutMs);
        pending = current;
        post({ type: "ask", round: current.round });
        settleIfDone();
      }),
  };
}
