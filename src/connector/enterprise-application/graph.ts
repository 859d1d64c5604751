import type { GraphCredential } from '../credential/graph.js';
import type { DeltaMarks } from '../shared/graph.js';

/** https://learn.microsoft.com/graph/api/resources/approle */
export type GraphAppRole = {
  id: string;
  value?: string | null;
  displayName?: string | null;
  description?: string | null;
  allowedMemberTypes?: string[];
  isEnabled?: boolean;
};

/** A service principal as `SP_SELECT` reads it. https://learn.microsoft.com/graph/api/resources/serviceprincipal */
export type GraphServicePrincipal = {
  id: string;
  appId?: string | null;
  appDisplayName?: string | null;
  displayName?: string | null;
  description?: string | null;
  accountEnabled?: boolean | null;
  appOwnerOrganizationId?: string | null;
  appRoles?: GraphAppRole[];
  homepage?: string | null;
  info?: { logoUrl?: string | null } | null;
  servicePrincipalType?: string | null;
  tags?: string[];
  createdDateTime?: string | null;
  passwordCredentials?: GraphCredential[] | null;
  keyCredentials?: GraphCredential[] | null;
  alternativeNames?: string[];
  preferredSingleSignOnMode?: string | null;
};

/** https://learn.microsoft.com/graph/api/resources/approleassignment */
export type GraphAppRoleAssignment = {
  id?: string;
  appRoleId: string;
  principalId: string;
  /** `User`, `Group` or `ServicePrincipal`. */
  principalType: string;
};

/** An item of the listing (`$expand=appRoleAssignedTo`) or of `servicePrincipals/delta`. */
export type GraphServicePrincipalListed = GraphServicePrincipal &
  DeltaMarks & {
    appRoleAssignedTo?: GraphAppRoleAssignment[];
  };
