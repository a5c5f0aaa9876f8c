#!/usr/bin/env node
/**
 * The `tenure` command line: a client of the public API (`src/index.ts`). Nothing in the
 * library imports the CLI; the build bundles it as `dist/cli.js`.
 */
import { CommanderError } from 'commander';
import { ignorePassedSignals } from './child.js';
import { EXIT, debug, report } from './common.js';
import { lastExitCode } from './command.js';
import { program } from './program.js';

async function main(): Promise<number> {
  try {
    await program().parseAsync(process.argv);
    return lastExitCode();
  } catch (error) {
    // exitOverride: commander has printed its message (or the help) already.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    return report('error', error);
  }
}

// A listener's exception rethrown by the library, or anything else that escapes: one line, exit 70.
const crash = (error: unknown): void => {
  report('error', error);
  debug('%s', error instanceof Error ? error.stack : String(error));
  process.exit(EXIT.software);
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);
ignorePassedSignals();

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    debug('%s', error instanceof Error ? error.stack : String(error));
    process.exit(EXIT.software);
  },
);
