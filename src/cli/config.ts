import type { Command } from 'commander';
import type { CommandModule } from './commands.js';
import { loadEffectiveConfig } from '../daemon/effective-config.js';
import { describeConfig } from '../config/describe.js';
import { SETTINGS, SETTING_GROUPS, type SettingGroup } from '../config/settings.js';

/** `baton-entra config`: prints the effective configuration (secrets as `[set]`), or what is wrong with it. */
export const configCommand: CommandModule = (program: Command) => {
  program
    .command('config')
    .description(
      "Print the effective connector configuration (secrets masked); check the daemon's settings too; exit 1 listing the problems if invalid",
    )
    .option('--json', 'print JSON')
    .option(
      '--list',
      "list every supported setting (the daemon's too), grouped, with its default and description",
    )
    .action((opts: { json?: boolean; list?: boolean }) => {
      if (opts.list) {
        printCatalogue(opts.json === true);
        return;
      }
      // The daemon's settings are checked too, so that what `serve` would refuse is refused here.
      const described = describeConfig(loadEffectiveConfig(process.env, 'lenient').connector);
      process.stdout.write(opts.json ? `${JSON.stringify(described, null, 2)}\n` : formatText(described));
    });
};

/** Every BATON_* variable, the daemon's included, grouped as `SETTING_GROUPS` orders them. */
function printCatalogue(json: boolean): void {
  const groups = Object.keys(SETTING_GROUPS) as SettingGroup[];
  const rows = groups.flatMap((group) =>
    SETTINGS.filter((s) => s.group === group).map(({ name, description, default: def, secret }) => ({
      name,
      group,
      description,
      default: def,
      secret,
    })),
  );
  if (json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  const sections = groups.map((group) =>
    [
      `${SETTING_GROUPS[group]}:\n`,
      ...rows
        .filter((r) => r.group === group)
        .map(
          (r) =>
            `  ${r.name}${r.secret ? ' (secret)' : ''}${r.default !== undefined ? ` [default: ${r.default}]` : ''}\n      ${r.description}\n`,
        ),
    ].join(''),
  );
  process.stdout.write(sections.join('\n'));
}

function formatText(obj: Record<string, unknown>, prefix = ''): string {
  let out = '';
  for (const [k, v] of Object.entries(obj)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v))
      out += formatText(v as Record<string, unknown>, `${prefix}${k}.`);
    else out += `${prefix}${k} = ${Array.isArray(v) ? v.join(',') : String(v)}\n`;
  }
  return out;
}
