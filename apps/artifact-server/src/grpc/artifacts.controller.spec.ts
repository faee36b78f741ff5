import { ARTIFACTS_GRPC, protoRoot } from '@mesoflow/proto';
import { ArtifactsController } from './artifacts.controller';

describe('ArtifactsController', () => {
  it('has a handler for every rpc of the proto service, and no other', () => {
    const service = protoRoot.lookupService(ARTIFACTS_GRPC.fullName);
    const rpcs = Object.keys(service.methods).map((name) => name[0].toLowerCase() + name.slice(1));
    const handlers = Object.getOwnPropertyNames(ArtifactsController.prototype).filter(
      (name) => name !== 'constructor' && !['published', 'describe'].includes(name),
    );
    expect(handlers.sort()).toEqual(rpcs.sort());
  });
});
