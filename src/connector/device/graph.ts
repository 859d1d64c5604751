import type { DeltaMarks } from '../shared/graph.js';

/** A device as `DEVICE_SELECT` reads it. https://learn.microsoft.com/graph/api/resources/device */
export type GraphDevice = {
  id: string;
  deviceId?: string | null;
  displayName?: string | null;
  accountEnabled?: boolean | null;
  operatingSystem?: string | null;
  operatingSystemVersion?: string | null;
  /** `AzureAd`, `ServerAd` or `Workplace`. */
  trustType?: string | null;
  isCompliant?: boolean | null;
  isManaged?: boolean | null;
  approximateLastSignInDateTime?: string | null;
  registrationDateTime?: string | null;
  createdDateTime?: string | null;
  manufacturer?: string | null;
  model?: string | null;
  onPremisesSyncEnabled?: boolean | null;
  profileType?: string | null;
};

export type GraphDeviceDelta = GraphDevice & DeltaMarks;
