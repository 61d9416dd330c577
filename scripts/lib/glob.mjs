// A small file glob (`*`, `?`, `**`, `{a,b}`), because Node 20 has no fs.globSync
// and test.mjs runs before node_modules exists.
import fs from 'node:fs';
import path from 'node:path';

const MAGIC = /[*?{[]/;

function toRegExp(pattern) {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        // `**/` matches zero or more whole directories; a trailing `**` matches anything.
        if (pattern[i + 2] === '/') {
          re += '(?:[^/]*/)*';
          i += 2;
        } else {
          re += '.*';
          i += 1;
        }
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '{') {
      const end = pattern.indexOf('}', i);
      if (end < 0) {
        re += '\\{';
        continue;
      }
      re += `(?:${pattern.slice(i + 1, end).split(',').map((alt) => toRegExp(alt).source.slice(1, -1)).join('|')})`;
      i = end;
    } else {
      re += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}

/**
 * Absolute paths of the files matching `pattern` (relative to `cwd` unless
 * absolute), sorted. A pattern without wildcards names one file, which must exist.
 * `ignore` patterns are matched against the same absolute paths.
 */
export function globFiles(pattern, { cwd = process.cwd(), ignore = [] } = {}) {
  const absolute = path.resolve(cwd, pattern).split(path.sep).join('/');
  const ignored = ignore.map((p) => toRegExp(path.resolve(cwd, p).split(path.sep).join('/')));
  if (!MAGIC.test(absolute)) return fs.existsSync(absolute) && fs.statSync(absolute).isFile() ? [absolute] : [];
  const parts = absolute.split('/');
  const firstMagic = parts.findIndex((part) => MAGIC.test(part));
  const base = parts.slice(0, firstMagic).join('/') || '/';
  if (!fs.existsSync(base)) return [];
  const matcher = toRegExp(absolute);
  const found = [];
  for (const entry of fs.readdirSync(base, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath ?? entry.path, entry.name);
    if (matcher.test(file) && !ignored.some((re) => re.test(file))) found.push(file);
  }
  return found.sort();
}
