import type { HostProcess } from "../../support/host-process";

/** Sends `{ type }` to a host started with `ipc: true` and resolves with its first `reply` message. */
export function askHost<T>(host: HostProcess, type: string, reply: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type?: string }): void => {
      if (message?.type !== reply) return;
      host.child.off("message", onMessage);
      resolve(message as T);
    };
    host.child.on("message", onMessage);
    if (!host.child.send({ type }, (e) => e && reject(e))) reject(new Error("IPC channel closed"));
  });
}
