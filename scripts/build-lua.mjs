#!/usr/bin/env node
// Compiles src/lua/*.lua (the source of truth) into src/lua/scripts.generated.ts.
// `-- @include lib/x.lua` lines are replaced by that file's text (once per script).
// With --check it writes nothing and exits 1 when the generated module is stale.
//
// Each script's header names its KEYS and ARGV, in order, and the generated module turns
// them into a typed wrapper that builds the call (keys, then arguments, and how many keys):
//   -- @keys lock[] fence[] marker?
//   -- @args value:str ttl:int fence:flag quarantine:int marked:flag
// Keys: `name` one key; `name?` one key, left out when undefined; `name[]` any number (an
// array, possibly empty). Arguments: `name:type`, `name?:type` for an optional one, sent only
// when given and when every optional one before it was (optional ones come last). Types:
// `str` (string), `int` (number), `flag` (boolean, sent as '1' or '0'), `'literal'`, and
// unions of str, int and literals (`'read'|'write'`, `int|''`).
// The header is checked against the code: a script that reads `KEYS[i]` or `ARGV[i]` past
// the named ones, or never reads a named one, fails the build.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const luaDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'lua');
const outFile = join(luaDir, 'scripts.generated.ts');

function expand(file, seen) {
  const text = readFileSync(join(luaDir, file), 'utf8');
  return text
    .split('\n')
    .map((line) => {
      const m = /^--\s*@include\s+(\S+)\s*$/.exec(line);
      if (!m) return line;
      const target = m[1];
      if (!existsSync(join(luaDir, target))) throw new Error(`${file}: @include ${target}: no such file`);
      if (seen.has(target)) return `-- (${target} already included)`;
      seen.add(target);
      return expand(target, seen).trimEnd();
    })
    .join('\n');
}

function camel(name) {
  return name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
}

function pascal(name) {
  const c = camel(name);
  return c[0].toUpperCase() + c.slice(1);
}

const IDENT = /^[a-z][A-Za-z0-9]*$/;

/** `-- @keys ...` of a script: [{ name, kind: 'one' | 'optional' | 'group' }]. */
function parseKeys(file, spec) {
  const names = new Set();
  return spec.map((item) => {
    const m = /^([^?[\]]+)(\[\]|\?)?$/.exec(item);
    if (!m || !IDENT.test(m[1])) throw new Error(`${file}: @keys: bad item ${JSON.stringify(item)}`);
    if (names.has(m[1])) throw new Error(`${file}: @keys: ${m[1]} named twice`);
    names.add(m[1]);
    return { name: m[1], kind: m[2] === '[]' ? 'group' : m[2] === '?' ? 'optional' : 'one' };
  });
}

function tsType(file, name, type) {
  if (type === 'flag') return 'boolean';
  return type
    .split('|')
    .map((part) => {
      if (part === 'str') return 'string';
      if (part === 'int') return 'number';
      if (/^'[^'\\]*'$/.test(part)) return part;
      throw new Error(`${file}: @args: ${name}: unknown type ${JSON.stringify(part)}`);
    })
    .join(' | ');
}

/** `-- @args ...` of a script: [{ name, type, ts, optional }]. */
function parseArgs(file, spec) {
  const names = new Set();
  let optional = false;
  return spec.map((item) => {
    const m = /^([^?:]+)(\?)?:(.+)$/.exec(item);
    if (!m || !IDENT.test(m[1])) throw new Error(`${file}: @args: bad item ${JSON.stringify(item)} (name:type)`);
    if (names.has(m[1])) throw new Error(`${file}: @args: ${m[1]} named twice`);
    names.add(m[1]);
    if (optional && !m[2]) throw new Error(`${file}: @args: ${m[1]} is required but comes after an optional argument`);
    optional ||= m[2] === '?';
    return { name: m[1], type: m[3], ts: tsType(file, m[1], m[3]), optional: m[2] === '?' };
  });
}

/** The `@name` annotation's items, from the script's own text (not its includes). */
function annotation(file, text, name) {
  const lines = text.split('\n').filter((line) => new RegExp(`^--\\s*@${name}\\b`).test(line));
  if (lines.length > 1) throw new Error(`${file}: more than one @${name} line`);
  if (lines.length === 0) return undefined;
  return lines[0]
    .replace(new RegExp(`^--\\s*@${name}`), '')
    .trim()
    .split(/\s+/)
    .filter((s) => s !== '');
}

/** Indices `NAME[i]` the code (comments aside) reads with a literal i. */
function literalIndices(source, name) {
  const code = source
    .split('\n')
    .map((line) => line.replace(/--.*$/, ''))
    .join('\n');
  const found = new Set();
  for (const m of code.matchAll(new RegExp(`\\b${name}\\[(\\d+)\\]`, 'g'))) found.add(Number(m[1]));
  return found;
}

/**
 * The header must say what the code reads: the leading named items (before the first group
 * of keys) sit at fixed positions; the code must read each required one of them, and nothing
 * at a fixed position past them unless a group follows (whose positions vary).
 */
function checkHeader(file, source, what, items, variable) {
  const fixed = [];
  for (const item of items) {
    if (variable(item)) break;
    fixed.push(item);
  }
  const open = fixed.length < items.length;
  const read = literalIndices(source, what);
  for (const i of read) {
    if (i > fixed.length && !open) throw new Error(`${file}: reads ${what}[${i}], which its header does not name`);
  }
  fixed.forEach((item, i) => {
    if (!read.has(i + 1) && (what === 'ARGV' || item.kind === 'one')) {
      throw new Error(`${file}: its header names ${what}[${i + 1}] (${item.name}), which the code never reads`);
    }
  });
}

