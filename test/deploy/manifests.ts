import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';
import { render, type K8sObject } from './helm.js';

/**
 * deploy/ holds plain manifests for clusters without Helm. They are the chart's render (leader
 * election on, so the Deployment can be scaled to 2) with Helm's own labels removed, plus a
 * Namespace and a Secret example with placeholders. Regenerate with:
 *   npx tsx test/deploy/manifests.ts
 * and test/deploy/manifests.test.ts fails when deploy/ is out of date.
 */
export const DEPLOY_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../deploy');
export const DEPLOY_VALUES = { existingSecret: 'baton-entra', leaderElection: { enabled: true } };

const HEADER = '# Generated from charts/baton-entra by test/deploy/manifests.ts; do not edit by hand.\n';

const NAMESPACE = `${HEADER}apiVersion: v1
kind: Namespace
metadata:
  name: baton
  labels:
    # Restricted Pod Security Standard, which the Deployment satisfies.
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
`;

const SECRET_EXAMPLE = `# Example settings Secret: copy, fill in, and apply it yourself (never commit real values).
# Each key becomes a file under /var/run/secrets/baton; edits are picked up without a restart.
apiVersion: v1
kind: Secret
metadata:
  name: baton-entra
  namespace: baton
type: Opaque
stringData:
  BATON_ENTRA_TENANT_ID: "<tenant-guid>"
  BATON_ENTRA_CLIENT_ID: "<application-client-id>"
  BATON_ENTRA_CLIENT_SECRET: "<client-secret>"
  # Or certificate credentials instead of a client secret:
  # BATON_ENTRA_CERTIFICATE: "<PEM certificate chain>"
  # BATON_ENTRA_CERTIFICATE_KEY: "<PEM private key>"
  BATON_CONTROL_PLANE_ADDRESS: "<control-plane-host>:443"
  BATON_CLIENT_ID: "<control-plane-client-id>"
  BATON_CLIENT_SECRET: "<control-plane-client-secret>"
  BATON_PROVISIONING: "false"
  # With provisioning on: at most this many revokes/disables/deletes per window before they wait
  # for an approval, and the age recipient generated passwords are sealed to.
  # BATON_DELETION_GUARD_MAX: "100"
  # BATON_DELETION_GUARD_WINDOW: "1h"
  # BATON_PASSWORD_RECIPIENT: "age1..."
  # BATON_SYNC_INTERVAL: "1h"
`;

const FILES: Record<string, string> = {
  ServiceAccount: 'serviceaccount.yaml',
  Role: 'role.yaml',
  RoleBinding: 'rolebinding.yaml',
  Deployment: 'deployment.yaml',
  Service: 'service.yaml',
};

function stripHelm(o: K8sObject): K8sObject {
  const copy = JSON.parse(JSON.stringify(o)) as K8sObject;
  const clean = (labels?: Record<string, string>) => {
    if (!labels) return;
    delete labels['helm.sh/chart'];
    delete labels['app.kubernetes.io/managed-by'];
  };
  clean(copy.metadata.labels);
  clean(
    (copy.spec as { template?: { metadata: { labels?: Record<string, string> } } } | undefined)?.template
      ?.metadata.labels,
  );
  return copy;
}

export async function generateManifests(): Promise<Record<string, string>> {
  const objs = await render([DEPLOY_VALUES]);
  const out: Record<string, string> = { 'namespace.yaml': NAMESPACE, 'secret.example.yaml': SECRET_EXAMPLE };
  for (const o of objs) {
    const file = FILES[o.kind];
    if (!file) continue; // the helm test Pod
    out[file] = HEADER + yaml.dump(stripHelm(o), { lineWidth: 120, noRefs: true });
  }
  const resources = ['namespace.yaml', ...Object.values(FILES)];
  out['kustomization.yaml'] = `${HEADER}apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
# Create the settings Secret first (see secret.example.yaml).
resources:
${resources.map((r) => `  - ${r}`).join('\n')}
`;
  return out;
}

export function readDeployed(file: string): string | undefined {
  try {
    return readFileSync(join(DEPLOY_DIR, file), 'utf8');
  } catch {
    return undefined;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = await generateManifests();
  mkdirSync(DEPLOY_DIR, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(DEPLOY_DIR, name), text);
  console.log(`wrote ${Object.keys(files).length} files to ${DEPLOY_DIR}`);
}
