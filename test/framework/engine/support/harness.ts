import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectorConfig } from '../../../../src/config/types.js';
import { exportRecords, type ExportRecord } from '../../../../src/snapshot/export.js';
import { openSnapshot } from '../../../../src/snapshot/open.js';

export function testConfig(patch: Partial<ConnectorConfig> = {}): ConnectorConfig {
  return {
    auth: {
      mode: 'client_secret',
      tenantId: 'tenant-1',
      clientId: 'client-1',
      clientSecret: 'not-a-real-secret',
    },
    cloud: 'custom',
    authorityHost: 'https://login.fake',
    graphDomain: 'graph.fake',
    graphBaseUrl: 'https://graph.fake',
    exchangeBaseUrl: 'https://outlook.fake',
    skipAdGroups: false,
    includeOnPremGroupMembers: false,
    signInActivity: false,
    onPremisesExtensionAttributes: false,
    skipUnassignedApps: false,
    syncDevices: true,
    deviceJoinTypes: ['entra', 'hybrid', 'registered'],
    scopeGroups: [],
    licensedUsersOnly: false,
    syncResourceTypes: [],
    provisioning: false,
    deletionGuard: { max: 100, windowMs: 3_600_000 },
    scheduleScimProvisioning: false,
    logLevel: 'silent',
    logFormat: 'json',
    ...patch,
  };
}

export function tempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'sync-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function exportOf(file: string): Promise<ExportRecord[]> {
  const snap = await openSnapshot(file);
  try {
    return [...exportRecords(snap.db)];
  } finally {
    await snap.close();
  }
}

export function idsOf(records: ExportRecord[], kind: ExportRecord['kind']): string[] {
  return records.filter((r) => r.kind === kind).map((r) => r.id);
}

export const FIXED_NOW = Date.parse('2026-11-23T12:00:00Z');
