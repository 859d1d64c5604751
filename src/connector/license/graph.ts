/** https://learn.microsoft.com/graph/api/resources/licenseunitsdetail */
export type GraphLicenseUnits = {
  enabled?: number;
  suspended?: number;
  warning?: number;
  lockedOut?: number;
};

/** A SKU as the `subscribedSkus` listing selects it. https://learn.microsoft.com/graph/api/resources/subscribedsku */
export type GraphSubscribedSku = {
  id?: string;
  skuId: string;
  skuPartNumber?: string | null;
  appliesTo?: string | null;
  capabilityStatus?: string | null;
  consumedUnits?: number | null;
  prepaidUnits?: GraphLicenseUnits | null;
};
