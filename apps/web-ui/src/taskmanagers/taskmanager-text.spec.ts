import { resourcesText, slotsText } from './taskmanager-text';

describe('TaskManager texts', () => {
  it('write resources, GPUs only when there are some', () => {
    expect(resourcesText({ cpus: 1, memMb: 2048, diskMb: 512, gpus: 0 })).toBe('1 CPU · 2.0 GB · 512 MB disk');
    expect(resourcesText({ cpus: 0.5, memMb: 1024, diskMb: 0, gpus: 2 })).toBe('0.5 CPU · 1.0 GB · 0 MB disk · 2 GPU');
  });

  it('write slots once a TaskManager registered', () => {
    expect(slotsText(undefined)).toBe('—');
    expect(slotsText({ rpcAddress: 'h:1', dataAddress: 'h:2', slotsTotal: 2, slotsFree: 1, heartbeatAgeMs: 0, registeredAtMs: 1 })).toBe('1 free of 2');
  });
});
