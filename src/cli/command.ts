/** Building blocks of the commands: shared options, error output, exit codes from actions. */
import { Command, Option } from 'commander';
import { EXIT, anyDuration, oneLine, positiveDuration, report } from './common.js';
import { DEFAULT_REDIS, accumulateTargets, defaultTargets, type Target } from './endpoints.js';

/** What every command that talks to Redis accepts. */
export interface ConnectionOptions {
  redis: Target[];
  prefix: string;
}

/** `--redis` (repeatable; else TENURE_REDIS, else the default server). */
export function redisOption(
  description = 'Redis endpoints, each one vote: redis://, rediss://, redis+sentinel://, redis+cluster:// URLs; comma-separated or repeated',
): Option {
  return new Option('--redis <urls>', description)
    .env('TENURE_REDIS')
    .argParser(accumulateTargets)
    .default(defaultTargets(), DEFAULT_REDIS);
}

/** Adds `--redis` (or TENURE_REDIS) and `--prefix` to a command. */
export function withConnection(cmd: Command): Command {
  return cmd.addOption(redisOption()).option('--prefix <prefix>', 'key prefix of the locks (the Redlock keyPrefix)', 'tenure:');
}

/**
 * A command that runs another, as flock(1) does: options are read up to the first
 * argument after the resource, and everything from there on is the command — so
 * `tenure run job ls -l` runs `ls -l`. `--` still works. Commander's passThroughOptions
 * stops at the first argument, the resource: options after it are read in a second pass.
 */
export class CommandRunner extends Command {
  constructor(name: string) {
    super(name);
    this.passThroughOptions();
  }

  override parseOptions(args: string[]): { operands: string[]; unknown: string[] } {
    const first = super.parseOptions(args);
    const [resource, ...rest] = first.operands;
    // Nothing after the resource, an unknown option, or a `--` before the resource: done.
    const dashed = args[args.length - first.operands.length - 1] === '--';
    if (resource === undefined || first.unknown.length > 0 || dashed) return first;
    const second = super.parseOptions(rest);
    return { operands: [resource, ...second.operands], unknown: second.unknown };
  }
}

/** Adds a CommandRunner subcommand whose parse errors read `tenure <name>: …`. */
export function runnerSubcommand(program: Command, name: string): Command {
  const cmd = new CommandRunner(name).copyInheritedSettings(program);
  program.addCommand(cmd);
  return errorsAs(cmd, `tenure ${name}`);
}

/** Writes commander's errors as `tenure <name>: …`, one line. */
export function errorsAs(cmd: Command, name: string): Command {
  // Commander quotes a bad option value as given: take any password out of it.
  const clean = (text: string): string =>
    oneLine(text.replace(/^error: /, '')).replace(/([a-z][a-z0-9+.-]*:\/\/[^:@/\s']*:)[^@\s']*@/gi, '$1***@');
  return cmd.configureOutput({ outputError: (text, write) => write(`${name}: ${clean(text)}\n`) });
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
