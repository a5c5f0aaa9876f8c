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
  registerRun(root);
  registerStatus(root);
  registerRelease(root);
  registerLeader(root);
  registerDemo(root);
  return root;
}
