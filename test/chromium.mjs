// Debian's Chromium as every test, benchmark and script launches it: the path, and the flags that
// keep it off the network (this machine's closed network refuses background connections).
// Plain JS so that Node scripts (scripts/**/*.mjs) and TypeScript share this one list.
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** @type {string[]} */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
