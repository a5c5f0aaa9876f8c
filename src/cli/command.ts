/** Building blocks of the commands: shared options, error output, exit codes from actions. */
import { type Command, Option } from 'commander';
import { DEFAULT_REDIS, EXIT, anyDuration, oneLine, parseEndpoints, positiveDuration, report } from './common.js';

/** What every command that talks to Redis accepts. */
export interface ConnectionOptions {
  redis: string[];
  prefix: string;
}

/** Adds `--redis` (or TENURE_REDIS) and `--prefix` to a command. */
export function withConnection(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--redis <urls>', 'Redis servers: comma-separated redis:// or rediss:// URLs, each one vote')
        .env('TENURE_REDIS')
        .argParser(parseEndpoints)
        .default([DEFAULT_REDIS], DEFAULT_REDIS),
    )
    .option('--prefix <prefix>', 'key prefix of the locks (the Redlock keyPrefix)', 'tenure:');
}

/** Writes commander's errors as `tenure <name>: …`, one line. */
export function errorsAs(cmd: Command, name: string): Command {
  return cmd.configureOutput({ outputError: (text, write) => write(`${name}: ${oneLine(text.replace(/^error: /, ''))}\n`) });
}

/** Creates a subcommand whose parse errors read `tenure <name>: …`. */
export function subcommand(program: Command, name: string, options: { hidden?: boolean } = {}): Command {
  return errorsAs(program.command(name, options), `tenure ${name}`);
}

let exitCode: number = EXIT.ok;

/** The exit code the last action set. */
export function lastExitCode(): number {
  return exitCode;
}

/** Wraps an action so that its result (or its error, reported in one line) becomes the exit code. */
export function act<Args extends unknown[]>(name: string, action: (...args: Args) => Promise<number>): (...args: Args) => Promise<void> {
  return async (...args) => {
    try {
      exitCode = await action(...args);
    } catch (error) {
      exitCode = report(name, error);
    }
  };
}

/** A duration option (`5000`, `500ms`, `5s`, `2m`) with its default shown as people write it. */
export function durationOption(flags: string, description: string, fallback: number, shown: string, min: 0 | 1): Option {
  return new Option(flags, description).argParser(min === 1 ? positiveDuration : anyDuration).default(fallback, shown);
}
