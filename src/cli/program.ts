/** The `tenure` program and its commands. */
import { Command } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { errorsAs } from './command.js';
import { registerDemo } from './demo/demo.js';
import { registerLeader } from './leader.js';
import { registerObserve } from './observe.js';
import { registerRelease } from './release.js';
import { registerRun } from './run.js';
import { registerStatus } from './status.js';

export function program(): Command {
  const root = new Command('tenure')
    .description('Distributed locks, fencing tokens and leader election on Redis (Redlock).')
    .version(pkg.version)
    .enablePositionalOptions() // so that `run` and `leader` can stop reading options at their command
    .exitOverride();
  errorsAs(root, 'tenure');
  root.addHelpText(
    'after',
    `
Endpoints: --redis <url,url,...> (repeatable) on each command, else TENURE_REDIS, else
redis://127.0.0.1:6379. Each URL is one vote: redis://host:port, rediss://host:port,
redis+sentinel://h1:26379,h2:26379/mastername, redis+cluster://h1:7000,h2:7001.
Durations: a bare number is seconds (10, 0.5), or 500ms, 5s, 2m, 1h. NODE_DEBUG=tenure
adds detail to errors.
Exit status: 64 bad usage; 69 Redis unreachable; 75 run: lock busy; 76 run: lock lost;
128+n stopped by signal n; otherwise see each command's --help.
`,
  );
  registerRun(root);
  registerStatus(root);
  registerRelease(root);
  registerLeader(root);
  registerObserve(root);
  registerDemo(root);
  return root;
}
