import { readSettingFile, SettingFileError } from './setting-file.js';

/**
 * Resolves file-mounted settings: for every `X_FILE` in `env` (e.g. `BATON_ENTRA_CLIENT_SECRET_FILE`,
 * as a Kubernetes Secret volume provides), reads the file and sets `X` to its content (trailing
 * whitespace trimmed) unless `X` is already set. Setting both is an error, as is an unreadable
 * file or one that is not a regular file (see `readSettingFile`): the message names the variable
 * and the path.
 */
export function resolveFileSettings(
  env: NodeJS.ProcessEnv,
  read: (path: string) => string = readSettingFile,
): Record<string, string> {
  const out: Record<string, string> = {};
  const errors: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && !key.endsWith('_FILE')) out[key] = value;
  }
  for (const [key, path] of Object.entries(env)) {
    if (!key.endsWith('_FILE') || path === undefined || path === '') continue;
    const target = key.slice(0, -'_FILE'.length);
    // AZURE_FEDERATED_TOKEN_FILE is a path by contract (workload identity), not a file-mounted value.
    if (!target.startsWith('BATON_')) {
      out[key] = path;
      continue;
    }
    if (env[target] !== undefined && env[target] !== '') {
      errors.push(`${target} and ${key} are both set; set only one of them`);
      continue;
    }
    try {
      out[target] = read(path).trimEnd();
    } catch (err) {
      errors.push(
        err instanceof SettingFileError
          ? `${key}: ${err.message}`
          : `${key}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      );
    }
  }
  if (errors.length) throw new ConfigError(errors);
  return out;
}

/** One or more configuration problems, each naming the variable and what is expected. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}
