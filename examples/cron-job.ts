// A cron schedule across three instances: each scheduled time runs once, on one of them.
// A seconds field (six fields) makes it quick to watch: every second, for three seconds.
// `TENURE_REDIS=redis://127.0.0.1:6379 npx tsx examples/cron-job.ts`
import { Redlock } from 'tenure';

const urls = (process.env.TENURE_REDIS ?? 'redis://127.0.0.1:6379').split(',');
const keyPrefix = process.env.TENURE_PREFIX ?? 'tenure:';
const runs = new Map<number, string>();

const instances = ['worker-a', 'worker-b', 'worker-c'].map((name) => {
  const redlock = new Redlock(urls, { keyPrefix });
  // In production: { cron: '0 2 * * *', timezone: 'Europe/Paris' } — 02:00 every night, Paris time.
  const job = redlock.schedule('cleanup', { cron: '* * * * * *', timezone: 'Europe/Paris' }, (_signal, { period, scheduledAt }) => {
    if (runs.has(period)) throw new Error(`${scheduledAt.toISOString()} ran twice`);
    runs.set(period, name);
    console.log(`${name} runs the ${scheduledAt.toISOString()} cleanup`);
  });
  return { redlock, job };
});

await new Promise((resolve) => setTimeout(resolve, 3_200));
await Promise.all(instances.map(({ job }) => job.stop()));
await Promise.all(instances.map(({ redlock }) => redlock.close()));
console.log(`${runs.size} scheduled times, one run each`);
