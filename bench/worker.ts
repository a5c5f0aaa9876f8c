/**
 * A contention worker process (scenario c, 4 processes): started by bench/worker-process.ts as
 * `node --import tsx bench/worker.ts` with its config in BENCH_WORKER, it connects every
 * library once, warms it up, and then runs the rounds it is sent over IPC.
 */
import { loadTenure, makeAdapter, type Adapter } from './adapters.js';
import type { LibName } from './config.js';
import { runRound, type FromWorker, type ToWorker, type WorkerConfig } from './contention-round.js';

function send(msg: FromWorker): void {
  process.send?.(msg);
}

async function main(): Promise<void> {
  if (process.send === undefined) throw new Error('bench/worker.ts runs as a child of bench/run.ts (it needs an IPC channel)');
  const config = JSON.parse(process.env['BENCH_WORKER'] ?? '') as WorkerConfig;
  const tenure = await loadTenure(config.tenureSource);
  const adapters = new Map<LibName, Adapter>();
  for (const lib of config.libs) adapters.set(lib, makeAdapter(lib, { urls: config.urls, tenure }));
  for (const a of adapters.values()) await a.ready();

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= Promise.allSettled([...adapters.values()].map((a) => a.close())).then(() => undefined));
  // The parent went away (crash, Ctrl-C): leave at once.
  process.on('disconnect', () => void close().finally(() => process.exit(0)));
  process.on('SIGINT', () => void close().finally(() => process.exit(130)));

  process.on('message', (msg: ToWorker) => {
    if (msg.type === 'exit') {
      void close().finally(() => {
        process.disconnect();
        process.exit(0);
      });
      return;
    }
    const adapter = adapters.get(msg.spec.lib);
    if (adapter === undefined) {
      send({ type: 'error', seq: msg.seq, message: `unknown library ${msg.spec.lib}` });
      return;
    }
    runRound(adapter, msg.spec).then(
      (result) => send({ type: 'result', seq: msg.seq, result }),
      (error: unknown) => send({ type: 'error', seq: msg.seq, message: String(error) }),
    );
  });
  send({ type: 'ready' });
}

main().catch((error: unknown) => {
  send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100).unref();
});
