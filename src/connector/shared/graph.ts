/**
 * Graph object shapes shared by several resource types, as the connector reads them. Shapes are
 * object types rather than interfaces so that they stay assignable to `GraphObject`, which the
 * generic delta helpers take. Every property but the key may be absent: a delta update carries
 * only what changed, and Graph answers `null` for an unset value.
 */

/** What Graph adds to an item of a delta round. https://learn.microsoft.com/graph/delta-query-overview */
export type DeltaMarks = {
  '@removed'?: { reason?: string };
};

/** A directory object as a relationship lists it (`$select=id`, `members@delta`, owners). */
export type DirectoryObjectRef = DeltaMarks & {
  id: string;
  '@odata.type'?: string;
};

/** A collection's response body inside a `$batch` envelope. https://learn.microsoft.com/graph/json-batching */
export type GraphCollectionBody<T> = {
  value?: T[];
  '@odata.nextLink'?: string;
  error?: { code?: string; message?: string };
};

/** https://learn.microsoft.com/graph/api/resources/organization */
export type GraphOrganization = {
  id: string;
  displayName?: string | null;
  verifiedDomains?: { name?: string; isDefault?: boolean; isInitial?: boolean; type?: string }[];
};

/** https://learn.microsoft.com/graph/api/resources/modifiedproperty */
export type GraphModifiedProperty = {
  displayName?: string | null;
  oldValue?: string | null;
  newValue?: string | null;
};

/** https://learn.microsoft.com/graph/api/resources/targetresource */
export type GraphTargetResource = {
  id?: string | null;
  type?: string | null;
  displayName?: string | null;
  modifiedProperties?: GraphModifiedProperty[];
};

/** https://learn.microsoft.com/graph/api/resources/directoryaudit */
export type GraphDirectoryAudit = {
  id?: string;
  category?: string;
  activityDisplayName?: string | null;
  activityDateTime?: string;
  result?: string | null;
  targetResources?: GraphTargetResource[];
};
