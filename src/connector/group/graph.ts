import type { DeltaMarks, DirectoryObjectRef } from '../shared/graph.js';

/** A group as `GROUP_SELECT` reads it. https://learn.microsoft.com/graph/api/resources/group */
export type GraphGroup = {
  id: string;
  displayName?: string | null;
  description?: string | null;
  classification?: string | null;
  groupTypes?: string[];
  mail?: string | null;
  mailEnabled?: boolean | null;
  mailNickname?: string | null;
  securityEnabled?: boolean | null;
  securityIdentifier?: string | null;
  isAssignableToRole?: boolean | null;
  membershipRule?: string | null;
  visibility?: string | null;
  createdDateTime?: string | null;
  onPremisesSyncEnabled?: boolean | null;
  onPremisesSamAccountName?: string | null;
  onPremisesSecurityIdentifier?: string | null;
  onPremisesDomainName?: string | null;
  onPremisesLastSyncDateTime?: string | null;
};

/** An item of `groups/delta?$select=…,members,owners`. https://learn.microsoft.com/graph/delta-query-groups */
export type GraphGroupDelta = GraphGroup &
  DeltaMarks & {
    'members@delta'?: DirectoryObjectRef[];
    'owners@delta'?: DirectoryObjectRef[];
  };
