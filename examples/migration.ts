// A migration that runs once across a fleet that starts at once, runnable.
// `TENURE_REDIS=redis://127.0.0.1:6379 npx tsx examples/migration.ts`
import { Redlock } from 'tenure';

const urls = (process.env.TENURE_REDIS ?? 'redis://127.0.0.1:6379').split(',');
const keyPrefix = process.env.TENURE_PREFIX ?? 'tenure:';
let migrations = 0;

const results = await Promise.all(
  [1, 2, 3, 4].map(async () => {
    const redlock = new Redlock(urls, { keyPrefix });
    try {
      return await redlock.once('migrate-2026-11-add-orders-index', async () => {
        migrations++;
        await new Promise((resolve) => setTimeout(resolve, 100)); // the migration
        return 'migrated';
      });
    } finally {
      await redlock.close();
    }
  }),
);
console.log(JSON.stringify(results));
if (migrations > 1) throw new Error(`the migration ran ${migrations} times`);
// (Run this file again against the same servers: it ran before, so nobody runs it now.)
console.log(migrations === 1 ? 'ran once; the others waited for it' : 'done before: nobody ran it again');
