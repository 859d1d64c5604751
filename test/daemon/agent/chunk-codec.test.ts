import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { UploadSnapshotRequest } from '../../../src/gen/baton_entra/v1/control_plane.js';
import { allocChunk, FastControlPlaneClient } from '../../../src/daemon/agent/chunk-codec.js';
import { ControlPlaneServiceService } from '../../../src/gen/baton_entra/v1/control_plane.js';

describe('in-place chunk encoding', () => {
  it('is byte-identical to the generated encoder', () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 40 }), fc.integer({ min: 1, max: 300_000 }), (offset, length) => {
        const data = randomBytes(length);
        const { request, data: slot } = allocChunk(offset, length);
        data.copy(slot);
        const serialize = ControlPlaneServiceService.uploadSnapshot.requestSerialize;
        const fast = (
          FastControlPlaneClient as unknown as { service: typeof ControlPlaneServiceService }
        ).service.uploadSnapshot.requestSerialize(request);
        const reference = serialize({ chunk: { offset, data } });
        assert.ok(fast.equals(reference));
        const decoded = UploadSnapshotRequest.decode(fast).chunk!;
        assert.equal(decoded.offset, offset);
        assert.ok(Buffer.from(decoded.data).equals(data));
      }),
      { numRuns: 200 },
    );
  });
});
