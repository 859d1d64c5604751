import { applyDeltaObject, type CollectPhase } from '../shared/collect-context.js';
import { runPagedPhase } from '../shared/paged.js';
import type { GraphApplication, GraphApplicationDelta } from './graph.js';

/** What the credential resources need from an app registration; nothing else is read. */
export const APPLICATION_SELECT: (keyof GraphApplication)[] = [
  'id',
  'appId',
  'displayName',
  'passwordCredentials',
  'keyCredentials',
];

/**
 * App registrations with their client secrets and certificates, as a delta query so an
 * incremental sync reads only the applications whose credentials (or name) changed. Secret values
 * are never returned by Graph reads (`secretText` is only in the addPassword response).
 * https://learn.microsoft.com/graph/api/application-delta
 */
export const applicationsPhase: CollectPhase = {
  name: 'applications',
  run(ctx) {
    return runPagedPhase<GraphApplicationDelta>(ctx, {
      phase: 'applications',
      startUrl: `/applications/delta?$select=${APPLICATION_SELECT.join(',')}`,
      deltaKey: 'delta:applications',
      owns: { objects: ['application'], links: [] },
      onPage: (items) => {
        for (const a of items) applyDeltaObject(ctx.store.source, 'application', a);
      },
    });
  },
};
