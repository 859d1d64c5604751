import type { Command } from 'commander';
import { CREDENTIAL_MAPPINGS } from '../connector/credential/resource.js';
import { APP_MAPPINGS } from '../connector/enterprise-application/resource.js';
import { DEVICE_MAPPINGS } from '../connector/device/resource.js';
import { GROUP_MAPPINGS } from '../connector/group/resource.js';
import { LICENSE_MAPPINGS } from '../connector/license/resource.js';
import { MANAGED_IDENTITY_MAPPINGS } from '../connector/managed-identity/resource.js';
import type { FieldMapping } from '../connector/shared/mapping.js';
import { ROLE_MAPPINGS } from '../connector/role/resource.js';
import { USER_MAPPINGS } from '../connector/user/resource.js';
import { csvField } from '../snapshot/export.js';
import type { CommandModule } from './commands.js';
import { CliError } from './errors.js';

export const MAPPINGS: Record<string, FieldMapping[]> = {
  user: USER_MAPPINGS,
  group: GROUP_MAPPINGS,
  role: ROLE_MAPPINGS,
  enterprise_application: APP_MAPPINGS,
  managed_identity: MANAGED_IDENTITY_MAPPINGS,
  credential: CREDENTIAL_MAPPINGS,
  license: LICENSE_MAPPINGS,
  device: DEVICE_MAPPINGS,
};

/** `baton-entra mapping`: which Entra attribute lands in which snapshot field, per resource type (CSV). */
export const mappingCommand: CommandModule = (program: Command) => {
  program
    .command('mapping')
    .description(
      'Print, per resource type, which Entra attribute lands in which snapshot field (CSV, or --json)',
    )
    .option('--resource-type <id>', 'only this resource type')
    .option('--json', 'one JSON object per mapping instead of CSV')
    .action((opts: { resourceType?: string; json?: boolean }) => {
      if (opts.resourceType !== undefined && !(opts.resourceType in MAPPINGS)) {
        throw new CliError(
          `--resource-type: expected one of ${Object.keys(MAPPINGS).join(', ')}, got "${opts.resourceType}"`,
        );
      }
      const lines = opts.json ? [] : ['resource_type,entra_attribute,snapshot_field,note'];
      for (const [type, rows] of Object.entries(MAPPINGS)) {
        if (opts.resourceType && type !== opts.resourceType) continue;
        for (const m of rows) {
          lines.push(
            opts.json
              ? JSON.stringify({
                  resource_type: type,
                  entra_attribute: m.entra,
                  snapshot_field: m.field,
                  note: m.note ?? '',
                })
              : [type, m.entra, m.field, m.note ?? ''].map(csvField).join(','),
          );
        }
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
};
