/**
 * Endpoints on the command line: `--redis` (repeatable) and TENURE_REDIS hold
 * comma-separated URLs, each one vote —
 *
 *   redis://[user:password@]host:port[/db]       one server (rediss:// for TLS)
 *   redis+sentinel://[user:password@]h1:26379,h2:26379/mymaster   a Sentinel-managed master
 *   redis+cluster://[user:password@]h1:7000,h2:7001              a Redis Cluster (seed nodes)
 *
 * A Sentinel or Cluster URL lists its hosts with commas too: a piece without a scheme
 * continues the URL before it. They map to the library's endpoint objects
 * (`{ sentinels, name }`, `{ cluster }`); the password is the master's (or the nodes'). No
 * message ever shows a password.
 */
import { InvalidArgumentError } from 'commander';
import type { Endpoint, EndpointInput } from '../index.js';

export type TargetKind = 'server' | 'sentinel' | 'cluster';

/** One vote as given on the command line. */
export interface Target {
  /** The URL as written (passwords included: never print it; use `label`). */
  readonly url: string;
  /** The URL without its password: what messages and `tenure status` show. */
  readonly label: string;
  readonly kind: TargetKind;
  /** What the library takes. */
  readonly input: EndpointInput;
  /** For sentinel and cluster: the hosts listed. */
  readonly hosts: ReadonlyArray<{ host: string; port: number }>;
  /** For sentinel: the master's name. */
  readonly master?: string;
  readonly username?: string;
  readonly password?: string;
}

export const DEFAULT_REDIS = 'redis://127.0.0.1:6379';

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/** `--redis` / TENURE_REDIS text → targets (throws commander's InvalidArgumentError). */
export function parseTargets(text: string): Target[] {
  const urls: string[] = [];
  for (const piece of text.split(',').map((p) => p.trim())) {
    if (piece === '') continue;
    const last = urls.length - 1;
    if (!SCHEME.test(piece) && last >= 0 && /^rediss?\+/i.test(urls[last]!)) urls[last] += `,${piece}`;
    else urls.push(piece);
  }
  if (urls.length === 0) throw new InvalidArgumentError('Expected one or more redis:// URLs, comma-separated.');
  return urls.map(parseTarget);
}

const DEFAULT_LIST: readonly Target[] = Object.freeze([parseTarget(DEFAULT_REDIS)]);

/** The default of `--redis`: commander shows it as the URL. */
export const defaultTargets = (): Target[] => DEFAULT_LIST as Target[];

/**
 * A repeated `--redis` adds to the list. Commander passes the default as `previous` to the
 * first one (and to TENURE_REDIS, read only when no `--redis` is given): that one starts afresh.
 */
export function accumulateTargets(text: string, previous: Target[] | undefined): Target[] {
  return [...(previous === undefined || previous === DEFAULT_LIST ? [] : previous), ...parseTargets(text)];
}

function parseTarget(url: string): Target {
  const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) throw bad(url, 'is not a URL; expected redis://host:port');
  if (scheme === 'redis' || scheme === 'rediss') return server(url);
  if (scheme === 'redis+sentinel' || scheme === 'redis+cluster') return multi(url, scheme === 'redis+sentinel' ? 'sentinel' : 'cluster');
  throw bad(url, 'is not a redis://, rediss://, redis+sentinel:// or redis+cluster:// URL');
}

function server(url: string): Target {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw bad(url, 'is not a URL; expected redis://host:port or rediss://host:port');
  }
  if (u.hostname === '') throw bad(url, 'names no host');
  return { url, label: redact(url), kind: 'server', input: url, hosts: [] };
}

function multi(url: string, kind: 'sentinel' | 'cluster'): Target {
  const rest = url.slice(url.indexOf('://') + 3);
  const at = rest.lastIndexOf('@');
  const auth = at < 0 ? '' : rest.slice(0, at);
  const [hostList = '', ...path] = rest.slice(at + 1).split('/');
  const master = decodeURIComponent(path.join('/'));
  const fallbackPort = kind === 'sentinel' ? 26379 : 6379;
  const hosts = hostList.split(',').map((h) => hostPort(h, fallbackPort, url));
  if (hosts.length === 0 || hostList === '') throw bad(url, 'names no host');
  if (kind === 'sentinel' && master === '') throw bad(url, 'names no master: expected redis+sentinel://host:26379,host:26379/mastername');
  if (kind === 'cluster' && master !== '') throw bad(url, 'has a path: a cluster URL is redis+cluster://host:port,host:port');
  const [user = '', pass] = auth.split(/:(.*)/s, 2);
  const username = user === '' ? undefined : decodeURIComponent(user);
  const password = pass === undefined || pass === '' ? undefined : decodeURIComponent(pass);
  const redisOptions = { ...(username === undefined ? {} : { username }), ...(password === undefined ? {} : { password }) };
  const label = redact(url);
  const extra: Pick<Endpoint, 'redisOptions' | 'label'> = { label, ...(Object.keys(redisOptions).length > 0 ? { redisOptions } : {}) };
  const input: Endpoint = kind === 'sentinel' ? { sentinels: hosts, name: master, ...extra } : { cluster: hosts, ...extra };
  return {
    url,
    label,
    kind,
    input,
    hosts,
    ...(kind === 'sentinel' ? { master } : {}),
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
  };
}

function hostPort(text: string, fallbackPort: number, url: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d+))?$/.exec(text);
  if (m === null) throw bad(url, `has a bad host ${JSON.stringify(text)}`);
  const port = m[2] === undefined ? fallbackPort : Number(m[2]);
  if (port < 1 || port > 65535) throw bad(url, `has a bad port ${JSON.stringify(m[2])}`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

function bad(url: string, why: string): InvalidArgumentError {
  return new InvalidArgumentError(`${JSON.stringify(redact(url))} ${why}.`);
}

/** A URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^/]*@/i, '$1***@');
}
