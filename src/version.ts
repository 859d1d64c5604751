import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', findRoot()), 'utf8')) as { version: string };

/** Resolves the package root both from src/ (tsx) and from dist/src/ (built). */
function findRoot(): URL {
  const here = new URL('.', import.meta.url);
  return here.pathname.includes('/dist/') ? new URL('../', here) : here;
}

export const VERSION: string = pkg.version;
