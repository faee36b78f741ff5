// Test-only builders for offers (not exported from index.ts).
import { mesos } from '@mesoflow/proto';

type Resource = mesos.v1.Resource.$Properties;

/** Extra fields for a built resource (role, reservations, ...). */
export type ResourceExtras = Partial<Omit<Resource, 'name' | 'type'>>;

export function scalar(name: string, value: number, extras: ResourceExtras = {}): Resource {
  return { name, type: mesos.v1.Value.Type.SCALAR, scalar: { value }, ...extras };
}

export function ports(ranges: [number, number][], extras: ResourceExtras = {}): Resource {
  return {
    name: 'ports',
    type: mesos.v1.Value.Type.RANGES,
    ranges: { range: ranges.map(([begin, end]) => ({ begin, end })) },
    ...extras,
  };
}

export interface OfferSpec {
  id: string;
  agent: string;
  hostname?: string;
  resources: Resource[];
  attributes?: Record<string, string>;
  role?: string;
}

export function offer(spec: OfferSpec): mesos.v1.Offer.$Properties {
  const allocation = spec.role === undefined ? undefined : { role: spec.role };
  return {
    id: { value: spec.id },
    framework_id: { value: 'fw-1' },
    agent_id: { value: spec.agent },
    hostname: spec.hostname ?? `${spec.agent}.example`,
    resources: spec.resources.map((r) => (allocation === undefined ? r : { ...r, allocation_info: allocation })),
    attributes: Object.entries(spec.attributes ?? {}).map(([name, value]) => ({
      name,
      type: mesos.v1.Value.Type.TEXT,
      text: { value },
    })),
    ...(allocation === undefined ? {} : { allocation_info: allocation }),
  };
}
