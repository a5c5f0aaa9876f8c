// A scheduled job on exactly one instance per period, runnable: three instances schedule
// the same job every second for three seconds; each period runs once.
// `TENURE_REDIS=redis://127.0.0.1:6379 npx tsx examples/nightly-job.ts`
import { Redlock } from 'tenure';

const urls = (process.env.TENURE_REDIS ?? 'redis://127.0.0.1:6379').split(',');
const keyPrefix = process.env.TENURE_PREFIX ?? 'tenure:';
const runs = new Map<number, string>();

const instances = ['worker-a', 'worker-b', 'worker-c'].map((name) => {
  const redlock = new Redlock(urls, { keyPrefix });
  const job = redlock.schedule('nightly-report', { every: 1_000 }, async (signal, { period, scheduledAt }) => {
    if (runs.has(period)) throw new Error(`period ${period} ran twice`);
    runs.set(period, name);
    console.log(`${name} builds the report of ${scheduledAt.toISOString()} (aborted: ${signal.aborted})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  });
  return { redlock, job };
});

await new Promise((resolve) => setTimeout(resolve, 3_000));
await Promise.all(instances.map(({ job }) => job.stop())); // no more runs anywhere
await Promise.all(instances.map(({ redlock }) => redlock.close()));
console.log(`${runs.size} periods, one run each`);
