import type { DeltaMarks, DirectoryObjectRef } from '../shared/graph.js';

/** https://learn.microsoft.com/graph/api/resources/assignedlicense */
export type GraphAssignedLicense = {
  skuId: string;
  disabledPlans?: string[];
};

/** `extensionAttribute1` … `extensionAttribute15`. https://learn.microsoft.com/graph/api/resources/onpremisesextensionattributes */
export type GraphExtensionAttributes = { [name: string]: string | null };

/** A user as `USER_SELECT` reads it. https://learn.microsoft.com/graph/api/resources/user */
export type GraphUser = {
  id: string;
  displayName?: string | null;
  userPrincipalName?: string | null;
  mail?: string | null;
  otherMails?: string[];
  givenName?: string | null;
  surname?: string | null;
  jobTitle?: string | null;
  department?: string | null;
  companyName?: string | null;
  employeeId?: string | null;
  employeeType?: string | null;
  employeeHireDate?: string | null;
  userType?: string | null;
  accountEnabled?: boolean | null;
  createdDateTime?: string | null;
  onPremisesSyncEnabled?: boolean | null;
  onPremisesImmutableId?: string | null;
  onPremisesSamAccountName?: string | null;
  onPremisesDomainName?: string | null;
  assignedLicenses?: GraphAssignedLicense[];
  onPremisesExtensionAttributes?: GraphExtensionAttributes | null;
};

/** An item of `users/delta?$select=…,manager`: the manager as an object or a `manager@delta` change. */
export type GraphUserDelta = GraphUser &
  DeltaMarks & {
    manager?: DirectoryObjectRef | null;
    'manager@delta'?: DirectoryObjectRef[];
  };

/** https://learn.microsoft.com/graph/api/resources/signinactivity */
export type GraphSignInActivity = {
  lastSignInDateTime?: string | null;
  lastNonInteractiveSignInDateTime?: string | null;
  lastSuccessfulSignInDateTime?: string | null;
};

/** An item of `/users?$select=id,signInActivity`. */
export type GraphUserSignIn = {
  id: string;
  signInActivity?: GraphSignInActivity | null;
};

/** A user as provisioning reads it: the sync's fields, and whatever else a change compares. */
export type GraphUserRead = GraphUser & { mailNickname?: string | null; [property: string]: unknown };
