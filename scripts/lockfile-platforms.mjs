#!/usr/bin/env node
// The npm registry mirror this project is built against serves rollup's native packages
// for linux x64/arm64 (glibc) only, so `npm install` leaves the other platforms' optional
// packages out of package-lock.json and `npm ci` then refuses the lock file. This adds the
// missing entries with their os/cpu/libc, so npm ci accepts the lock and skips them on this
// platform (as it would with a full registry). Run after changing dependencies.
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const cpus = ['arm64', 'arm', 'x64', 'ia32', 'ppc64', 'riscv64', 's390x', 'loong64'];
let added = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const at = `${path ? path + '/' : ''}node_modules/${name}`;
    if (lock.packages[at] || lock.packages[`node_modules/${name}`]) continue;
    const m =
      /rollup-(android|darwin|freebsd|linux|openbsd|openharmony|win32)-([a-z0-9]+?)(?:-(gnueabihf|musleabihf|gnu|musl|msvc|eabi))?$/.exec(
        name,
      );
    if (!m) continue;
    const [, os, rawCpu, abi] = m;
    const cpu = rawCpu === 'arm' || abi === 'eabi' ? 'arm' : cpus.includes(rawCpu) ? rawCpu : rawCpu;
    const stub = { version, dev: entry.dev ?? true, optional: true, os: [os], cpu: [cpu] };
    if (os === 'linux' && abi) stub.libc = [abi.startsWith('musl') ? 'musl' : 'glibc'];
    lock.packages[`node_modules/${name}`] = stub;
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`package-lock.json: ${added} platform entries added`);