function argValue(arg) {
  return arg.type === 'flag' ? `args.${arg.name} ? '1' : '0'` : `args.${arg.name}`;
}

/** The wrapper's body: KEYS then ARGV in one array, and numKeys. */
function body(keys, args) {
  const lines = [];
  const head = [];
  let i = 0;
  for (; i < keys.length && keys[i].kind !== 'optional'; i++)
    head.push(keys[i].kind === 'group' ? `...keys.${keys[i].name}` : `keys.${keys[i].name}`);
  const tail = [];
  for (; i < keys.length; i++) {
    const k = keys[i];
    if (k.kind === 'optional') tail.push(`if (keys.${k.name} !== undefined) run.push(keys.${k.name});`);
    else if (k.kind === 'group') tail.push(`for (const key of keys.${k.name}) run.push(key);`);
    else tail.push(`run.push(keys.${k.name});`);
  }
  const counted = keys.every((k) => k.kind === 'one');
  let j = 0;
  if (counted || tail.length === 0) {
    // Every key is in the array literal: so are the arguments up to the first optional one.
    for (; j < args.length && !args[j].optional; j++) head.push(argValue(args[j]));
  }
  let numKeys = String(keys.length);
  if (!counted && tail.length === 0) numKeys = keys.map((k) => (k.kind === 'group' ? `keys.${k.name}.length` : '1')).join(' + ');
  lines.push(`const run: (string | number)[] = [${head.join(', ')}];`, ...tail);
  if (!counted && tail.length > 0) {
    lines.push('const numKeys = run.length;');
    numKeys = 'numKeys';
  }
  let plain = [];
  let indent = '';
  const flush = () => {
    if (plain.length > 0) lines.push(`${indent}run.push(${plain.join(', ')});`);
    plain = [];
  };
  for (const a of args.slice(j)) {
    if (a.optional) {
      flush();
      lines.push(`${indent}if (args.${a.name} !== undefined) {`);
      indent += '  ';
    }
    plain.push(argValue(a));
  }
  flush();
  while (indent !== '') {
    indent = indent.slice(2);
    lines.push(`${indent}}`);
  }
  return { lines, numKeys };
}

function fieldsOf(items, type, optional) {
  return items.map((item) => `  readonly ${item.name}${optional(item) ? '?' : ''}: ${type(item)};`).join('\n');
}

function wrapper(file, name, text, source, sha1) {
  const keySpec = annotation(file, text, 'keys');
  if (keySpec === undefined) throw new Error(`${file}: no @keys line (see scripts/build-lua.mjs)`);
  const keys = parseKeys(file, keySpec);
  const args = parseArgs(file, annotation(file, text, 'args') ?? []);
  checkHeader(file, source, 'KEYS', keys, (k) => k.kind === 'group');
  checkHeader(file, source, 'ARGV', args, () => false);
  const id = camel(name);
  const type = pascal(name);
  const title = text.split('\n')[0].replace(/^--\s*/, '');
  const constant = `${id.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}_SCRIPT`;
  let out = `const ${constant}: LuaScript = {\n  name: ${JSON.stringify(name)},\n  sha1: ${JSON.stringify(sha1)},\n  source: ${JSON.stringify(source)},\n};\n\n`;
  out += `/** ${name}.lua's KEYS, in order. */\nexport interface ${type}Keys {\n${fieldsOf(
    keys,
    (k) => (k.kind === 'group' ? 'readonly string[]' : 'string'),
    (k) => k.kind === 'optional',
  )}\n}\n\n`;
  const params = [`keys: ${type}Keys`];
  if (args.length > 0) {
    out += `/** ${name}.lua's ARGV, in order. */\nexport interface ${type}Args {\n${fieldsOf(
      args,
      (a) => a.ts,
      (a) => a.optional,
    )}\n}\n\n`;
    params.push(`args: ${type}Args`);
  }
  const { lines, numKeys } = body(keys, args);
  out += `/** ${title.replace(/\*\//g, '* /')} (src/lua/${file}) */\n`;
  out += `export const ${id} = Object.assign(\n  (${params.join(', ')}): Invocation => {\n`;
  out += lines.map((l) => `    ${l}\n`).join('');
  out += `    return { script: ${constant}, numKeys${numKeys === 'numKeys' ? '' : `: ${numKeys}`}, keysAndArgs: run };\n  },\n  { script: ${constant} },\n);\n\n`;
  return out;
}

function build() {
  const files = readdirSync(luaDir)
    .filter((f) => f.endsWith('.lua'))
    .sort();
  let out = '// Generated by scripts/build-lua.mjs from src/lua/*.lua — do not edit; run `npm run lua`.\n';
  out += '// Each script is a function of its named KEYS and ARGV (its header) that builds the call;\n';
  out += '// `.script` is the compiled script itself.\n\n';
  out += "import type { Invocation, LuaScript } from '../core/scripts.js';\n\n";
  for (const file of files) {
    const name = file.slice(0, -4);
    const text = readFileSync(join(luaDir, file), 'utf8');
    const source = expand(file, new Set()).trim() + '\n';
    const sha1 = createHash('sha1').update(source).digest('hex');
    out += wrapper(file, name, text, source, sha1);
  }
  out = out.trimEnd() + '\n';

  if (process.argv.includes('--check')) {
    const current = existsSync(outFile) ? readFileSync(outFile, 'utf8') : '';
    if (current !== out) {
      console.error('src/lua/scripts.generated.ts is stale: run `npm run lua`');
      process.exit(1);
    }
  } else {
    const current = existsSync(outFile) ? readFileSync(outFile, 'utf8') : '';
    if (current !== out) writeFileSync(outFile, out);
  }
}

try {
  build();
} catch (error) {
  console.error(`build-lua: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
