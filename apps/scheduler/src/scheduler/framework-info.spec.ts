import { createConfig, Duration, type ConfigValues } from '@mesoflow/config';
import { mesos } from '@mesoflow/proto';
import { SchedulerErrorCode } from './errors';
import { credentialFromConfig, frameworkInfoFromConfig } from './framework-info';

const Capability = mesos.v1.FrameworkInfo.Capability.Type;

function config(values: ConfigValues = {}): ReturnType<typeof createConfig> {
  return createConfig({ 'mesos.master': 'master:5050', ...values }, { service: 'scheduler' });
}

describe('frameworkInfoFromConfig', () => {
  it('describes the framework from configuration', () => {
    const info = frameworkInfoFromConfig(
      config({
        'mesos.resourcemanager.framework.name': 'analytics',
        'mesos.resourcemanager.framework.role': 'dataflow',
        'mesos.resourcemanager.framework.user': 'mesoflow',
        'mesos.resourcemanager.framework.principal': 'mf',
        'mesos.failover-timeout': Duration.of(600, 's'),
        'jobmanager.rpc.address': 'jm.example',
      }),
    );
    expect(info).toEqual({
      name: 'analytics',
      user: 'mesoflow',
      roles: ['dataflow'],
      failover_timeout: 600,
      checkpoint: true,
      hostname: 'jm.example',
      webui_url: 'http://jm.example:8081/',
      principal: 'mf',
      capabilities: [{ type: Capability.PARTITION_AWARE }, { type: Capability.MULTI_ROLE }],
    });
  });

  it('runs as the current user unless one is configured, and asks for GPUs only when workers need them', () => {
    const info = frameworkInfoFromConfig(config({ 'mesos.resourcemanager.tasks.gpus': 1 }), () => 'alice');
    expect(info.user).toBe('alice');
    expect(info.principal).toBeUndefined();
    expect(info.failover_timeout).toBe(604_800);
    expect(info.capabilities?.map((c) => c.type)).toContain(Capability.GPU_RESOURCES);
  });
});

describe('webui_url', () => {
  it('points at the REST address and port, over HTTPS when the REST endpoint uses TLS', () => {
    const url = (values: ConfigValues): string | null | undefined => frameworkInfoFromConfig(config(values), () => 'u').webui_url;
    expect(url({ 'rest.address': 'ui.example', 'rest.port': 9000 })).toBe('http://ui.example:9000/');
    expect(url({ 'jobmanager.rpc.address': 'fe80::1' })).toBe('http://[fe80::1]:8081/');
    expect(url({ 'security.ssl.rest.enabled': true, 'security.ssl.rest.keystore': '/etc/ks.p12' })).toBe('https://localhost:8081/');
  });
});

describe('credentialFromConfig', () => {
  it('builds basic credentials from principal and secret', () => {
    expect(
      credentialFromConfig(
        config({ 'mesos.resourcemanager.framework.principal': 'mf', 'mesos.resourcemanager.framework.secret': 's3cret' }),
      ),
    ).toEqual({ principal: 'mf', secret: 's3cret' });
    expect(credentialFromConfig(config())).toBeUndefined();
  });

  it('rejects a secret without a principal', () => {
    expect(thrown(() => credentialFromConfig(config({ 'mesos.resourcemanager.framework.secret': 's3cret' })))).toMatchObject({
      code: SchedulerErrorCode.INVALID_CONFIGURATION,
    });
  });
});

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
