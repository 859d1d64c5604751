import { SETTING_NAMES } from './settings.js';
import { nearestName } from './suggest.js';

/**
 * Problems for `BATON_*` names the catalogue does not know.
 * - `lenient` (every command reading the connector's settings): other tools may share the `BATON_`
 *   prefix, so only `BATON_ENTRA_*` names and near misses of a known name are reported.
 * - `strict` (`serve`, which owns its whole environment): every unknown `BATON_*` name is refused,
 *   with the nearest known name when there is a plausible one. `X_FILE` is known when `X` is.
 */
export function unknownNames(env: Record<string, string | undefined>, mode: 'lenient' | 'strict'): string[] {
  const problems: string[] = [];
  for (const name of Object.keys(env)) {
    if (!name.startsWith('BATON_') || SETTING_NAMES.has(name)) continue;
    const fileForm = name.endsWith('_FILE');
    const base = fileForm ? name.slice(0, -'_FILE'.length) : name;
    if (fileForm && SETTING_NAMES.has(base)) continue;
    const entra = base.startsWith('BATON_ENTRA_');
    const near = nearestName(base, SETTING_NAMES, entra ? 6 : mode === 'strict' ? 3 : 2);
    const hint = near ? `; did you mean ${near}${fileForm ? '_FILE' : ''}?` : '';
    if (mode === 'strict' || entra || near)
      problems.push(`${name}: unknown setting${hint || ' (baton-entra config --list prints every setting)'}`);
  }
  return problems;
}
