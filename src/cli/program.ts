/** The `tenure` program and its commands. */
import { Command } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { errorsAs } from './command.js';
import { registerDemo } from './demo/demo.js';
import { registerLeader } from './leader.js';
import { registerRelease } from './release.js';
import { registerRun } from './run.js';
import { registerStatus } from './status.js';

export function program(): Command {
  const root = new Command('tenure')
    .description('Distributed locks, fencing tokens and leader election on Redis (Redlock).')
    .version(pkg.version)
    .exitOverride();
  errorsAs(root, 'tenure');
  root.addHelpText(
    'after',
    `
Servers: --redis <url,url,...> on each command, else TENURE_REDIS, else redis://127.0.0.1:6379.
Durations: 5000 (ms), 500ms, 5s, 2m, 1h. NODE_DEBUG=tenure adds detail to errors.
Exit status: 64 bad usage; 69 Redis unreachable; 75 run: lock busy; 76 run: lock lost;
otherwise see each command's --help.
`,
  );
  registerRun(root);
  registerStatus(root);
  registerRelease(root);
  registerLeader(root);
  registerDemo(root);
  return root;
}
