import type { DeltaMarks } from '../shared/graph.js';

/**
 * A client secret (passwordCredential: `hint`) or certificate (keyCredential: `type`, `usage`,
 * `customKeyIdentifier`). Reads never carry a secret's value.
 * https://learn.microsoft.com/graph/api/resources/passwordcredential
 * https://learn.microsoft.com/graph/api/resources/keycredential
 */
export type GraphCredential = {
  keyId?: string | null;
  displayName?: string | null;
  startDateTime?: string | null;
  endDateTime?: string | null;
  customKeyIdentifier?: string | null;
  hint?: string | null;
  type?: string | null;
  usage?: string | null;
  /** The secret and the certificate's key: null on reads, and never copied. */
  secretText?: string | null;
  key?: string | null;
};

/** What carries credentials: an app registration or a service principal. */
export type GraphCredentialOwner = {
  appId?: string | null;
  displayName?: string | null;
  passwordCredentials?: GraphCredential[] | null;
  keyCredentials?: GraphCredential[] | null;
};

/** An app registration as `APPLICATION_SELECT` reads it. https://learn.microsoft.com/graph/api/resources/application */
export type GraphApplication = GraphCredentialOwner & { id: string };

export type GraphApplicationDelta = GraphApplication & DeltaMarks;
