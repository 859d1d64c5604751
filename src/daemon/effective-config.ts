import { loadConfig } from '../config/load.js';
import { ConfigError, resolveFileSettings } from '../config/source.js';
import { unknownNames } from '../config/unknown-names.js';
import type { EffectiveConfig } from './service.js';
import { loadDaemonSettings } from './settings.js';

/**
 * Reads the connector's and the daemon's settings from one environment (`serve`, at start and on
 * every hot reload; `config` and `validate` as a pre-flight of the same). Every problem is reported at once: unknown `BATON_*` names (strictly — the
 * daemon owns its environment, and a typo such as BATON_SYNC_INTERVALL would otherwise leave the
 * default in force unnoticed), then each loader's.
 */
export function loadEffectiveConfig(
  env: NodeJS.ProcessEnv | Record<string, string>,
  /** `lenient` for the pre-flight commands (`config`, `validate`), which share a shell with other tools. */
  names: 'strict' | 'lenient' = 'strict',
): EffectiveConfig {
  const problems = unknownNames(env, names);
  // Reported already: the loaders do not see them (nor read the files an unknown X_FILE names).
  const unknown = new Set(problems.map((p) => p.slice(0, p.indexOf(':'))));
  const known = Object.fromEntries(Object.entries(env).filter(([name]) => !unknown.has(name)));
  const connector = collect(problems, () => loadConfig(known));
  const daemon = collect(problems, () => loadDaemonSettings(resolveFileSettings(known)));
  if (problems.length || !connector || !daemon) throw new ConfigError(problems);
  return { connector, daemon };
}

/** Runs a loader, adding its problems (minus those already said) to `problems`. */
function collect<T>(problems: string[], load: () => T): T | undefined {
  try {
    return load();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // The strict check above already named every unknown name (the loader's own check is lenient).
    for (const p of err.problems)
      if (!/^BATON_\w+: unknown setting/.test(p) && !problems.includes(p)) problems.push(p);
    return undefined;
  }
}
